"""The kinds of event (scenarios), as data: one `Scenario` entry each, and everything else derives.

An event's scenario decides what the visitors' calculator asks and in which order, the line under its
title, the organizer's choice in the event form and the home page's filter chip. The database's CHECK
constraint (models.Event) lists the same codes. To add a scenario: one entry here, a migration that
widens the `event_scenario` constraint, and the zh and fil translations of its texts.

The texts are msgids marked with `N_` (extracted by pybabel); the web layer translates them.
"""
from __future__ import annotations

from dataclasses import dataclass

from .languages import N_

# The calculator's sections; each is a block of templates/calculator/calculate.html.
SECTIONS = ("travel", "hotel", "meals", "basket", "energy")


@dataclass(frozen=True)
class Scenario:
    code: str  # stored in event.scenario, in URLs (?scenario=)
    label: str  # one of them, the organizer's choice: "Scenic spot"
    plural: str  # the home page's chip: "Scenic spots"
    intro: str  # the calculator's line under its title
    # The calculator's sections in page order, each (section, optional); an optional one starts folded.
    sections: tuple[tuple[str, bool], ...]


SCENARIOS: tuple[Scenario, ...] = (
    Scenario("conference", N_("Conference"), N_("Conferences"),
             N_("Your trip here, your hotel nights and, if you like, your meals."),
             (("travel", False), ("hotel", False), ("meals", True))),
    Scenario("scenic", N_("Scenic spot"), N_("Scenic spots"),
             N_("Your trip here and any nights you stay."),
             (("travel", False), ("hotel", False))),
    Scenario("supermarket", N_("Supermarket"), N_("Supermarkets"),
             N_("What you bought, and your trip here if you like."),
             (("basket", False), ("travel", True))),
    Scenario("restaurant", N_("Restaurant"), N_("Restaurants"),
             N_("What you ate, and your trip here if you like."),
             (("meals", False), ("travel", True))),
    Scenario("hotel", N_("Hotel"), N_("Hotels"),
             N_("Your nights at the hotel, then your trip here."),
             (("hotel", False), ("travel", False))),
    Scenario("other", N_("Other"), N_("Other events"),
             N_("Your trip here and any nights you stay."),
             (("travel", False), ("hotel", False))),
)
FALLBACK = "other"  # what an event of an unknown scenario is shown as


def all() -> tuple[Scenario, ...]:
    """Every scenario, in the order the home page and the event form list them (read at call time)."""
    return SCENARIOS


def codes() -> tuple[str, ...]:
    return tuple(scenario.code for scenario in SCENARIOS)


def get(code: str | None) -> Scenario:
    """The scenario of this code; an unknown code gets the fallback ("other")."""
    by_code = {scenario.code: scenario for scenario in SCENARIOS}
    return by_code.get(code or FALLBACK) or by_code[FALLBACK]

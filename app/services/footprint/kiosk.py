"""The venue kiosk's walk-up calculator, Flask-free: a few finger-sized choices
(how you came, from where, one way or return, nights) turned into the footprint
engine's input. The whole state travels in the URL, so the kiosk keeps nothing.

A local visitor picks the venue's own city as "from where" and then how far they came
(a stepper or a typical distance): that trip is a distance, not two places, and only the
local modes (metro, bus, taxi, car, bike, walk) make it, with the engine's own factors.

Bad values fall back to "not chosen" rather than erroring: a tile link can only
carry what the kiosk offered, and a hand-edited URL gets the blank calculator.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from ...models import Event
from .. import footprint, integers
from . import places

# Tiles in the order they are shown: the ways people reach a venue.
MODES = ("flight", "rail_hsr", "rail", "coach", "car", "taxi", "bus", "metro", "bike", "walk")
LOCAL_MODES = ("metro", "bus", "taxi", "car", "bike", "walk")  # the ways across the venue's own city
TYPICAL_KM = (2, 5, 10, 20, 40)  # one-touch distances for a trip within the city
MAX_LOCAL_KM = 150
MAX_NIGHTS = 14
ORIGIN_TILES = 8  # with the venue's city and the search tile, 5 x 2: the nearest big cities, then the country's biggest
NEAREST = 6


@dataclass(frozen=True)
class Walkup:
    """One visitor's choices at the kiosk."""

    mode: str = ""
    origin: places.Place | None = None
    return_trip: bool = True
    nights: int = 0
    km: int = 0  # a trip within the venue's city: how far, one way


    def args(self, **changes) -> dict:
        """URL query values for this state with `changes` applied (for tile links)."""
        state = replace(self, **changes)
        values = {"mode": state.mode, "from": state.origin.code if state.origin else "",
                  "return": "1" if state.return_trip else "0", "nights": str(state.nights),
                  "km": str(state.km) if state.km else ""}
        return {k: v for k, v in values.items() if v}


def parse(args) -> Walkup:
    """The walk-up state from URL or form values (anything unknown is left unchosen)."""
    mode = args.get("mode", "")
    nights = min(integers.int_or_none(args.get("nights")) or 0, MAX_NIGHTS)
    return Walkup(
        mode=mode if mode in MODES else "",
        origin=places.by_code((args.get("from") or "")[:60]),
        return_trip=args.get("return", "1") != "0",
        nights=nights,
        km=max(0, min(integers.int_or_none(args.get("km")) or 0, MAX_LOCAL_KM)),
    )


def venue(event: Event) -> places.Place | None:
    """The venue's place: its tile is "from where" for a visitor from the same city."""
    return places.lookup(event.venue_code) if event.venue_code else None


def is_local(event: Event, walkup: Walkup) -> bool:
    """The visitor came from within the venue's city (a distance, not two places)."""
    here = venue(event)
    return here is not None and walkup.origin is not None and walkup.origin.code == here.code


def takes_walkups(event: Event) -> bool:
    """A kiosk takes walk-ups only for a live event (an archived one's orders would be refused) whose
    organizer has not closed the kiosk."""
    return event.status == "live" and not event.kiosk_closed


def origins(event: Event) -> list[places.Place]:
    """One-touch origins: the big cities nearest the venue, then the biggest of its country."""
    venue = places.lookup(event.venue_code)
    if venue is None:
        return []
    near = places.big_cities_near(venue.lat, venue.lon, limit=NEAREST)
    biggest = [p for p in places.big_cities_near(venue.lat, venue.lon, limit=200)
               if p.country == event.country and p not in near]
    biggest.sort(key=places.big_city_rank)
    return (near + biggest)[:ORIGIN_TILES]


def engine_input(event: Event, walkup: Walkup) -> dict:
    """The footprint engine's input for these choices (the venue is the destination)."""
    data: dict[str, list] = {}
    if is_local(event, walkup):
        if walkup.mode in LOCAL_MODES and walkup.km:
            data["legs"] = [{"mode": walkup.mode, "distance_km": str(walkup.km), "return": walkup.return_trip}]
    elif walkup.mode and walkup.origin is not None and event.venue_code:
        data["legs"] = [{"mode": walkup.mode, "from": walkup.origin.code, "to": event.venue_code,
                         "return": walkup.return_trip}]
    if walkup.nights:
        data["hotel_nights"] = [{"country": event.country, "nights": walkup.nights}]
    return data


def estimate(event: Event, walkup: Walkup) -> footprint.FootprintResult | None:
    """The footprint of these choices, or None while nothing countable is chosen."""
    data = engine_input(event, walkup)
    if not data:
        return None
    return footprint.estimate(data)

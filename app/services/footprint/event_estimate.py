"""The whole event's footprint, as its organizer estimates it, and how much of it is neutralized.

The organizer types attendance by origin (local, domestic by rail, domestic by air, international,
each a number of people and a typical one-way distance), the days, the venue's electricity, meals by
kind, waste, water, printed paper, freight and the staff's and speakers' travel. Every line is priced
with a factor from app/data/factors.csv through the factor lookup (`factors.factor`) or the engine
(`footprint.estimate`, for journeys and hotel nights), so a change of factor there changes the
estimate here, and every line names its factor's value, unit, source and year.

Two parts: what the attendees emit (their travel and hotel nights: what visitors neutralize at the
calculator) and the event's operations (everything else: what the organizer neutralizes). Coverage
compares the estimate with what paid orders retired: visitors' orders, the organizer's operations
orders, and (later) sponsors' pools. Paid orders are never changed: when the operations estimate
grows after an operations order was paid, `operations_top_up_kg` is the difference a new order buys.

Flask-free: plain values and the database session in, dataclasses out.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_DOWN, Decimal, InvalidOperation

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Event, EventEstimate, Order, utcnow
from ..languages import N_
from ..live import stamps
from ..sales import sponsors
from . import engine
from .factors import HOTEL_CODES, MEAL_KINDS, Factor, factor

# Attendee groups: (code, English label, travel mode, whether they stay in a hotel).
GROUPS = (
    ("local", N_("Local attendees (bus, every day)"), "bus", False),
    ("rail", N_("Domestic attendees by rail"), "rail", True),
    ("air", N_("Domestic attendees by air"), "flight", True),
    ("international", N_("International attendees by air"), "flight", True),
)
STAFF_GROUPS = (("staff_rail", N_("Staff and speakers by rail"), "rail"),
                ("staff_air", N_("Staff and speakers by air"), "flight"))

# Each line's stable code and English label (translated at render with gettext), in the order shown.
CATEGORIES: dict[str, str] = {
    "attendees_local": N_("Local attendees' travel"),
    "attendees_rail": N_("Domestic attendees' rail travel"),
    "attendees_air": N_("Domestic attendees' flights"),
    "attendees_international": N_("International attendees' flights"),
    "attendees_hotel": N_("Attendees' hotel nights"),
    "venue_energy": N_("Venue electricity"),
    "catering": N_("Catering"),
    "waste": N_("Waste"),
    "water": N_("Water"),
    "paper": N_("Printed materials"),
    "freight": N_("Freight"),
    "staff_travel": N_("Staff and speaker travel"),
}
# What visitors neutralize for themselves; every other category is the event's operations.
ATTENDEE_CATEGORIES = frozenset({"attendees_local", "attendees_rail", "attendees_air", "attendees_international",
                                 "attendees_hotel"})
OPERATIONS_CATEGORIES = frozenset(CATEGORIES) - ATTENDEE_CATEGORIES

# Factor ids of the categories priced by the lookup (not by the engine).
WASTE, WATER, PAPER, FREIGHT = ("waste:commercial_industrial:landfill", "water:supply", "material:paper:primary",
                                "freight:hgv:average_laden")

# Every field the estimate form has, so stored inputs never carry anything else.
COUNT_FIELDS = ("days", "nights", *(f"{g}-count" for g, *_ in GROUPS), *(f"{g}-count" for g, *_ in STAFF_GROUPS),
                *(f"meals-{kind}" for kind, _label in MEAL_KINDS))
AMOUNT_FIELDS = ("electricity", "waste_kg", "water_m3", "paper_kg", "freight_tkm",
                 *(f"{g}-km" for g, *_ in GROUPS), *(f"{g}-km" for g, *_ in STAFF_GROUPS))
CHOICE_FIELDS = ("grid",)
FIELDS = COUNT_FIELDS + AMOUNT_FIELDS + CHOICE_FIELDS

MAX_PEOPLE = 1_000_000
MAX_DAYS = 60
MAX_AMOUNT = Decimal(100_000_000)
MAX_KM = Decimal(40_000)
ZERO = Decimal(0)


class EstimateError(ValueError):
    """Bad input, by form field: {field: English message, marked with N_ for gettext at render}."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class EstimateLine:
    """One category of the estimate: `category` a stable code (CATEGORIES), `label` English (translate with
    gettext at render), `kg` CO2e, `factor_source` each factor used, with value, unit, source and year, in
    English; `factors` the factors themselves, for a page to cite them in its language."""

    category: str
    label: str
    kg: Decimal
    factor_source: str
    factors: tuple[Factor, ...] = ()


@dataclass(frozen=True)
class Coverage:
    """The estimate and what is neutralized so far (kg), and the share covered (0 to 1; None without an
    estimate). sponsors_kg: sponsors' pools (w5-sponsor fills `sponsors_neutralized_kg`)."""

    estimate_kg: Decimal
    visitors_kg: Decimal
    operations_kg: Decimal
    sponsors_kg: Decimal
    share: Decimal | None
    attendees_estimate_kg: Decimal = ZERO
    operations_estimate_kg: Decimal = ZERO

    @property
    def neutralized_kg(self) -> Decimal:
        return self.visitors_kg + self.operations_kg + self.sponsors_kg

    @property
    def percent(self) -> int | None:
        """The share as a whole percent, rounded down (never claims more than is covered)."""
        return None if self.share is None else int((self.share * 100).to_integral_value(ROUND_DOWN))


# --------------------------------------------------------------------------
# Reading the form
# --------------------------------------------------------------------------

def _number(text: str) -> Decimal:
    value = Decimal(text.replace(",", "").replace("\u00a0", "").replace(" ", ""))
    if not value.is_finite():
        raise InvalidOperation
    return value


def clean(form: Mapping[str, str], grids: frozenset[str]) -> dict[str, str]:
    """The estimate's inputs from a form (known fields only, blanks dropped), checked; EstimateError
    names every bad field at once. What it returns is what is stored and what `lines` reads."""
    out: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in FIELDS:
        text = str(form.get(name) or "").strip()[:40]
        if not text:
            continue
        if name in CHOICE_FIELDS:
            if text not in grids:
                errors[name] = N_("Choose one of the grids listed.")
            else:
                out[name] = text
            continue
        try:
            value = _number(text)
        except (InvalidOperation, ValueError):
            errors[name] = N_("Enter a number.")
            continue
        if value < 0:
            errors[name] = N_("Enter zero or more.")
        elif name in COUNT_FIELDS and value != value.to_integral_value():
            errors[name] = N_("Enter a whole number.")
        elif name == "days" and not 1 <= value <= MAX_DAYS:
            errors[name] = N_("Enter 1 to 60 days.")
        elif name in COUNT_FIELDS and value > MAX_PEOPLE:
            errors[name] = N_("That number is too large.")
        elif name.endswith("-km") and value > MAX_KM:
            errors[name] = N_("Enter at most 40,000 km.")
        elif value > MAX_AMOUNT:
            errors[name] = N_("That number is too large.")
        else:
            out[name] = format(value.normalize(), "f") if name not in COUNT_FIELDS else str(int(value))
    if errors:
        raise EstimateError(errors)
    return out


# --------------------------------------------------------------------------
# The lines
# --------------------------------------------------------------------------

def _get(inputs: Mapping[str, str], name: str) -> Decimal:
    try:
        return Decimal(str(inputs.get(name) or 0))
    except InvalidOperation:
        return ZERO


def cite(f: Factor) -> str:
    """A factor as a line shows it: value, unit, source, year."""
    return f"{f.value} {f.unit} ({f.source}, {f.year})"


def _trip(mode: str, km: Decimal, country: str | None) -> tuple[Decimal, Factor]:
    """One person's return trip of `km` one way, by the engine (so its rules choose the factor: a flight
    within the UK takes DESNZ's domestic factor, any other its non-UK one)."""
    leg = {"mode": mode, "distance_km": str(km), "return": True, **({"country": country} if country else {})}
    item = engine.estimate({"legs": [leg]}).items[0]
    return item.kg, item.factor


def lines_for(inputs: Mapping[str, str], country: str) -> list[EstimateLine]:
    """The estimate by category from stored inputs (`clean`'s output) at an event in `country`; categories
    with nothing entered are left out. Decimal kg, unrounded."""
    out: list[EstimateLine] = []

    def add(category: str, kg: Decimal, used: list[Factor]) -> None:
        if kg > 0:
            sources = "; ".join(dict.fromkeys(cite(f) for f in used))
            out.append(EstimateLine(category, CATEGORIES[category], kg, sources,
                                    tuple({f.id: f for f in used}.values())))

    days = _get(inputs, "days") or Decimal(1)
    nights = _get(inputs, "nights") if inputs.get("nights") not in (None, "") else max(days - 1, ZERO)
    travellers = ZERO
    for group, _label, mode, hotel in GROUPS:
        people, km = _get(inputs, f"{group}-count"), _get(inputs, f"{group}-km")
        if people <= 0 or km <= 0:
            continue
        kg, used = _trip(mode, km, None if group == "international" else country)
        trips = days if group == "local" else Decimal(1)  # locals go home every night
        add(f"attendees_{group}", kg * people * trips, [used])
        if hotel:
            travellers += people
    if travellers and nights:
        room = factor(f"hotel:{country if country in HOTEL_CODES else 'OTHER'}")
        add("attendees_hotel", travellers * nights * room.value, [room])

    if (kwh := _get(inputs, "electricity")) > 0:
        grid = factor(f"electricity:grid:{inputs.get('grid') or 'CN'}")
        add("venue_energy", kwh * grid.value, [grid])
    meals = [(factor(f"meal:{kind}"), _get(inputs, f"meals-{kind}")) for kind, _label in MEAL_KINDS]
    meals = [(f, n) for f, n in meals if n > 0]
    add("catering", sum((f.value * n for f, n in meals), ZERO), [f for f, _n in meals])
    for category, field, factor_id, per in (("waste", "waste_kg", WASTE, Decimal(1000)),
                                            ("water", "water_m3", WATER, Decimal(1)),
                                            ("paper", "paper_kg", PAPER, Decimal(1000)),
                                            ("freight", "freight_tkm", FREIGHT, Decimal(1))):
        if (amount := _get(inputs, field)) > 0:
            f = factor(factor_id)
            add(category, amount / per * f.value, [f])
    staff_kg, staff_used = ZERO, []
    for group, _label, mode in STAFF_GROUPS:
        people, km = _get(inputs, f"{group}-count"), _get(inputs, f"{group}-km")
        if people > 0 and km > 0:
            kg, used = _trip(mode, km, country)
            staff_kg += kg * people
            staff_used.append(used)
    add("staff_travel", staff_kg, staff_used)
    return out


def stored_inputs(session: Session, event: Event) -> dict[str, str] | None:
    """What the organizer last saved for the event, or None."""
    row = session.get(EventEstimate, event.id)
    return dict(row.inputs) if row is not None else None


def save(session: Session, event: Event, inputs: dict[str, str]) -> EventEstimate:
    """Keep `clean`'s output as the event's estimate (replacing the last one; no order changes), and advance
    the event's live stamp."""
    row = session.get(EventEstimate, event.id)
    if row is None:
        row = EventEstimate(event_id=event.id, inputs=inputs)
        session.add(row)
    else:
        row.inputs = inputs
        row.updated_at = utcnow()
    stamps.bump(session, event.id)  # the dashboard's live part shows the new share
    session.flush()
    return row


def estimate_lines(session: Session, event: Event) -> list[EstimateLine]:
    """The event's estimate by category (empty without an estimate): the report's table."""
    inputs = stored_inputs(session, event)
    return lines_for(inputs, event.country) if inputs else []


# --------------------------------------------------------------------------
# Coverage
# --------------------------------------------------------------------------

def _paid_kg(session: Session, event_id: int, kind: str) -> Decimal:
    return Decimal(int(session.execute(
        select(func.coalesce(func.sum(Order.credits_kg), 0))
        .where(Order.event_id == event_id, Order.status == "paid", Order.kind == kind,
               Order.sponsor_pool_id.is_(None))  # redemptions count as the sponsors'
    ).scalar_one()))


def sponsors_neutralized_kg(session: Session, event: Event) -> Decimal:
    """Kilograms sponsors' pools neutralized for the event (attendees' redemptions and kept balances)."""
    return sponsors.sponsored_kg(session, event)


def coverage_of(lines: list[EstimateLine], visitors_kg: Decimal, operations_kg: Decimal,
                sponsors_kg: Decimal) -> Coverage:
    """The share of the estimate covered by what was neutralized (at most 1; None without an estimate)."""
    estimate = sum((line.kg for line in lines), ZERO)
    attendees = sum((line.kg for line in lines if line.category in ATTENDEE_CATEGORIES), ZERO)
    covered = visitors_kg + operations_kg + sponsors_kg
    share = min(covered / estimate, Decimal(1)) if estimate > 0 else None
    return Coverage(estimate, visitors_kg, operations_kg, sponsors_kg, share, attendees, estimate - attendees)


def coverage(session: Session, event: Event) -> Coverage:
    """The estimate, what visitors' paid orders, the organizer's operations orders and sponsors neutralized
    so far, and the share covered."""
    return coverage_of(estimate_lines(session, event), _paid_kg(session, event.id, "visitor"),
                       _paid_kg(session, event.id, "operations"), sponsors_neutralized_kg(session, event))


def operations_top_up_kg(cov: Coverage) -> int:
    """Whole kilograms the organizer still has to neutralize for the operations in the estimate: the
    operations estimate (rounded up) less what operations orders already retired; never negative."""
    wanted = int(cov.operations_estimate_kg.to_integral_value(ROUND_CEILING))
    return max(wanted - int(cov.operations_kg), 0)


# --------------------------------------------------------------------------
# The public badge
# --------------------------------------------------------------------------

def _percent(share: Decimal) -> int:
    """A share below 1 as a whole percent, rounded down but at least 1 (something is covered)."""
    return min(max(int((share * 100).to_integral_value(ROUND_DOWN)), 1), 99)


@dataclass(frozen=True)
class Badge:
    """What the event page's badge says, as codes and numbers the template words; never neutral at 0 kg.

    `full`: every part of the estimate is covered ("fully neutral"). `operations` and `attendees`:
    "neutral" (that part is covered), "partial" (with its percent, rounded down, 1 to 99) or None
    (nothing there). Without an estimate only the organizer's own operations orders can be named:
    "neutral" means neutralized as the organizer entered them."""

    full: bool
    operations: str | None
    operations_percent: int | None
    attendees: str | None
    attendees_percent: int | None


def _part(done: Decimal, estimate: Decimal) -> tuple[str | None, int | None]:
    if done <= 0 or estimate <= 0:
        return None, None
    return ("neutral", None) if done >= estimate else ("partial", _percent(done / estimate))


def badge(cov: Coverage) -> Badge | None:
    """The badge for a coverage, or None when nothing is neutralized."""
    if cov.neutralized_kg <= 0:
        return None
    if cov.share is None:  # no estimate: say only what the organizer neutralized of its own operations
        return Badge(False, "neutral", None, None, None) if cov.operations_kg > 0 else None
    operations, ops_percent = _part(cov.operations_kg, cov.operations_estimate_kg)
    attendees, att_percent = _part(cov.visitors_kg + cov.sponsors_kg, cov.attendees_estimate_kg)
    full = (operations == "neutral" or cov.operations_estimate_kg == 0) and (
        attendees == "neutral" or cov.attendees_estimate_kg == 0)
    if full:
        return Badge(True, None, None, None, None)
    if operations is None and attendees is None:
        return None  # e.g. visitors paid but the estimate has no attendees' part: nothing to name
    return Badge(False, operations, ops_percent, attendees, att_percent)

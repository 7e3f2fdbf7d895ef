"""CarbonDot footprint engine: journeys, hotel nights, meals and shopping to kg CO2e.

Pure functions over frozen dataclasses, with Decimal arithmetic throughout.
Every emission factor and method parameter is data in app/data/factors.csv
(comparison bases in app/data/comparisons.csv), so a result can always name the
value, unit, source and year it used. Results carry METHODOLOGY so a stored
footprint says which edition of the factors produced it.

Method in short (details in each factor's note):
- Flights: great-circle distance between the two places (haversine, mean Earth
  radius), times the DESNZ factor for the category and cabin, with or without
  radiative forcing (every flight item says which). DESNZ's 8% routing uplift
  is already inside its factors, so it is not added to the distance again.
  Category (carbondot-2): a flight that does not touch the UK, domestic or
  international, takes DESNZ's "International, to/from non-UK" factor by cabin
  (DESNZ publishes no distance bands for it); a flight within the UK takes the
  UK domestic factor; a flight with one end in the UK is short-haul below 3,700
  km and long-haul from 3,700 km (our threshold: DESNZ defines haul by
  destination, not distance). A flight typed by distance is non-UK unless its
  country is GB.
- Ground legs: the typed distance, or great-circle times a detour factor
  (road or rail). Cars, taxis and motorbikes use a per-vehicle factor shared by
  the people on board (a taxi's riders); an electric car driven within China
  is rescaled to China's grid. A return trip counts exactly twice the one-way trip.
- A journey made several times ("trips", may be a fraction: a month's share of a
  year's flights) counts that many times. A journey typed by distance with a
  "country" is taken to be within that country: a flight is domestic, an
  electric car in China runs on China's grid.
- Hotels per room night by country; shopping per kg. A meal is a stated portion
  (app/data/meal_portions.csv) priced with the shopping factors, so a beef meal
  is a beef meal; the diet kinds (diet_*) are a whole diet's average meal, for
  the life page.
- Home energy: electricity per kWh by China's national or regional grid
  (MEE/NBS, CO2 only); natural gas per kWh (gross calorific value) or per m3,
  by DESNZ.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any

from app.services import places
from app.services.errors import DomainError
from app.services.places import Place

__all__ = [
    "BASKET_CATEGORIES", "CABINS", "DIET_KINDS", "ENERGY_KINDS", "ENERGY_UNITS", "gas_units", "FUELS", "GRIDS",
    "HOTEL_COUNTRIES", "MEAL_KINDS", "MEAL_CODES", "METHODOLOGY", "MODES", "BasketItem", "Comparison",
    "ComparisonBasis", "EnergyUse", "Factor",
    "FootprintError", "FootprintInput", "FootprintResult", "HotelStay", "Leg", "LineItem", "Meal", "Place",
    "calculate", "comparison_table", "comparisons", "estimate", "factor", "factor_table", "parse_input",
]

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
METHODOLOGY = "carbondot-2 / DESNZ 2025 / MEE 2023"

MODES = ("flight", "rail_hsr", "rail", "metro", "bus", "coach", "taxi", "car", "motorbike", "ferry", "walk", "bike")
MODE_LABELS = {
    "flight": "Flight", "rail_hsr": "High-speed rail", "rail": "Train", "metro": "Metro or tram", "bus": "Bus",
    "coach": "Coach", "taxi": "Taxi", "car": "Car", "motorbike": "Motorbike", "ferry": "Ferry",
    "walk": "Walking", "bike": "Bicycle",
}
CABINS = ("economy", "premium_economy", "business", "first")
CABIN_LABELS = {"economy": "Economy", "premium_economy": "Premium economy", "business": "Business", "first": "First"}
FUELS = ("petrol", "diesel", "hybrid", "plug_in_hybrid", "electric", "unknown")
FUEL_LABELS = {
    "petrol": "Petrol", "diesel": "Diesel", "hybrid": "Hybrid", "plug_in_hybrid": "Plug-in hybrid",
    "electric": "Electric", "unknown": "Fuel not known",
}
# (code, English label) pairs for forms; each has a hotel:<code> row in factors.csv.
HOTEL_COUNTRIES = (
    ("CN", "China"), ("HK", "Hong Kong, China"), ("JP", "Japan"), ("KR", "South Korea"), ("SG", "Singapore"),
    ("PH", "Philippines"), ("TH", "Thailand"), ("VN", "Vietnam"), ("MY", "Malaysia"), ("ID", "Indonesia"),
    ("IN", "India"), ("MV", "Maldives"), ("AE", "United Arab Emirates"), ("QA", "Qatar"), ("SA", "Saudi Arabia"),
    ("OM", "Oman"), ("JO", "Jordan"), ("EG", "Egypt"), ("TR", "Turkey"), ("ZA", "South Africa"),
    ("GB", "United Kingdom"), ("FR", "France"), ("DE", "Germany"), ("NL", "Netherlands"), ("BE", "Belgium"),
    ("CH", "Switzerland"), ("IT", "Italy"), ("ES", "Spain"), ("PT", "Portugal"), ("RU", "Russia"),
    ("US", "United States"), ("CA", "Canada"), ("MX", "Mexico"), ("CR", "Costa Rica"), ("CO", "Colombia"),
    ("BR", "Brazil"), ("CL", "Chile"), ("AU", "Australia"), ("OTHER", "Other country"),
)
# Single meals, each a portion in meal_portions.csv (what the forms offer).
MEAL_KINDS = (
    ("vegan", "Vegan (tofu)"), ("vegetarian", "Vegetarian (egg)"), ("fish", "Fish"), ("chicken", "Chicken"),
    ("pork", "Pork"), ("beef", "Beef"), ("lamb", "Lamb or mutton"),
)
# Still accepted from API callers of carbondot-1: half beef, half lamb.
_LEGACY_MEAL_KINDS = (("red_meat", "Red meat (half beef, half lamb)"),)
# A whole diet's average meal (Scarborough et al. 2014), for a diet over days, not a single meal.
DIET_KINDS = (
    ("diet_high_meat", "Average meal, high meat-eater's diet"),
    ("diet_low_meat", "Average meal, low meat-eater's diet"),
    ("diet_fish", "Average meal, fish-eater's diet"), ("diet_vegetarian", "Average meal, vegetarian diet"),
    ("diet_vegan", "Average meal, vegan diet"),
)
# Amounts are kilograms of product.
BASKET_CATEGORIES = (
    ("beef", "Beef"), ("lamb", "Lamb"), ("pork", "Pork"), ("poultry", "Chicken and other poultry"),
    ("fish_farmed", "Fish (farmed)"), ("prawns_farmed", "Prawns (farmed)"), ("cheese", "Cheese"), ("milk", "Milk"),
    ("eggs", "Eggs"), ("rice", "Rice"), ("wheat_bread", "Bread and wheat"), ("tofu", "Tofu"),
    ("pulses", "Beans and lentils (dry)"), ("potatoes", "Potatoes"), ("tomatoes", "Tomatoes"),
    ("root_vegetables", "Root vegetables"), ("brassicas", "Cabbage and broccoli"), ("bananas", "Bananas"),
    ("apples", "Apples"), ("citrus", "Citrus fruit"), ("coffee", "Coffee (beans or ground)"),
)
# Home energy, in kWh. Electricity by grid: each has an electricity:grid:<code> row.
ENERGY_KINDS = (("electricity", "Electricity"), ("natural_gas", "Natural gas"))
# Units an energy amount may come in: electricity only in kWh, natural gas in kWh or cubic metres.
ENERGY_UNITS = (("kWh", "kWh"), ("m3", "m\u00b3"))
_UNITS_BY_KIND = {"electricity": ("kWh",), "natural_gas": ("kWh", "m3")}


def gas_units(country: str | None) -> tuple[str, ...]:
    """Natural-gas units in the order a form offers them: cubic metres first in China, where meters read m3."""
    return ("m3", "kWh") if country == "CN" else ("kWh", "m3")
GRIDS = (
    ("CN", "China, national average"), ("CN-NORTH", "North China grid"), ("CN-NORTHEAST", "Northeast China grid"),
    ("CN-EAST", "East China grid"), ("CN-CENTRAL", "Central China grid"), ("CN-NORTHWEST", "Northwest China grid"),
    ("CN-SOUTH", "Southern grid"), ("CN-SOUTHWEST", "Southwest China grid"),
)
_HOTEL_CODES = frozenset(code for code, _ in HOTEL_COUNTRIES)
_ENERGY_CODES = tuple(code for code, _ in ENERGY_KINDS)
_GRID_CODES = tuple(code for code, _ in GRIDS)
_MEAL_LABELS = dict(MEAL_KINDS + _LEGACY_MEAL_KINDS + DIET_KINDS)
_MEAL_CODES = tuple(_MEAL_LABELS)
MEAL_CODES = _MEAL_CODES  # every meal kind the engine takes: single meals, the legacy kind, diets
_BASKET_CODES = tuple(code for code, _ in BASKET_CATEGORIES)

# Input limits: what a form may ask for, not emission data.
MAX_LEGS = 10
MAX_DISTANCE_KM = Decimal(40000)  # about once around the Earth
MAX_NIGHTS = 365
MAX_OCCUPANTS = 9
MAX_MEALS = 1100  # three meals a day for a year, for the life page
MAX_BASKET_KG = Decimal(1000)
MAX_TRIPS = Decimal(1000)
MAX_ENERGY_KWH = Decimal(1_000_000)
MAX_ROWS = 50  # hotel stays, meal lines, basket lines, energy lines: each list at most this long

# Every key the calculator inputs may carry; anything else is refused by check_keys (naming it),
# so a typo such as "units" on an energy line is an error, never silently ignored or stored.
ROW_KEYS = {
    "legs": frozenset({"mode", "from", "to", "distance_km", "cabin", "fuel", "occupants", "return", "trips",
                       "country"}),
    "hotel_nights": frozenset({"country", "nights"}),
    "meals": frozenset({"kind", "count"}),
    "basket": frozenset({"category", "amount"}),
    "energy": frozenset({"kind", "amount", "grid", "unit"}),
}
TOP_KEYS = frozenset(ROW_KEYS) | {"radiative_forcing"}

_ROAD = frozenset({"car", "taxi", "bus", "coach", "motorbike", "walk", "bike"})
_RAIL = frozenset({"rail_hsr", "rail", "metro"})
_PER_VEHICLE = frozenset({"car", "taxi", "motorbike"})
_TRUE = frozenset({"true", "on", "yes", "1"})
_FALSE = frozenset({"false", "off", "no", "0"})


class FootprintError(DomainError, ValueError):
    """Bad input, naming the offending field (e.g. "legs[0].distance_km")."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message, field)


@dataclass(frozen=True)
class Factor:
    id: str
    value: Decimal
    unit: str
    source: str
    edition: str
    year: int
    note: str
    category: str = ""  # transport, hotel, meal, basket, electricity, fuel, param


@dataclass(frozen=True)
class Leg:
    mode: str
    origin: Place | None
    destination: Place | None
    distance_km: Decimal | None
    cabin: str = "economy"
    fuel: str = "unknown"
    occupants: int = 1
    return_trip: bool = False
    trips: Decimal = Decimal(1)  # the same journey made this many times
    country: str | None = None  # where a journey typed by distance was made


@dataclass(frozen=True)
class HotelStay:
    country: str
    nights: int


@dataclass(frozen=True)
class Meal:
    kind: str
    count: int


@dataclass(frozen=True)
class BasketItem:
    category: str
    amount: Decimal  # kg of product


@dataclass(frozen=True)
class EnergyUse:
    kind: str  # "electricity" | "natural_gas"
    amount: Decimal  # in `unit`
    grid: str = "CN"  # electricity only
    unit: str = "kWh"  # "kWh", or "m3" for natural gas


@dataclass(frozen=True)
class FootprintInput:
    legs: tuple[Leg, ...] = ()
    hotel_nights: tuple[HotelStay, ...] = ()
    meals: tuple[Meal, ...] = ()
    basket: tuple[BasketItem, ...] = ()
    radiative_forcing: bool = True
    energy: tuple[EnergyUse, ...] = ()


@dataclass(frozen=True)
class LineItem:
    label: str
    kg: Decimal
    distance_km: Decimal | None  # one-way distance used, for journeys
    factor: Factor
    quantity: Decimal  # kg == factor.value * quantity
    quantity_unit: str
    radiative_forcing: bool | None = None  # flights only: whether the factor includes radiative forcing
    # What the label says, as codes and numbers (kind, mode, from, to, nights ...), so pages can word it in
    # their own language (services/labels.py); the English `label` stays the API's text.
    parts: dict[str, Any] | None = field(default=None, compare=False, hash=False)


@dataclass(frozen=True)
class FootprintResult:
    items: tuple[LineItem, ...]
    total_kg: Decimal
    methodology: str

    @property
    def radiative_forcing(self) -> bool | None:
        """Whether the flights include radiative forcing; None without flights."""
        flags = {it.radiative_forcing for it in self.items if it.radiative_forcing is not None}
        return flags.pop() if len(flags) == 1 else None

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary; rounding happens only here, for display."""
        return {
            "total_kg": _rounded(self.total_kg, "0.001"),
            "items": [
                {
                    "label": it.label,
                    "kg": _rounded(it.kg, "0.001"),
                    "distance_km": None if it.distance_km is None else _rounded(it.distance_km, "0.1"),
                    "factor": {
                        "id": it.factor.id,
                        "value": float(it.factor.value),
                        "unit": it.factor.unit,
                        "source": it.factor.source,
                        "year": it.factor.year,
                    },
                    **({} if it.radiative_forcing is None else {"radiative_forcing": it.radiative_forcing}),
                    **({} if it.parts is None else {"parts": it.parts}),
                }
                for it in self.items
            ],
            "methodology": self.methodology,
        }


@dataclass(frozen=True)
class Comparison:
    label: str  # e.g. "12 days of an average Chinese resident's home electricity"
    value: Decimal  # the number shown in the label
    basis: str  # where the comparison comes from
    code: str = ""  # its id in comparisons.csv, for translated labels (services/labels.py)


# ---------------------------------------------------------------- data files


@cache
def _factors() -> dict[str, Factor]:
    table: dict[str, Factor] = {}
    with (DATA_DIR / "factors.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            if row["id"] in table:
                raise RuntimeError(f"factors.csv: duplicate id {row['id']!r}")
            table[row["id"]] = Factor(
                row["id"], Decimal(row["value"]), row["unit"], row["source"], row["edition"], int(row["year"]),
                row["note"], row["category"],
            )
    return table


def factor(factor_id: str) -> Factor:
    """The factor with this id; KeyError if factors.csv lacks it."""
    if factor_id == _EV_CN_ID:
        return _electric_car_in_china()
    if factor_id.startswith("meal:") and factor_id[5:] in _meal_portions():
        return _portion_meal(factor_id[5:])
    return _factors()[factor_id]


def factor_table() -> list[Factor]:
    """Every factor the engine can use, for the methodology page."""
    meals = [_portion_meal(kind) for kind in _meal_portions()]
    return [*_factors().values(), _electric_car_in_china(), *meals]


@dataclass(frozen=True)
class Portion:
    ingredient: str  # a basket category, priced by basket:<ingredient>
    kg: Decimal
    note: str


@cache
def _meal_portions() -> dict[str, tuple[Portion, ...]]:
    table: dict[str, list[Portion]] = {}
    with (DATA_DIR / "meal_portions.csv").open(encoding="utf-8", newline="") as f:
        for row in csv.DictReader(f):
            table.setdefault(row["meal"], []).append(Portion(row["ingredient"], Decimal(row["kg"]), row["note"]))
    return {meal: tuple(rows) for meal, rows in table.items()}


def meal_portions() -> dict[str, tuple[Portion, ...]]:
    """Each single meal's portions, for the methodology page."""
    return _meal_portions()


@cache
def _portion_meal(kind: str) -> Factor:
    """A single meal: its stated portions times the Poore & Nemecek factor of each ingredient."""
    parts = [(p, _factors()[f"basket:{p.ingredient}"]) for p in _meal_portions()[kind]]
    value = sum((p.kg * f.value for p, f in parts), Decimal(0))
    shown = " + ".join(
        f"{(p.kg * 1000).normalize():f} g {p.ingredient.replace('_', ' ')} x {f.value}" for p, f in parts
    )
    first = parts[0][1]
    return Factor(
        f"meal:{kind}", value, "kg CO2e per meal", f"CarbonDot portions (carbondot-2) x {first.source}",
        f"carbondot-2 + {first.edition}", first.year,
        f"Derived: {shown} = {value} kg CO2e. Portions are our assumption (app/data/meal_portions.csv); "
        "the per-kg factors are the shopping rows.",
        "meal",
    )


def _param(factor_id: str) -> Decimal:
    return _factors()[factor_id].value


_EV_CN_ID = "car:electric:CN"


@cache
def _electric_car_in_china() -> Factor:
    """DESNZ's electric-car factor re-priced from the UK grid to China's grid."""
    ev, cn, gb = (_factors()[i] for i in ("car:electric", "electricity:grid:CN", "electricity:grid:GB"))
    value = (ev.value * cn.value / gb.value).quantize(Decimal("0.00001"), ROUND_HALF_UP)
    return Factor(
        _EV_CN_ID, value, ev.unit, f"{ev.source}; rescaled with {cn.source}", f"{ev.edition} + {cn.edition}",
        cn.year,
        f"Derived: kWh per km = {ev.value} / {gb.value} (the DESNZ car factor over the UK 'electricity "
        f"generated' factor it is priced at), times {cn.value} (China's grid, MEE 2023), rounded to 5 dp. Grid "
        "losses: we take DESNZ's car factor to exclude UK T&D losses (DESNZ lists T&D separately) and MEE's factor "
        "to be China's whole grid average, so losses are counted once, in China's factor; neither reading has "
        "been checked against the source documents here, and if DESNZ's car factor did include UK T&D this "
        "would be about 9 % high. Used when every known place of the leg is in China (or, with no places, a leg "
        "within CN). Mixes a CO2-only grid factor with a CO2e car factor.",
        ev.category,
    )


@dataclass(frozen=True)
class ComparisonBasis:
    """One row of comparisons.csv, for the methodology page."""

    id: str
    what: str  # e.g. "day of an average Chinese resident's home electricity"
    quantity: Decimal
    quantity_unit: str
    factor: Factor | None
    kg_per_unit: Decimal
    basis: str
    note: str


def comparison_table() -> list[ComparisonBasis]:
    """Every comparison basis with its source, as used by comparisons()."""
    with (DATA_DIR / "comparisons.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        f = factor(r["factor_id"]) if r["factor_id"] else None
        quantity = Decimal(r["quantity"])
        out.append(ComparisonBasis(
            r["id"], " ".join(x for x in (r["unit_one"], r["what"]) if x), quantity, r["quantity_unit"], f,
            quantity * (f.value if f else 1), r["basis"], r["note"],
        ))
    return out


@dataclass(frozen=True)
class _Basis:
    unit_one: str
    unit_many: str
    what: str
    kg_per_unit: Decimal
    basis: str
    code: str = ""


@cache
def _comparison_bases() -> tuple[_Basis, ...]:
    with (DATA_DIR / "comparisons.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return tuple(
        _Basis(
            r["unit_one"], r["unit_many"], r["what"],
            Decimal(r["quantity"]) * (factor(r["factor_id"]).value if r["factor_id"] else 1),
            r["basis"], r["id"],
        )
        for r in rows
    )


def comparisons(total_kg: Decimal) -> list[Comparison]:
    """Plain-language equivalents of a footprint ("= 12 days of ..."), each with its basis."""
    total = Decimal(total_kg)
    if total <= 0:
        return []
    out = []
    for b in _comparison_bases():
        n = total / b.kg_per_unit
        shown = n.quantize(Decimal(1) if n >= 10 else Decimal("0.1"), ROUND_HALF_UP)
        number = f"{shown:,}" if shown > 0 else "less than 0.1"
        unit = b.unit_one if shown == 1 else b.unit_many
        out.append(Comparison(" ".join(x for x in (number, unit, b.what) if x), shown, b.basis, b.code))
    return out


# ---------------------------------------------------------------- parsing


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _shown(value: Any) -> str:
    text = str(value).strip()
    return text if len(text) <= 40 else text[:37] + "..."


def _decimal(value: Any, field: str, rule: str) -> Decimal | None:
    """A number, or None when blank; `rule` is the field's one message for anything else."""
    if _blank(value):
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float, Decimal)):
        raise FootprintError(field, rule)
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise FootprintError(field, rule) from None
    if not number.is_finite():
        raise FootprintError(field, rule)
    return number


def _whole(value: Any, field: str, what: str, low: int, high: int) -> int | None:
    rule = whole_rule(what, low, high)
    number = _decimal(value, field, rule)
    if number is None:
        return None
    if number != number.to_integral_value() or not low <= number <= high:
        raise FootprintError(field, rule)
    return int(number)


# One message per number field, true for every wrong input (a word, a fraction, out of range).
def whole_rule(what: str, low: int, high: int) -> str:
    return f"{what} must be a whole number between {low:,} and {high:,}, like 2."


def distance_rule() -> str:
    return f"Distance must be between 0 and {MAX_DISTANCE_KM:,} km (about once around the Earth), like 12.5."


def trips_rule() -> str:
    return f"Trips must be a number more than 0 and at most {MAX_TRIPS:,}."


def basket_rule() -> str:
    return f"Amount must be between 0 and {MAX_BASKET_KG:,} kg, like 0.5."


def energy_rule(unit: str) -> str:
    return f"Energy used must be between 0 and {MAX_ENERGY_KWH:,} {dict(ENERGY_UNITS)[unit]}, like 12.5."


def _flag(value: Any, field: str, default: bool) -> bool:
    if _blank(value):
        return default
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise FootprintError(field, "Answer yes or no (true or false).")


def _choice(value: Any, field: str, allowed: tuple[str, ...], default: str | None, what: str) -> str | None:
    if _blank(value):
        return default
    text = str(value).strip().lower()
    if text not in allowed:
        raise FootprintError(field, f"Unknown {what} \u201c{_shown(value)}\u201d. Choose one of: {', '.join(allowed)}.")
    return text


def _place(value: Any, field: str) -> Place | None:
    if _blank(value):
        return None
    if isinstance(value, Place):
        return value
    found = places.lookup(value) if isinstance(value, str) else None
    if found is None:
        raise FootprintError(
            field, f"We couldn't find \u201c{_shown(value)}\u201d. Try an airport code such as CTU, or a city name."
        )
    return found


def check_keys(data: Any, prefix: str = "") -> None:
    """Refuse any key the calculator does not know, naming it (for JSON from outside)."""
    if not isinstance(data, dict):
        return
    for key in data:
        if key not in TOP_KEYS:
            raise FootprintError(f"{prefix}{key}", f"Unknown field \u201c{_shown(key)}\u201d.")
    for key, allowed in ROW_KEYS.items():
        rows = data.get(key)
        if not isinstance(rows, (list, tuple)):
            continue
        for i, row in enumerate(rows):
            for name in row if isinstance(row, dict) else ():
                if name not in allowed:
                    raise FootprintError(f"{prefix}{key}[{i}].{name}", f"Unknown field \u201c{_shown(name)}\u201d.")


def _rows(data: dict, key: str) -> list:
    rows = data.get(key)
    if _blank(rows):
        return []
    if not isinstance(rows, (list, tuple)):
        raise FootprintError(key, f"Send {key} as a list.")
    if key != "legs" and len(rows) > MAX_ROWS:
        raise FootprintError(key, f"Send at most {MAX_ROWS} lines in {key}.")
    for i, row in enumerate(rows):
        if not isinstance(row, dict):
            raise FootprintError(f"{key}[{i}]", "Each entry must be an object with named fields.")
    return list(rows)


def _parse_leg(raw: dict, f: str) -> Leg | None:
    if all(_blank(raw.get(k)) for k in ("mode", "from", "to", "distance_km")):
        return None  # an untouched form row
    mode = _choice(raw.get("mode"), f"{f}.mode", MODES, None, "travel mode")
    if mode is None:
        raise FootprintError(f"{f}.mode", "Choose how you travelled.")
    leg = Leg(
        mode=mode,
        origin=_place(raw.get("from"), f"{f}.from"),
        destination=_place(raw.get("to"), f"{f}.to"),
        distance_km=_decimal(raw.get("distance_km"), f"{f}.distance_km", distance_rule()),
        cabin=_choice(raw.get("cabin"), f"{f}.cabin", CABINS, "economy", "cabin class"),
        fuel=_choice(raw.get("fuel"), f"{f}.fuel", FUELS, "unknown", "fuel"),
        occupants=_whole(raw.get("occupants"), f"{f}.occupants", "People on board", 1, MAX_OCCUPANTS) or 1,
        return_trip=_flag(raw.get("return"), f"{f}.return", False),
        trips=_trips(raw.get("trips"), f"{f}.trips"),
        country=_leg_country(raw.get("country"), f"{f}.country"),
    )
    _check_leg(leg, f)
    return leg


def _trips(value: Any, field: str) -> Decimal:
    number = _decimal(value, field, trips_rule())
    return Decimal(1) if number is None else number


def _leg_country(value: Any, field: str) -> str | None:
    if _blank(value):
        return None
    if not isinstance(value, str) or not places.is_country(value.strip().upper()):
        raise FootprintError(field, f"Unknown country \u201c{_shown(value)}\u201d. Use a two-letter code such as CN.")
    return value.strip().upper()


def _energy_unit(value: Any, kind: str, field: str) -> str:
    if _blank(value):
        return "kWh"
    by_name = {code.lower(): code for code, _ in ENERGY_UNITS} | {"m\u00b3": "m3", "cubic metres": "m3"}
    unit = by_name.get(str(value).strip().lower()) if isinstance(value, str) else None
    if unit is None:
        raise FootprintError(field, f"Unknown unit \u201c{_shown(value)}\u201d. Choose kWh or m3.")
    if unit not in _UNITS_BY_KIND[kind]:
        raise FootprintError(field, "Electricity is counted in kWh only.")
    return unit


def _country(value: Any, field: str) -> str:
    if _blank(value):
        raise FootprintError(field, "Choose the country of the hotel.")
    text = str(value).strip()
    by_label = {label.casefold(): code for code, label in HOTEL_COUNTRIES}
    code = by_label.get(text.casefold(), text.upper())
    if code in _HOTEL_CODES or (len(code) == 2 and places.is_country(code)):
        return code
    raise FootprintError(field, f"Unknown country \u201c{_shown(value)}\u201d. Use a two-letter code such as CN.")


def parse_input(data: dict) -> FootprintInput:
    """Validate the JSON/form shape and resolve places; raise FootprintError naming the field.

    Every key is optional, numbers may be strings ("12.5"), empty strings mean
    "absent", and a journey row with no mode, places or distance is skipped.
    """
    if not isinstance(data, dict):
        raise FootprintError("", "The footprint request must be a JSON object.")
    leg_rows = _rows(data, "legs")
    if len(leg_rows) > MAX_LEGS:
        raise FootprintError("legs", f"Add at most {MAX_LEGS} journeys.")
    legs = [_parse_leg(raw, f"legs[{i}]") for i, raw in enumerate(leg_rows)]

    stays = []
    for i, raw in enumerate(_rows(data, "hotel_nights")):
        f = f"hotel_nights[{i}]"
        if _blank(raw.get("country")) and _blank(raw.get("nights")):
            continue
        nights = _whole(raw.get("nights"), f"{f}.nights", "Nights", 0, MAX_NIGHTS)
        if nights is None:
            raise FootprintError(f"{f}.nights", "Enter the number of nights.")
        stays.append(HotelStay(_country(raw.get("country"), f"{f}.country"), nights))

    meals = []
    for i, raw in enumerate(_rows(data, "meals")):
        f = f"meals[{i}]"
        if _blank(raw.get("kind")) and _blank(raw.get("count")):
            continue
        kind = _choice(raw.get("kind"), f"{f}.kind", _MEAL_CODES, None, "meal")
        if kind is None:
            raise FootprintError(f"{f}.kind", "Choose the kind of meal.")
        count = _whole(raw.get("count"), f"{f}.count", "Meals", 0, MAX_MEALS)
        meals.append(Meal(kind, 1 if count is None else count))

    basket = []
    for i, raw in enumerate(_rows(data, "basket")):
        f = f"basket[{i}]"
        if _blank(raw.get("category")) and _blank(raw.get("amount")):
            continue
        category = _choice(raw.get("category"), f"{f}.category", _BASKET_CODES, None, "shopping category")
        if category is None:
            raise FootprintError(f"{f}.category", "Choose what you bought.")
        amount = _decimal(raw.get("amount"), f"{f}.amount", basket_rule())
        if amount is None:
            raise FootprintError(f"{f}.amount", "Enter how many kilograms.")
        item = BasketItem(category, amount)
        _check_basket(item, f)
        basket.append(item)

    energy = []
    for i, raw in enumerate(_rows(data, "energy")):
        f = f"energy[{i}]"
        if all(_blank(raw.get(k)) for k in ("kind", "amount", "grid")):
            continue
        kind = _choice(raw.get("kind"), f"{f}.kind", _ENERGY_CODES, None, "kind of energy")
        if kind is None:
            raise FootprintError(f"{f}.kind", "Choose electricity or natural gas.")
        unit = _energy_unit(raw.get("unit"), kind, f"{f}.unit")
        amount = _decimal(raw.get("amount"), f"{f}.amount", energy_rule(unit))
        if amount is None:
            raise FootprintError(f"{f}.amount", f"Enter how many {dict(ENERGY_UNITS)[unit]}.")
        if kind != "electricity" and not _blank(raw.get("grid")):
            raise FootprintError(f"{f}.grid", "Only electricity has a grid.")
        grid = raw.get("grid")
        grid = "CN" if _blank(grid) else str(grid).strip().upper()
        if grid not in _GRID_CODES:
            raise FootprintError(
                f"{f}.grid", f"Unknown grid \u201c{_shown(grid)}\u201d. Choose one of: {', '.join(_GRID_CODES)}."
            )
        use = EnergyUse(kind, amount, grid, unit)
        _check_energy(use, f)
        energy.append(use)

    return FootprintInput(
        legs=tuple(leg for leg in legs if leg is not None),
        hotel_nights=tuple(stays),
        meals=tuple(meals),
        basket=tuple(basket),
        radiative_forcing=_flag(data.get("radiative_forcing"), "radiative_forcing", True),
        energy=tuple(energy),
    )


# ---------------------------------------------------------------- checks shared by parse_input and calculate


def _check_leg(leg: Leg, f: str) -> None:
    if leg.mode not in MODES:
        raise FootprintError(f"{f}.mode", f"Unknown travel mode \u201c{_shown(leg.mode)}\u201d.")
    if leg.cabin not in CABINS:
        raise FootprintError(f"{f}.cabin", f"Unknown cabin class \u201c{_shown(leg.cabin)}\u201d.")
    if leg.fuel not in FUELS:
        raise FootprintError(f"{f}.fuel", f"Unknown fuel \u201c{_shown(leg.fuel)}\u201d.")
    if not 1 <= leg.occupants <= MAX_OCCUPANTS:
        raise FootprintError(f"{f}.occupants", whole_rule("People on board", 1, MAX_OCCUPANTS))
    if not 0 < leg.trips <= MAX_TRIPS:
        raise FootprintError(f"{f}.trips", trips_rule())
    if leg.country is not None and not places.is_country(leg.country):
        raise FootprintError(f"{f}.country", f"Unknown country \u201c{_shown(leg.country)}\u201d.")
    if leg.distance_km is not None:
        if not 0 <= leg.distance_km <= MAX_DISTANCE_KM:
            raise FootprintError(f"{f}.distance_km", distance_rule())
        return
    if leg.origin is None:
        raise FootprintError(f"{f}.from", "Enter where this journey started, or type the distance.")
    if leg.destination is None:
        raise FootprintError(f"{f}.to", "Enter where this journey ended, or type the distance.")
    if leg.origin.code == leg.destination.code:
        raise FootprintError(f"{f}.to", "The journey starts and ends at the same place; type the distance instead.")


def _check_stay(stay: HotelStay, f: str) -> None:
    if not 0 <= stay.nights <= MAX_NIGHTS:
        raise FootprintError(f"{f}.nights", whole_rule("Nights", 0, MAX_NIGHTS))
    if stay.country not in _HOTEL_CODES and not places.is_country(stay.country):
        raise FootprintError(f"{f}.country", f"Unknown country \u201c{_shown(stay.country)}\u201d.")


def _check_meal(meal: Meal, f: str) -> None:
    if meal.kind not in _MEAL_CODES:
        raise FootprintError(f"{f}.kind", f"Unknown meal \u201c{_shown(meal.kind)}\u201d.")
    if not 0 <= meal.count <= MAX_MEALS:
        raise FootprintError(f"{f}.count", whole_rule("Meals", 0, MAX_MEALS))


def _check_energy(use: EnergyUse, f: str) -> None:
    if use.kind not in _ENERGY_CODES:
        raise FootprintError(f"{f}.kind", f"Unknown kind of energy \u201c{_shown(use.kind)}\u201d.")
    if use.grid not in _GRID_CODES:
        raise FootprintError(f"{f}.grid", f"Unknown grid \u201c{_shown(use.grid)}\u201d.")
    if use.unit not in _UNITS_BY_KIND[use.kind]:
        raise FootprintError(f"{f}.unit", f"Unknown unit \u201c{_shown(use.unit)}\u201d for {use.kind}.")
    if not 0 <= use.amount <= MAX_ENERGY_KWH:
        raise FootprintError(f"{f}.amount", energy_rule(use.unit))


def _check_basket(item: BasketItem, f: str) -> None:
    if item.category not in _BASKET_CODES:
        raise FootprintError(f"{f}.category", f"Unknown shopping category \u201c{_shown(item.category)}\u201d.")
    if not 0 <= item.amount <= MAX_BASKET_KG:
        raise FootprintError(f"{f}.amount", basket_rule())


# ---------------------------------------------------------------- calculation


def great_circle_km(a: Place, b: Place) -> Decimal:
    """Haversine distance in km (to the metre) on a sphere of the IUGG mean radius."""
    km = places.great_circle_km(a, b, float(_param("param:geo:earth_radius_km")))
    return Decimal(str(round(km, 3)))


def _route_km(leg: Leg) -> Decimal:
    """One-way distance: typed, or great-circle times the mode's detour factor."""
    if leg.distance_km is not None:
        return leg.distance_km
    km = great_circle_km(leg.origin, leg.destination)
    if leg.mode in _ROAD:
        return km * _param("param:road:detour")
    if leg.mode in _RAIL:
        return km * _param("param:rail:detour")
    return km  # flights (uplift is inside the DESNZ factor) and ferries


UK = "GB"


def _haul(leg: Leg, km: Decimal) -> str:
    """DESNZ's flight category: its UK bands only for flights touching the UK, else its non-UK factor."""
    if leg.origin is None or leg.destination is None:
        return "domestic" if leg.country == UK else "international"
    countries = {leg.origin.country, leg.destination.country}
    if UK not in countries:
        return "international"  # DESNZ "International, to/from non-UK", domestic or not, any distance
    if countries == {UK}:
        return "domestic"
    return "long_haul" if km >= _param("param:flight:long_haul_from_km") else "short_haul"


def _leg_factor(leg: Leg, km: Decimal, radiative_forcing: bool) -> Factor:
    if leg.mode == "flight":
        return factor(f"flight:{_haul(leg, km)}:{leg.cabin}:{'rf' if radiative_forcing else 'no_rf'}")
    if leg.mode == "car":
        known = {p.country for p in (leg.origin, leg.destination) if p is not None}
        if not known and leg.country:
            known = {leg.country}
        if leg.fuel == "electric" and known == {"CN"}:
            return factor(_EV_CN_ID)
        return factor(f"car:{leg.fuel}")
    return factor(f"{leg.mode}:default")


def _place_label(p: Place) -> str:
    return p.code if p.kind == "airport" else p.name


def _km_label(km: Decimal) -> str:
    text = f"{km:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def _leg_label(leg: Leg, km: Decimal) -> str:
    head = MODE_LABELS[leg.mode]
    if leg.mode == "car":
        people = f", {leg.occupants} people" if leg.occupants > 1 else ""
        head += f" ({FUEL_LABELS[leg.fuel].lower()}{people})"
    elif leg.mode in ("motorbike", "taxi") and leg.occupants > 1:
        head += f" ({leg.occupants} riders)"
    if leg.origin and leg.destination:
        head += f" {_place_label(leg.origin)} \u2192 {_place_label(leg.destination)}"
    else:
        head += f", {_km_label(km)} km"
        if leg.country:
            head += f" within {leg.country}"
    if leg.mode == "flight":
        head += f", {CABIN_LABELS[leg.cabin].lower()}"
    head += ", return" if leg.return_trip else ""
    if leg.trips != 1:
        head += f" \u00d7 {leg.trips.normalize():f}"
    return head


def _place_part(p: Place) -> dict[str, str]:
    return {"code": p.code, "label": _place_label(p)}


def _leg_parts(leg: Leg, km: Decimal) -> dict[str, Any]:
    parts: dict[str, Any] = {"kind": "journey", "mode": leg.mode}
    if leg.mode == "flight":
        parts["cabin"] = leg.cabin
    if leg.mode == "car":
        parts["fuel"] = leg.fuel
    if leg.mode in ("car", "motorbike", "taxi"):
        parts["occupants"] = leg.occupants
    if leg.origin and leg.destination:
        parts["from"], parts["to"] = _place_part(leg.origin), _place_part(leg.destination)
    else:
        parts["distance_km"] = float(km)
        parts["country"] = leg.country
    parts["return"] = leg.return_trip
    parts["trips"] = float(leg.trips)
    return parts


def _leg_item(leg: Leg, radiative_forcing: bool) -> LineItem:
    km = _route_km(leg)
    f = _leg_factor(leg, km, radiative_forcing)
    one_way = km * f.value
    share = km
    if leg.mode in _PER_VEHICLE:
        one_way /= leg.occupants
        share = km / leg.occupants
    trips = (2 if leg.return_trip else 1) * leg.trips
    unit = "vehicle.km (your share)" if leg.mode in _PER_VEHICLE else "passenger.km"
    rf = radiative_forcing if leg.mode == "flight" else None
    return LineItem(_leg_label(leg, km), one_way * trips, km, f, share * trips, unit, rf, _leg_parts(leg, km))


def _energy_item(use: EnergyUse) -> LineItem:
    unit = dict(ENERGY_UNITS)[use.unit]
    amount = f"{use.amount.normalize():,f} {unit}"
    if use.kind == "electricity":
        f = factor(f"electricity:grid:{use.grid}")
        label = f"Electricity, {amount}, {dict(GRIDS)[use.grid]}"
    else:
        f = factor("natural_gas:m3" if use.unit == "m3" else "natural_gas:kwh")
        label = f"Natural gas, {amount}"
    parts = {"kind": "energy", "energy": use.kind, "amount": float(use.amount), "unit": use.unit,
             **({"grid": use.grid} if use.kind == "electricity" else {})}
    return LineItem(label, f.value * use.amount, None, f, use.amount, unit, parts=parts)


def _hotel_item(stay: HotelStay) -> LineItem:
    known = stay.country in _factors_by_variant("hotel")
    f = factor(f"hotel:{stay.country}" if known else "hotel:OTHER")
    name = dict(HOTEL_COUNTRIES).get(stay.country, stay.country)
    if not known and stay.country != "OTHER":
        name += ", other-country average"
    nights = f"{stay.nights} night" + ("" if stay.nights == 1 else "s")
    parts = {"kind": "hotel", "country": stay.country, "nights": stay.nights, "other_country_average": not known}
    return LineItem(f"Hotel, {nights}, {name}", f.value * stay.nights, None, f, Decimal(stay.nights), "room nights",
                    parts=parts)


@cache
def _factors_by_variant(category: str) -> frozenset[str]:
    return frozenset(i.split(":", 1)[1] for i in _factors() if i.startswith(f"{category}:"))


def calculate(inp: FootprintInput) -> FootprintResult:
    """Line items and their exact (unrounded) total for a validated input."""
    if len(inp.legs) > MAX_LEGS:
        raise FootprintError("legs", f"Add at most {MAX_LEGS} journeys.")
    items = []
    for i, leg in enumerate(inp.legs):
        _check_leg(leg, f"legs[{i}]")
        items.append(_leg_item(leg, inp.radiative_forcing))
    for i, stay in enumerate(inp.hotel_nights):
        _check_stay(stay, f"hotel_nights[{i}]")
        if stay.nights:
            items.append(_hotel_item(stay))
    meal_labels = _MEAL_LABELS
    for i, meal in enumerate(inp.meals):
        _check_meal(meal, f"meals[{i}]")
        if meal.count:
            f = factor(f"meal:{meal.kind}")
            label = f"Meals: {meal_labels[meal.kind].lower()} \u00d7 {meal.count}"
            parts = {"kind": "meal", "meal": meal.kind, "count": meal.count}
            items.append(LineItem(label, f.value * meal.count, None, f, Decimal(meal.count), "meals", parts=parts))
    basket_labels = dict(BASKET_CATEGORIES)
    for i, item in enumerate(inp.basket):
        _check_basket(item, f"basket[{i}]")
        if item.amount:
            f = factor(f"basket:{item.category}")
            label = f"Shopping: {basket_labels[item.category].lower()}, {item.amount.normalize():f} kg"
            parts = {"kind": "basket", "category": item.category, "kg": float(item.amount)}
            items.append(LineItem(label, f.value * item.amount, None, f, item.amount, "kg", parts=parts))
    for i, use in enumerate(inp.energy):
        _check_energy(use, f"energy[{i}]")
        if use.amount:
            items.append(_energy_item(use))
    total = sum((it.kg for it in items), Decimal(0))
    return FootprintResult(tuple(items), total, METHODOLOGY)


def estimate(data: dict) -> FootprintResult:
    """parse_input then calculate: the one call the web layer needs."""
    return calculate(parse_input(data))


def _rounded(value: Decimal, step: str) -> float:
    return float(value.quantize(Decimal(step), ROUND_HALF_UP))

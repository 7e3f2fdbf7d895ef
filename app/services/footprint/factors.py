"""The footprint engine's data: factors, meal portions, comparison bases, the input and result shapes."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from app.services.errors import DomainError
from app.services.footprint import labels as _labels
from app.services.footprint.places import Place
from app.services.footprint.places import great_circle_km as _great_circle_km

DATA_DIR = Path(__file__).resolve().parents[2] / "data"
METHODOLOGY = "carbondot-3 / DESNZ 2025 / MEE 2023"

# The codes; their labels (English msgids, translated on pages) live in one place: labels.py.
MODES = tuple(_labels.MODES)
MODE_LABELS = _labels.MODES
CABINS = tuple(_labels.CABINS)
CABIN_LABELS = _labels.CABINS
FUELS = ("petrol", "diesel", "hybrid", "plug_in_hybrid", "electric", "unknown")
FUEL_LABELS = _labels.LINE_FUELS  # "unknown" is "fuel not known" inside a line's label
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
MEAL_KINDS = tuple(_labels.MEALS.items())
# Still accepted from API callers of carbondot-1: half beef, half lamb.
_LEGACY_MEAL_KINDS = tuple(_labels.LEGACY_MEALS.items())
# A whole diet's average meal (Scarborough et al. 2014), for a diet over days, not a single meal.
DIET_KINDS = tuple(_labels.DIETS.items())
# Amounts are kilograms of product.
BASKET_CATEGORIES = tuple(_labels.BASKET.items())
# Home energy, in kWh. Electricity by grid: each has an electricity:grid:<code> row.
ENERGY_KINDS = tuple(_labels.ENERGY.items())
# Units an energy amount may come in: electricity only in kWh, natural gas in kWh or cubic metres.
ENERGY_UNITS = tuple(_labels.ENERGY_UNITS.items())
UNITS_BY_KIND = {"electricity": ("kWh",), "natural_gas": ("kWh", "m3")}


def gas_units(country: str | None) -> tuple[str, ...]:
    """Natural-gas units in the order a form offers them: cubic metres first in China, where meters read m3."""
    return ("m3", "kWh") if country == "CN" else ("kWh", "m3")
_REGION_GRIDS = tuple((code, _labels.GRIDS[code]) for code in (
    "CN", "CN-NORTH", "CN-NORTHEAST", "CN-EAST", "CN-CENTRAL", "CN-NORTHWEST", "CN-SOUTH", "CN-SOUTHWEST"))


@dataclass(frozen=True)
class Province:
    """A province of mainland China (app/data/provinces.csv): its grid region, and the names airportsdata gives it."""

    code: str  # ISO 3166-2:CN, e.g. CN-SC
    name: str
    name_zh: str
    region: str  # a regional grid code (CN-NORTH ...)
    subdivisions: tuple[str, ...]


def _read_provinces() -> tuple[Province, ...]:
    with (Path(__file__).resolve().parents[2] / "data" / "provinces.csv").open(encoding="utf-8", newline="") as f:
        return tuple(Province(r["code"], r["name"], r["name_zh"], r["region"], tuple(r["subd"].split("|")))
                     for r in csv.DictReader(f))


PROVINCES = _read_provinces()
# Every grid an electricity line may name: national, the seven regions, then each province (carbondot-3).
GRIDS = _REGION_GRIDS + tuple((p.code, _labels.GRIDS.get(p.code, p.name)) for p in PROVINCES)
HOTEL_CODES = frozenset(code for code, _ in HOTEL_COUNTRIES)
MEAL_LABELS = dict(MEAL_KINDS + _LEGACY_MEAL_KINDS + DIET_KINDS)
MEAL_CODES = tuple(MEAL_LABELS)

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

ROAD_MODES = frozenset({"car", "taxi", "bus", "coach", "motorbike", "walk", "bike"})
RAIL_MODES = frozenset({"rail_hsr", "rail", "metro"})
PER_VEHICLE_MODES = frozenset({"car", "taxi", "motorbike"})
TRUE_WORDS = frozenset({"true", "on", "yes", "1"})
FALSE_WORDS = frozenset({"false", "off", "no", "0"})


class FootprintError(DomainError, ValueError):
    """Bad input, naming the offending field (e.g. "legs[0].distance_km")."""

    def __init__(self, field: str, message: str, code: str | None = None) -> None:
        super().__init__(message, field, code)


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
    # their own language (services/footprint/labels.py); the English `label` stays the API's text.
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
    code: str = ""  # its id in comparisons.csv, for translated labels (services/footprint/labels.py)


# ---------------------------------------------------------------- data files


@cache
def factor_rows() -> dict[str, Factor]:
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
    if factor_id == EV_CN_ID:
        return _electric_car_in_china()
    if factor_id.startswith("meal:") and factor_id[5:] in _meal_portions():
        return _portion_meal(factor_id[5:])
    return factor_rows()[factor_id]


def factor_table() -> list[Factor]:
    """Every factor the engine can use, for the methodology page."""
    meals = [_portion_meal(kind) for kind in _meal_portions()]
    return [*factor_rows().values(), _electric_car_in_china(), *meals]


def province(code: str) -> Province | None:
    """The province with this code (CN-SC), or None."""
    return next((p for p in PROVINCES if p.code == code), None)


# How far from a Chinese airport a point may be and still take that airport's province.
PROVINCE_REACH_KM = 250.0


@cache
def _province_airports() -> tuple[tuple[float, float, str], ...]:
    """(lat, lon, province code) of every Chinese airport whose subdivision airportsdata names."""
    import airportsdata

    by_subd = {name: p.code for p in PROVINCES for name in p.subdivisions}
    return tuple((row["lat"], row["lon"], by_subd[row["subd"]]) for row in airportsdata.load("IATA").values()
                 if row["country"] == "CN" and row["subd"] in by_subd)


@lru_cache(maxsize=4096)  # a pure function of static data: every calculator request asks for its venue's (issue #28)
def province_at(country: str | None, lat: float | None, lon: float | None) -> Province | None:
    """The province of a point in mainland China: that of the nearest airport (airportsdata's subdivision),
    within PROVINCE_REACH_KM; None outside China, without coordinates or far from every airport. Near a
    provincial border the nearest airport may be across it; the organizer and the visitor can change it."""
    if country != "CN" or lat is None or lon is None:
        return None
    here = Place("", "", "", "CN", lat, lon, "city")
    radius = float(parameter("param:geo:earth_radius_km"))
    best = min(((_great_circle_km(here, Place("", "", "", "CN", a, b, "airport"), radius), code)
                for a, b, code in _province_airports()), default=None)
    return province(best[1]) if best and best[0] <= PROVINCE_REACH_KM else None


def venue_grid(country: str | None, lat: float | None, lon: float | None) -> str:
    """The grid an event's electricity is priced on by default: its venue's province, else national (CN)."""
    found = province_at(country, lat, lon)
    return found.code if found else "CN"


def grid_factor(grid: str) -> Factor:
    """The electricity factor for a grid code: the province's own MEE row when there is one, else its
    region's, else the national average (carbondot-3). A region or CN is its own row."""
    rows = factor_rows()
    if f"electricity:grid:{grid}" in rows:
        return rows[f"electricity:grid:{grid}"]
    p = province(grid)
    if p is not None and f"electricity:grid:{p.region}" in rows:
        return rows[f"electricity:grid:{p.region}"]
    return rows["electricity:grid:CN"]


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
    parts = [(p, factor_rows()[f"basket:{p.ingredient}"]) for p in _meal_portions()[kind]]
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


def parameter(factor_id: str) -> Decimal:
    return factor_rows()[factor_id].value


EV_CN_ID = "car:electric:CN"


@cache
def _electric_car_in_china() -> Factor:
    """DESNZ's electric-car factor re-priced from the UK grid to China's grid, UK losses taken out first."""
    ev, cn, gb, td = (factor_rows()[i] for i in ("car:electric", "electricity:grid:CN", "electricity:grid:GB",
                                                 "param:ev:uk_td_share"))
    kwh_per_km = ev.value * (1 - td.value) / gb.value
    value = (kwh_per_km * cn.value).quantize(Decimal("0.00001"), ROUND_HALF_UP)
    shown = kwh_per_km.quantize(Decimal("0.0001"), ROUND_HALF_UP)
    return Factor(
        EV_CN_ID, value, ev.unit, f"{ev.source}; rescaled with {cn.source}", f"{ev.edition} + {cn.edition}",
        cn.year,
        f"Derived (carbondot-3): DESNZ's car factor {ev.value} includes UK T&D losses ({td.value} of it, "
        f"param:ev:uk_td_share), so the generation part is {ev.value} x (1 - {td.value}); over the UK 'electricity "
        f"generated' factor {gb.value} that is {shown} kWh per km at the plug, times {cn.value} "
        "(China's grid, "
        f"MEE 2023, whose average already spreads China's own losses over the power used) = {value} kg per km, "
        "rounded to 5 dp. Losses are counted once, China's. carbondot-2 left the UK losses in and came out about "
        "10.5 % high (0.12132). Used when every known place of the leg is in China (or, with no places, a leg "
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
    with (DATA_DIR / "comparisons.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
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


def _rounded(value: Decimal, step: str) -> float:
    return float(value.quantize(Decimal(step), ROUND_HALF_UP))

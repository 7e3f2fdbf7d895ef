"""What the methodology page explains beyond the factor table: where each source
lives (a link per edition), how one flight within China comes out under each
defensible method, and why calculators disagree on common trips.

Every figure here is computed by the footprint engine from factors.csv at the
time the page is drawn; nothing is typed in twice. Flask-free.

The data files stay English (the API's text); their long texts in other languages
(factor notes, comparison notes and bases, the averages' regions and notes, what
carbondot-3 changed and why, the Carbonstop comparison's rows) live in
one place, app/data/data_translations.csv, one row per (file, key, column, language),
each recording a short hash of the English it translates: an English text edited
after its translation is shown in English until retranslated, and
tests/unit/test_data_translations.py names every missing or stale row. Short
repeated labels (units, ingredients) go through the gettext catalogue (labels.py);
the notes of the two factors derived in code are catalogue strings here.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from app.services import footprint
from app.services.footprint import places
from app.services.footprint.labels import N_

__all__ = [
    "Change", "ChinaExample", "DERIVED_NOTES", "DERIVED_SOURCES", "FlightMethod", "OPTIONAL_COLUMNS", "OtherFactor",
    "ProvinceRow", "Source", "TRANSLATED_COLUMNS", "Trip", "carbonstop", "changes", "china_examples", "derived_note",
    "derived_source", "english_hash", "flight_methods", "myclimate_kg", "province_table", "source_for", "sources",
    "translated", "trips",
]

# The data files' columns shown on the methodology page in the page's language: file -> (key column, columns
# every row needs in every language). A factor's `source` is a citation, kept in its own language; where it is
# our own wording or a Chinese document cited in English, data_translations.csv may word it too.
TRANSLATED_COLUMNS = {
    "factors.csv": ("id", ("note",)),
    "comparisons.csv": ("id", ("note", "basis")),
    "per_capita.csv": ("id", ("region", "note")),
    "method_changes.csv": ("key", ("what", "before", "why")),
    "carbonstop.csv": ("key", ("what", "why")),
}
OPTIONAL_COLUMNS = {"factors.csv": ("source",)}


def english_hash(text: str) -> str:
    """The short hash a translation records of the English it was made from."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:10]


@cache
def _translations() -> dict[tuple[str, str, str, str], tuple[str, str]]:
    """(file, key, column, language) -> (hash of the English, text), from app/data/data_translations.csv."""
    table: dict[tuple[str, str, str, str], tuple[str, str]] = {}
    with (footprint.DATA_DIR / "data_translations.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            where = (r["file"], r["key"], r["column"], r["lang"])
            if where in table:
                raise RuntimeError(f"data_translations.csv: {where} twice")
            table[where] = (r["english_hash"], r["text"])
    return table


def translated(file: str, key: str, column: str, english: str, lang: str) -> str | None:
    """The text of a data file's cell in `lang`; None when it has no translation of this English."""
    if lang == "en" or not english:
        return english
    hit = _translations().get((file, key, column, lang))
    return hit[1] if hit is not None and hit[0] == english_hash(english) else None


# The notes of the factors computed in code (factors.py), written per language from their figures.
DERIVED_NOTES = {
    "meal": N_("Derived: %(portions)s = %(value)s kg CO2e. Portions are our assumption (app/data/meal_portions.csv); "
               "the per-kg factors are the shopping rows."),
    footprint.EV_CN_ID: N_(
        "Derived (carbondot-3): DESNZ's car factor %(ev)s includes UK T&D losses (%(td)s of it, param:ev:uk_td_share), "
        "so the generation part is %(ev)s x (1 - %(td)s); over the UK 'electricity generated' factor %(gb)s that is "
        "%(kwh)s kWh per km at the plug, times %(cn)s (China's grid, MEE 2023, whose average already spreads China's "
        "own losses over the power used) = %(value)s kg per km, rounded to 5 dp. Losses are counted once, China's. "
        "carbondot-2 left the UK losses in and came out about 10.5 %% high (0.12132). Used when every known place of "
        "the leg is in China (or, with no places, a leg within CN). Mixes a CO2-only grid factor with a CO2e car "
        "factor."),
}


# Their sources, worded from the sources of the rows they are computed from (kept as published).
DERIVED_SOURCES = {
    "meal": N_("CarbonDot portions (carbondot-2) x %(food)s"),
    footprint.EV_CN_ID: N_("%(car)s; rescaled with %(grid)s"),
}


def derived_source(factor_id: str) -> tuple[str, dict[str, str]] | None:
    """A factor computed in code: its source's msgid and the ids of the factors whose sources it cites."""
    if factor_id == footprint.EV_CN_ID:
        return DERIVED_SOURCES[factor_id], {"car": "car:electric", "grid": "electricity:grid:CN"}
    kind = factor_id.removeprefix("meal:")
    portions = footprint.meal_portions().get(kind) if factor_id.startswith("meal:") else None
    if portions is None:
        return None
    return DERIVED_SOURCES["meal"], {"food": f"basket:{portions[0].ingredient}"}


def derived_note(factor_id: str) -> tuple[str, dict[str, object]] | None:
    """A factor computed in code: its note's msgid and figures (portions as (grams, ingredient, factor) triples)."""
    if factor_id == footprint.EV_CN_ID:
        ids = ("car:electric", "electricity:grid:CN", "electricity:grid:GB", "param:ev:uk_td_share")
        ev, cn, gb, td = (footprint.factor(i).value for i in ids)
        kwh = (ev * (1 - td) / gb).quantize(Decimal("0.0001"), ROUND_HALF_UP)
        value = footprint.factor(factor_id).value
        return DERIVED_NOTES[factor_id], {"ev": ev, "td": td, "gb": gb, "kwh": kwh, "cn": cn, "value": value}
    kind = factor_id.removeprefix("meal:")
    portions = footprint.meal_portions().get(kind) if factor_id.startswith("meal:") else None
    if portions is None:
        return None
    parts = [(p.kg * 1000, p.ingredient, footprint.factor(f"basket:{p.ingredient}").value) for p in portions]
    return DERIVED_NOTES["meal"], {"portions": parts, "value": footprint.factor(factor_id).value}


@dataclass(frozen=True)
class Source:
    edition: str  # as in factors.csv's edition column
    url: str
    note: str


@cache
def sources() -> dict[str, Source]:
    """A public address for each source edition (app/data/sources.csv)."""
    with (footprint.DATA_DIR / "sources.csv").open(encoding="utf-8", newline="") as f:
        return {r["edition"]: Source(r["edition"], r["url"], r["note"]) for r in csv.DictReader(f)}


def source_for(edition: str) -> Source | None:
    """The link for a factor's edition; a derived edition ("carbondot-2 + X") links to X."""
    table = sources()
    for part in reversed(edition.split(" + ")):
        if part.strip() in table:
            return table[part.strip()]
    return None


@dataclass(frozen=True)
class FlightMethod:
    name: str
    factor: footprint.Factor
    km: Decimal
    kg: Decimal
    note: str


EXAMPLE_FROM, EXAMPLE_TO = "PEK", "CTU"


def _place(code: str) -> places.Place:
    """A place this page names by its code; one missing from the place list is a data error."""
    place = places.by_code(code)
    if place is None:
        raise LookupError(f"The methodology page's example place {code} is not in the place list")
    return place


def flight_methods() -> list[FlightMethod]:
    """One economy flight within China (Beijing to Chengdu, one way) under each method we consider defensible."""
    km = footprint.great_circle_km(_place(EXAMPLE_FROM), _place(EXAMPLE_TO))
    rows = (
        (N_("DESNZ non-UK factor, with RF (our method, carbondot-2)"), "flight:international:economy:rf",
         N_("DESNZ's own factor for flights that do not touch the UK, with its radiative-forcing uplift as it "
            "advises.")),
        (N_("DESNZ non-UK factor, without RF"), "flight:international:economy:no_rf",
         N_("The same, CO2e of the fuel burned only: what you get with the switch off.")),
        (N_("DESNZ UK domestic factor, with RF (carbondot-1)"), "flight:domestic:economy:rf",
         N_("Describes short UK hops (many take-offs per km on small aircraft); about twice the non-UK factor, so "
            "we no longer use it outside the UK.")),
        (N_("DESNZ UK domestic factor, without RF"), "flight:domestic:economy:no_rf",
         N_("The same without radiative forcing.")),
    )
    return [FlightMethod(name, f, km, km * f.value, note) for name, fid, note in rows
            for f in (footprint.factor(fid),)]


@dataclass(frozen=True)
class Trip:
    item: footprint.LineItem  # the flight as the engine prices it (label and parts, for the page's language)
    ours: Decimal  # kg CO2e, our method with RF (the default)
    without_rf: Decimal  # kg CO2e, our method without RF
    old: Decimal  # kg CO2e, carbondot-1's method (UK domestic factor for any domestic flight)
    myclimate: Decimal  # kg CO2e, another published calculator's method (myclimate), economy
    why: str


@cache
def _myclimate() -> dict[str, tuple[Decimal, Decimal]]:
    """parameter -> (short haul, long haul), from app/data/myclimate_flight.csv."""
    with (footprint.DATA_DIR / "myclimate_flight.csv").open(encoding="utf-8", newline="") as f:
        return {r["parameter"]: (Decimal(r["short_haul"]), Decimal(r["long_haul"])) for r in csv.DictReader(f)}


def _myclimate_haul(km: Decimal, haul: int) -> Decimal:
    p = {name: values[haul] for name, values in _myclimate().items()}
    x = km + p["DC"]
    fuel = p["a"] * x * x + p["b"] * x + p["c"]
    return (fuel / (p["S"] * p["PLF"]) * (1 - p["CF"]) * p["CW_economy"] * (p["EF"] * p["M"] + p["P"])
            + p["AF"] * x + p["A"])


def myclimate_kg(km: Decimal) -> Decimal:
    """One economy seat over this great-circle distance by myclimate's published formula (with its altitude multiplier).

    Short haul below 1,500 km, long haul above 2,500 km, and in between a straight line from the
    short-haul figure at 1,500 km to the long-haul figure at 2,500 km, as myclimate describes.
    """
    short_until, long_from = Decimal(1500), Decimal(2500)
    if km <= short_until:
        return _myclimate_haul(km, 0)
    if km >= long_from:
        return _myclimate_haul(km, 1)
    short, long = _myclimate_haul(short_until, 0), _myclimate_haul(long_from, 1)
    return short + (km - short_until) / (long_from - short_until) * (long - short)


# Six trips our visitors make; economy, one way.
_TRIPS = (
    ("PEK", "CTU", N_("Within China. carbondot-1 priced it with the UK domestic factor (about twice as high).")),
    ("PVG", "CTU", N_("Within China, a little longer than Beijing-Chengdu, so a little more: one factor for all "
                      "non-UK flights keeps more distance never cheaper.")),
    ("HKG", "PEK", N_("Hong Kong to Beijing: between two places, not touching the UK, so DESNZ's non-UK factor; "
                      "carbondot-1 used the to/from-UK short-haul factor.")),
    ("CTU", "SIN", N_("China to Singapore: the same non-UK factor; carbondot-1 used the to/from-UK short-haul "
                      "factor.")),
    # Shown through gettext, which formats with %: hence %%.
    ("PEK", "FRA", N_("Beijing to Frankfurt: non-UK; carbondot-1 used the to/from-UK long-haul factor (7 %% higher).")),
    ("LHR", "PEK", N_("London to Beijing touches the UK: DESNZ's long-haul to/from-UK factor, unchanged.")),
)


def _old_factor_id(a: places.Place, b: places.Place, km: Decimal) -> str:
    """carbondot-1's rule, for the comparison only: same country -> UK domestic, else by 3,700 km."""
    if a.country == b.country:
        return "flight:domestic:economy:rf"
    band = "long_haul" if km >= footprint.factor("param:flight:long_haul_from_km").value else "short_haul"
    return f"flight:{band}:economy:rf"


def trips() -> list[Trip]:
    """Six common trips: our figure with and without RF, and what carbondot-1 said, with why they differ."""
    out = []
    for origin, destination, why in _TRIPS:
        leg = {"mode": "flight", "from": origin, "to": destination}
        ours = footprint.estimate({"legs": [leg]})
        bare = footprint.estimate({"legs": [leg], "radiative_forcing": False})
        a, b = _place(origin), _place(destination)
        km = ours.items[0].distance_km
        assert km is not None  # a journey's line item always carries its distance (engine._leg_item)
        old = km * footprint.factor(_old_factor_id(a, b, km)).value
        out.append(Trip(ours.items[0], ours.total_kg, bare.total_kg, old, myclimate_kg(km), why))
    return out


# ---------------------------------------------------------------- carbondot-3 (issue #27)


@dataclass(frozen=True)
class Change:
    """One change of carbondot-3, with the figure before (as carbondot-2 gave it) and after (computed now)."""

    key: str  # its row in app/data/method_changes.csv (for translated texts)
    version: str
    what: str
    before: str
    after: str  # in English, as `figures` gives it
    why: str
    figures: Figures  # the "after" for a page in any language


@dataclass(frozen=True)
class Figures:
    """Figures in words: `words` (a msgid, or "%(a)s" alone) with each placeholder a quantity in `unit`."""

    words: str
    values: dict[str, Decimal]
    unit: str = "kg"  # or "t"

    def english(self) -> str:
        return self.words % {k: f"{v:,} {self.unit}" for k, v in self.values.items()}


AND = N_("%(a)s and %(b)s")
IN_SICHUAN = N_("%(a)s (Sichuan)")


def _after(key: str) -> Figures:
    """The figures the engine gives now for a change's example."""
    if key == "change:ev":
        return Figures("%(a)s", {"a": footprint.factor(footprint.EV_CN_ID).value.quantize(Decimal("0.00001"))})
    if key == "change:haul":
        amman, st_johns = (footprint.estimate({"legs": [{"mode": "flight", "from": "LHR", "to": code}]}).total_kg
                           for code in ("AMM", "YYT"))
        return Figures(AND, {"a": amman.quantize(Decimal("0.1")), "b": st_johns.quantize(Decimal("0.1"))})
    if key == "change:province":
        kg = footprint.estimate({"energy": [{"kind": "electricity", "amount": "100", "grid": "CN-SC"}]}).total_kg
        return Figures(IN_SICHUAN, {"a": kg.quantize(Decimal("0.01"))})
    if key == "change:tofu":
        return Figures("%(a)s", {"a": footprint.factor("meal:vegan").value.quantize(Decimal("0.0001"))})
    if key == "change:diet":
        year = 1095 * footprint.factor("meal:diet_medium_meat").value
        return Figures("%(a)s", {"a": year.quantize(Decimal("0.1"))})
    if key == "change:world":
        from app.services.footprint import life  # life imports this package's engine; imported when asked

        world = next(a.tonnes for a in life.averages() if a.id == "WORLD")
        return Figures("%(a)s", {"a": Decimal(str(world))}, unit="t")
    raise KeyError(key)


def changes() -> list[Change]:
    """What carbondot-3 changed, each with its example before and after (app/data/method_changes.csv)."""
    with (footprint.DATA_DIR / "method_changes.csv").open(encoding="utf-8", newline="") as f:
        return [Change(r["key"], r["version"], r["what"], r["before"], (after := _after(r["key"])).english(),
                       r["why"], after)
                for r in csv.DictReader(f)]


@dataclass(frozen=True)
class OtherFactor:
    """Another calculator's published per-unit factor beside ours (app/data/carbonstop.csv)."""

    key: str
    what: str
    unit: str
    value: Decimal
    ours: footprint.Factor
    ratio: Decimal  # theirs / ours
    why: str


def carbonstop() -> list[OtherFactor]:
    """Carbonstop's (碳阻迹) per-unit factors beside the ones we use, with the ratio and why they differ."""
    with (footprint.DATA_DIR / "carbonstop.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = []
    for r in rows:
        ours = footprint.factor(r["our_factor"])
        value = Decimal(r["value"])
        out.append(OtherFactor(r["key"], r["what"], r["unit"], value, ours,
                               (value / ours.value).quantize(Decimal("0.01")), r["why"]))
    return out


@dataclass(frozen=True)
class ChinaExample:
    """One trip within China: our figure, and what Carbonstop's per-km factor gives over the same distance."""

    item: footprint.LineItem
    ours: Decimal
    carbonstop: Decimal


HSR_FROM, HSR_TO = "chengdu-east-station", "chongqing-north-station"


def china_examples() -> list[ChinaExample]:
    """Beijing-Chengdu by air and Chengdu-Chongqing by high-speed rail, economy, one way."""
    theirs = {r.ours.id: r.value for r in carbonstop()}
    out = []
    for leg in ({"mode": "flight", "from": EXAMPLE_FROM, "to": EXAMPLE_TO},
                {"mode": "rail_hsr", "from": HSR_FROM, "to": HSR_TO}):
        item = footprint.estimate({"legs": [leg]}).items[0]
        out.append(ChinaExample(item, item.kg, item.quantity * theirs[item.factor.id]))
    return out


@dataclass(frozen=True)
class ProvinceRow:
    province: footprint.Province
    factor: footprint.Factor
    own: bool  # the province's own MEE row (else its region's)


def province_table() -> list[ProvinceRow]:
    """Each province and the electricity factor it is priced with."""
    return [ProvinceRow(p, f, f.id == f"electricity:grid:{p.code}")
            for p in footprint.PROVINCES for f in (footprint.grid_factor(p.code),)]

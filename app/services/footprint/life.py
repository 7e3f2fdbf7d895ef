"""The life footprint: everyday answers (home energy, car, flights, food) turned
into the footprint engine's public input for a year or a month, and the
per-person averages to set the result against.

No new arithmetic on emissions lives here: the answers become engine input
(legs, energy, meals, basket) and the engine prices every kilogram, so the
life page, the checkout and the stored footprint all agree. Assumptions (a
typical short or long flight, meals a day) are rows in factors.csv.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from functools import cache

from app.services import footprint
from app.services.footprint import FootprintError

__all__ = [
    "BASKET", "DIETS", "EVENT_SLUG", "PERIODS", "Answers", "Average", "Share", "averages", "breakdown",
    "engine_input", "parse_answers",
]

EVENT_SLUG = "life"  # the demo event whose checkout sells life footprints
PERIODS = ("year", "month")
COUNTRY = "CN"  # the page is for people living in China
DAYS_PER_YEAR = 365
WEEKS_PER_YEAR = Decimal(DAYS_PER_YEAR) / 7
# Diet choices, most meat first (the form's values), and the engine's whole-diet meal kind for each
# (Scarborough et al. 2014): a diet is priced as a diet, never as that many single meals.
DIETS = ("red_meat", "chicken", "fish", "vegetarian", "vegan")
DIET_MEALS = {"red_meat": "diet_high_meat", "chicken": "diet_medium_meat", "fish": "diet_fish",
              "vegetarian": "diet_vegetarian", "vegan": "diet_vegan"}
GAS_UNITS = footprint.gas_units(COUNTRY)  # cubic metres first: Chinese gas meters and bills read m3
# The grocery categories the life page asks about (per week), a subset of the engine's.
BASKET = ("pork", "beef", "lamb", "poultry", "fish_farmed", "eggs", "milk", "rice", "wheat_bread", "tofu",
          "brassicas", "apples")
CAR_FUELS = ("petrol", "diesel", "hybrid", "plug_in_hybrid", "electric", "unknown")

# What a person may answer (not emission data).
MAX_KWH_MONTH = Decimal(10_000)
MAX_CAR_KM_YEAR = Decimal(200_000)
MAX_FLIGHTS_YEAR = 200
MAX_BASKET_KG_WEEK = Decimal(15)


@dataclass(frozen=True)
class Answers:
    electricity_kwh_month: Decimal = Decimal(0)
    grid: str = "CN"
    gas_month: Decimal = Decimal(0)  # in gas_unit
    gas_unit: str = "kWh"  # the form offers m3 first
    car_km_year: Decimal = Decimal(0)
    car_fuel: str = "petrol"
    short_flights: int = 0  # return flights a year
    long_flights: int = 0
    food: str = "diet"  # "diet" or "basket"
    diet: str = "chicken"
    basket_kg_week: dict[str, Decimal] = field(default_factory=dict)
    radiative_forcing: bool = True  # DESNZ's advice; the visitor may turn it off as on the calculator


@dataclass(frozen=True)
class Average:
    id: str
    region: str
    tonnes: Decimal
    unit: str
    year: int
    source: str
    edition: str
    note: str


@dataclass(frozen=True)
class Share:
    key: str  # "home", "car", "flights", "food"
    kg: Decimal
    percent: int


def _number(form: Mapping[str, str], name: str, what: str, high: Decimal) -> Decimal:
    raw = (form.get(name) or "").strip().replace(",", "")
    if not raw:
        return Decimal(0)
    try:  # ASCII only: Decimal would read every script's digits ("١٢" is 12)
        value = Decimal(raw) if raw.isascii() and len(raw) <= 40 else None
    except ArithmeticError:
        value = None
    if value is None or not value.is_finite():
        raise FootprintError(name, f"{what} must be a number, like 12.5.", "life_number")
    if not 0 <= value <= high:
        error = FootprintError(name, f"{what} must be between 0 and {high:,}.", "life_range")
        error.params["high"] = high  # pages say it in their language (labels.LIFE_ERRORS)
        raise error
    return value


def _count(form: Mapping[str, str], name: str, what: str, high: int) -> int:
    value = _number(form, name, what, Decimal(high))
    if value != value.to_integral_value():
        raise FootprintError(name, f"{what} must be a whole number.", "life_whole")
    return int(value)


def _pick(form: Mapping[str, str], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (form.get(name) or "").strip() or default
    if value not in allowed:
        raise FootprintError(name, f"Choose one of: {', '.join(allowed)}.", "life_choice")
    return value


def parse_answers(form: Mapping[str, str]) -> Answers:
    """The life form's answers, checked; FootprintError names the form field."""
    grids = tuple(code for code, _ in footprint.GRIDS)
    return Answers(
        electricity_kwh_month=_number(form, "electricity", "Electricity", MAX_KWH_MONTH),
        grid=_pick(form, "grid", grids, "CN"),
        gas_month=_number(form, "gas", "Gas", MAX_KWH_MONTH),
        gas_unit=_pick(form, "gas_unit", GAS_UNITS, "kWh"),  # a post without the field keeps carbondot-1 kWh
        car_km_year=_number(form, "car_km", "Distance", MAX_CAR_KM_YEAR),
        car_fuel=_pick(form, "car_fuel", CAR_FUELS, "petrol"),
        short_flights=_count(form, "flights_short", "Short flights", MAX_FLIGHTS_YEAR),
        long_flights=_count(form, "flights_long", "Long flights", MAX_FLIGHTS_YEAR),
        food=_pick(form, "food", ("diet", "basket"), "diet"),
        diet=_pick(form, "diet", DIETS, "chicken"),
        basket_kg_week={
            c: v for c in BASKET
            if (v := _number(form, f"basket-{c}", "Amount", MAX_BASKET_KG_WEEK))
        },
        # The checkbox is absent both when unticked and on a first visit; rf_shown tells them apart.
        radiative_forcing=not form.get("rf_shown") or form.get("radiative_forcing") == "on",
    )


def _plain(value: Decimal, step: str = "0.001") -> str:
    """A decimal as the engine's input text, without exponent or trailing zeros."""
    text = f"{value.quantize(Decimal(step), ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def engine_input(answers: Answers, period: str) -> dict:
    """The engine's public input shape (as POST /api/v1/footprint takes) for a year or a month."""
    if period not in PERIODS:
        raise ValueError(period)
    year = period == "year"
    months = 12 if year else 1
    legs: list[dict] = []
    if answers.car_km_year:
        car = {"mode": "car", "fuel": answers.car_fuel, "country": COUNTRY}
        if year and answers.car_km_year <= footprint.MAX_DISTANCE_KM:
            car["distance_km"] = _plain(answers.car_km_year)
        else:
            # A month's driving (made twelve times for a year past the engine's one-journey limit).
            car["distance_km"] = _plain(answers.car_km_year / 12)
            if year:
                car["trips"] = "12"
        legs.append(car)
    for count, param, country in (
        (answers.short_flights, "param:life:short_flight_km", COUNTRY),
        (answers.long_flights, "param:life:long_flight_km", None),
    ):
        if count:
            leg = {"mode": "flight", "distance_km": _plain(footprint.factor(param).value), "cabin": "economy",
                   "return": True, "trips": str(count) if year else _plain(Decimal(count) / 12)}
            if country:
                leg["country"] = country
            legs.append(leg)
    data: dict = {"legs": legs, "radiative_forcing": answers.radiative_forcing}
    energy = []
    if answers.electricity_kwh_month:
        energy.append({"kind": "electricity", "amount": _plain(answers.electricity_kwh_month * months),
                       "grid": answers.grid})
    if answers.gas_month:
        energy.append({"kind": "natural_gas", "amount": _plain(answers.gas_month * months), "unit": answers.gas_unit})
    if energy:
        data["energy"] = energy
    if answers.food == "diet":
        per_day = footprint.factor("param:life:meals_per_day").value
        meals = per_day * DAYS_PER_YEAR / (1 if year else 12)
        meal_count = str(int(meals.quantize(Decimal(1), ROUND_HALF_UP)))
        data["meals"] = [{"kind": DIET_MEALS[answers.diet], "count": meal_count}]
    elif answers.basket_kg_week:
        weeks = WEEKS_PER_YEAR / (1 if year else 12)
        data["basket"] = [{"category": c, "amount": _plain(kg * weeks)} for c, kg in answers.basket_kg_week.items()]
    return data


_GROUPS = (("home", ("electricity:", "natural_gas:")), ("car", ("car:",)), ("flights", ("flight:",)),
           ("food", ("meal:", "basket:")))


def breakdown(result: footprint.FootprintResult) -> list[Share]:
    """The result split into home energy, car, flights and food, biggest first."""
    kg = {key: Decimal(0) for key, _ in _GROUPS}
    for item in result.items:
        for key, prefixes in _GROUPS:
            if item.factor.id.startswith(prefixes):
                kg[key] += item.kg
    total = result.total_kg
    shares = [
        Share(key, value, int((value * 100 / total).quantize(Decimal(1), ROUND_HALF_UP)) if total else 0)
        for key, value in kg.items() if value
    ]
    return sorted(shares, key=lambda s: s.kg, reverse=True)


@cache
def averages() -> tuple[Average, ...]:
    """Per-person CO2 averages (China, world) with their sources, from app/data/per_capita.csv."""
    with (footprint.DATA_DIR / "per_capita.csv").open(encoding="utf-8", newline="") as f:
        return tuple(
            Average(r["id"], r["region"], Decimal(r["value"]), r["unit"], int(r["year"]), r["source"], r["edition"],
                    r["note"])
            for r in csv.DictReader(f)
        )

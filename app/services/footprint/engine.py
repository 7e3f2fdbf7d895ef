"""The footprint engine's arithmetic: a FootprintInput to line items and totals, in Decimal."""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import Any

from app.services.footprint import places
from app.services.footprint.places import Place

from .factors import (
    BASKET_CATEGORIES,
    CABIN_LABELS,
    ENERGY_UNITS,
    EV_CN_ID,
    FUEL_LABELS,
    GRIDS,
    HOTEL_COUNTRIES,
    MAX_LEGS,
    MEAL_LABELS,
    METHODOLOGY,
    MODE_LABELS,
    PER_VEHICLE_MODES,
    RAIL_MODES,
    ROAD_MODES,
    EnergyUse,
    Factor,
    FootprintError,
    FootprintInput,
    FootprintResult,
    HotelStay,
    Leg,
    LineItem,
    factor,
    factor_rows,
    grid_factor,
    parameter,
)
from .parsing import (
    check_basket,
    check_energy,
    check_leg,
    check_meal,
    check_stay,
    parse_input,
)


def great_circle_km(a: Place, b: Place) -> Decimal:
    """Haversine distance in km (to the metre) on a sphere of the IUGG mean radius."""
    km = places.great_circle_km(a, b, float(parameter("param:geo:earth_radius_km")))
    return Decimal(str(round(km, 3)))


def _route_km(leg: Leg) -> Decimal:
    """One-way distance: typed, or great-circle times the mode's detour factor."""
    if leg.distance_km is not None:
        return leg.distance_km
    # calculate() ran check_leg first, which refuses a leg with no distance unless it has both places.
    assert leg.origin is not None and leg.destination is not None
    km = great_circle_km(leg.origin, leg.destination)
    if leg.mode in ROAD_MODES:
        return km * parameter("param:road:detour")
    if leg.mode in RAIL_MODES:
        return km * parameter("param:rail:detour")
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
    return "long_haul" if km >= parameter("param:flight:long_haul_from_km") else "short_haul"


def flight_price(haul: str, cabin: str, km: Decimal, radiative_forcing: bool) -> tuple[Factor, Decimal]:
    """The factor and the passenger.km it is applied to for one flight of this DESNZ category.

    carbondot-3 keeps order at the 3,700 km line: a long-haul flight is never priced below a short-haul
    flight of 3,700 km in the same cabin. Where DESNZ's long-haul factor is the lower one (economy), a
    flight between the line and the distance where long-haul catches up is priced as that 3,700 km
    short-haul flight (the short-haul factor over 3,700 km); everywhere else the distance is the distance.
    """
    rf = "rf" if radiative_forcing else "no_rf"
    f = factor(f"flight:{haul}:{cabin}:{rf}")
    if haul == "long_haul":
        line = parameter("param:flight:long_haul_from_km")
        short = factor(f"flight:short_haul:{cabin}:{rf}")
        if line * short.value > km * f.value:
            return short, line
    return f, km


def _leg_factor(leg: Leg, km: Decimal, radiative_forcing: bool) -> Factor:
    if leg.mode == "flight":
        return flight_price(_haul(leg, km), leg.cabin, km, radiative_forcing)[0]
    if leg.mode == "car":
        known = {p.country for p in (leg.origin, leg.destination) if p is not None}
        if not known and leg.country:
            known = {leg.country}
        if leg.fuel == "electric" and known == {"CN"}:
            return factor(EV_CN_ID)
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
    priced_km = flight_price(_haul(leg, km), leg.cabin, km, radiative_forcing)[1] if leg.mode == "flight" else km
    one_way = priced_km * f.value
    share = priced_km
    if leg.mode in PER_VEHICLE_MODES:
        one_way /= leg.occupants
        share = km / leg.occupants
    trips = (2 if leg.return_trip else 1) * leg.trips
    unit = "vehicle.km (your share)" if leg.mode in PER_VEHICLE_MODES else "passenger.km"
    rf = radiative_forcing if leg.mode == "flight" else None
    return LineItem(_leg_label(leg, km), one_way * trips, km, f, share * trips, unit, rf, _leg_parts(leg, km))


def _energy_item(use: EnergyUse) -> LineItem:
    unit = dict(ENERGY_UNITS)[use.unit]
    amount = f"{use.amount.normalize():,f} {unit}"
    if use.kind == "electricity":
        f = grid_factor(use.grid)
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
    return frozenset(i.split(":", 1)[1] for i in factor_rows() if i.startswith(f"{category}:"))


def calculate(inp: FootprintInput) -> FootprintResult:
    """Line items and their exact (unrounded) total for a validated input."""
    if len(inp.legs) > MAX_LEGS:
        raise FootprintError("legs", f"Add at most {MAX_LEGS} journeys.")
    items = []
    for i, leg in enumerate(inp.legs):
        check_leg(leg, f"legs[{i}]")
        items.append(_leg_item(leg, inp.radiative_forcing))
    for i, stay in enumerate(inp.hotel_nights):
        check_stay(stay, f"hotel_nights[{i}]")
        if stay.nights:
            items.append(_hotel_item(stay))
    meal_labels = MEAL_LABELS
    for i, meal in enumerate(inp.meals):
        check_meal(meal, f"meals[{i}]")
        if meal.count:
            f = factor(f"meal:{meal.kind}")
            label = f"Meals: {meal_labels[meal.kind].lower()} \u00d7 {meal.count}"
            parts = {"kind": "meal", "meal": meal.kind, "count": meal.count}
            items.append(LineItem(label, f.value * meal.count, None, f, Decimal(meal.count), "meals", parts=parts))
    basket_labels = dict(BASKET_CATEGORIES)
    for i, item in enumerate(inp.basket):
        check_basket(item, f"basket[{i}]")
        if item.amount:
            f = factor(f"basket:{item.category}")
            label = f"Shopping: {basket_labels[item.category].lower()}, {item.amount.normalize():f} kg"
            parts = {"kind": "basket", "category": item.category, "kg": float(item.amount)}
            items.append(LineItem(label, f.value * item.amount, None, f, item.amount, "kg", parts=parts))
    for i, use in enumerate(inp.energy):
        check_energy(use, f"energy[{i}]")
        if use.amount:
            items.append(_energy_item(use))
    total = sum((it.kg for it in items), Decimal(0))
    return FootprintResult(tuple(items), total, METHODOLOGY)


def estimate(data: dict, near: Place | None = None) -> FootprintResult:
    """parse_input then calculate: the one call the web layer needs. `near` is the event's venue:
    a place name several places share resolves to the one in its country, then the nearest."""
    return calculate(parse_input(data, near))

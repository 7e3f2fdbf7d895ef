"""The footprint engine's input: public dicts (forms, JSON) checked and turned into FootprintInput."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any, overload

from app.services.footprint import places
from app.services.footprint.places import Place

from .factors import (
    BASKET_CATEGORIES,
    CABINS,
    ENERGY_KINDS,
    ENERGY_UNITS,
    FALSE_WORDS,
    FUELS,
    GRIDS,
    HOTEL_CODES,
    HOTEL_COUNTRIES,
    MAX_BASKET_KG,
    MAX_DISTANCE_KM,
    MAX_ENERGY_KWH,
    MAX_LEGS,
    MAX_MEALS,
    MAX_NIGHTS,
    MAX_OCCUPANTS,
    MAX_ROWS,
    MAX_TRIPS,
    MEAL_CODES,
    MODE_LABELS,
    MODES,
    ROW_KEYS,
    TOP_KEYS,
    TRUE_WORDS,
    UNITS_BY_KIND,
    BasketItem,
    EnergyUse,
    FootprintError,
    FootprintInput,
    HotelStay,
    Leg,
    Meal,
    factor_rows,
)

MAX_NUMBER_TEXT = 40  # characters of a number typed or sent as text


# The codes each choice accepts, from the tables that also carry their labels.
_ENERGY_CODES = tuple(code for code, _ in ENERGY_KINDS)
_GRID_CODES = tuple(code for code, _ in GRIDS)
_BASKET_CODES = tuple(code for code, _ in BASKET_CATEGORIES)


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
    if isinstance(value, str) and (not value.isascii() or len(value) > MAX_NUMBER_TEXT):
        raise FootprintError(field, rule)  # Decimal would read every script's digits ("١٢" is 12)
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
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise FootprintError(field, "Answer yes or no (true or false).")


@overload
def _choice(value: Any, field: str, allowed: tuple[str, ...], default: str, what: str) -> str: ...
@overload
def _choice(value: Any, field: str, allowed: tuple[str, ...], default: None, what: str) -> str | None: ...
def _choice(value: Any, field: str, allowed: tuple[str, ...], default: str | None, what: str) -> str | None:
    if _blank(value):
        return default
    text = str(value).strip().lower()
    if text not in allowed:
        raise FootprintError(field, f"Unknown {what} \u201c{_shown(value)}\u201d. Choose one of: {', '.join(allowed)}.")
    return text


def _place(value: Any, field: str, near: Place | None = None) -> Place | None:
    if _blank(value):
        return None
    if isinstance(value, Place):
        return value
    found = places.lookup(value, near=near) if isinstance(value, str) else None
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


def _parse_leg(raw: dict, f: str, near: Place | None = None) -> Leg | None:
    if all(_blank(raw.get(k)) for k in ("mode", "from", "to", "distance_km")):
        return None  # an untouched form row
    mode = _choice(raw.get("mode"), f"{f}.mode", MODES, None, "travel mode")
    if mode is None:
        raise FootprintError(f"{f}.mode", "Choose how you travelled.")
    leg = Leg(
        mode=mode,
        origin=_place(raw.get("from"), f"{f}.from", near),
        destination=_place(raw.get("to"), f"{f}.to", near),
        distance_km=_decimal(raw.get("distance_km"), f"{f}.distance_km", distance_rule()),
        cabin=_choice(raw.get("cabin"), f"{f}.cabin", CABINS, "economy", "cabin class"),
        fuel=_choice(raw.get("fuel"), f"{f}.fuel", FUELS, "unknown", "fuel"),
        occupants=_whole(raw.get("occupants"), f"{f}.occupants", "People on board", 1, MAX_OCCUPANTS) or 1,
        return_trip=_flag(raw.get("return"), f"{f}.return", False),
        trips=_trips(raw.get("trips"), f"{f}.trips"),
        country=_leg_country(raw.get("country"), f"{f}.country"),
    )
    check_leg(leg, f)
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
    if unit not in UNITS_BY_KIND[kind]:
        raise FootprintError(field, "Electricity is counted in kWh only.")
    return unit


def _country(value: Any, field: str) -> str:
    if _blank(value):
        raise FootprintError(field, "Choose the country of the hotel.")
    text = str(value).strip()
    by_label = {label.casefold(): code for code, label in HOTEL_COUNTRIES}
    code = by_label.get(text.casefold(), text.upper())
    if code in HOTEL_CODES or (len(code) == 2 and places.is_country(code)):
        return code
    raise FootprintError(field, f"Unknown country \u201c{_shown(value)}\u201d. Use a two-letter code such as CN.")


def parse_input(data: dict, near: Place | None = None) -> FootprintInput:
    """Validate the JSON/form shape and resolve places; raise FootprintError naming the field.

    Every key is optional, numbers may be strings ("12.5"), empty strings mean
    "absent", and a journey row with no mode, places or distance is skipped.
    `near` (the event's venue) picks between places that share a name (places.lookup).
    """
    if not isinstance(data, dict):
        raise FootprintError("", "The footprint request must be a JSON object.")
    leg_rows = _rows(data, "legs")
    if len(leg_rows) > MAX_LEGS:
        raise FootprintError("legs", f"Add at most {MAX_LEGS} journeys.")
    legs = [_parse_leg(raw, f"legs[{i}]", near) for i, raw in enumerate(leg_rows)]

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
        kind = _choice(raw.get("kind"), f"{f}.kind", MEAL_CODES, None, "meal")
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
        check_basket(item, f)
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
        check_energy(use, f)
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


def check_leg(leg: Leg, f: str) -> None:
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
    _check_reach(leg, leg.origin, leg.destination, f)


def _check_reach(leg: Leg, origin: Place, destination: Place, f: str) -> None:
    """Refuse a ground journey between places farther apart than its mode can go (no 14,000 km train from
    Canton, US to Shenzhen): the bound is data, param:reach:<mode> in factors.csv."""
    reach = factor_rows().get(f"param:reach:{leg.mode}")
    if reach is None:
        return
    km = places.great_circle_km(origin, destination, float(factor_rows()["param:geo:earth_radius_km"].value))
    if km > reach.value:
        raise FootprintError(
            f"{f}.mode",
            f"{origin.name} ({origin.country}) and {destination.name} ({destination.country}) are {km:,.0f} km "
            f"apart: too far for {MODE_LABELS[leg.mode].lower()}. Check the places, or choose how you travelled "
            f"(a flight?).",
            code="mode_cannot_make_trip",
        )


def check_stay(stay: HotelStay, f: str) -> None:
    if not 0 <= stay.nights <= MAX_NIGHTS:
        raise FootprintError(f"{f}.nights", whole_rule("Nights", 0, MAX_NIGHTS))
    if stay.country not in HOTEL_CODES and not places.is_country(stay.country):
        raise FootprintError(f"{f}.country", f"Unknown country \u201c{_shown(stay.country)}\u201d.")


def check_meal(meal: Meal, f: str) -> None:
    if meal.kind not in MEAL_CODES:
        raise FootprintError(f"{f}.kind", f"Unknown meal \u201c{_shown(meal.kind)}\u201d.")
    if not 0 <= meal.count <= MAX_MEALS:
        raise FootprintError(f"{f}.count", whole_rule("Meals", 0, MAX_MEALS))


def check_energy(use: EnergyUse, f: str) -> None:
    if use.kind not in _ENERGY_CODES:
        raise FootprintError(f"{f}.kind", f"Unknown kind of energy \u201c{_shown(use.kind)}\u201d.")
    if use.grid not in _GRID_CODES:
        raise FootprintError(f"{f}.grid", f"Unknown grid \u201c{_shown(use.grid)}\u201d.")
    if use.unit not in UNITS_BY_KIND[use.kind]:
        raise FootprintError(f"{f}.unit", f"Unknown unit \u201c{_shown(use.unit)}\u201d for {use.kind}.")
    if not 0 <= use.amount <= MAX_ENERGY_KWH:
        raise FootprintError(f"{f}.amount", energy_rule(use.unit))


def check_basket(item: BasketItem, f: str) -> None:
    if item.category not in _BASKET_CODES:
        raise FootprintError(f"{f}.category", f"Unknown shopping category \u201c{_shown(item.category)}\u201d.")
    if not 0 <= item.amount <= MAX_BASKET_KG:
        raise FootprintError(f"{f}.amount", basket_rule())


# ---------------------------------------------------------------- calculation

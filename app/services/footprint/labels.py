"""Translatable labels for the footprint engine's item codes, in one place.

The engine (footprint.py) speaks in codes ("rail_hsr", "poultry", "CN-EAST");
this module maps each code to an English msgid. It stays Flask-free: `N_`
only marks the strings for extraction (`pybabel extract -k N_`); templates and
routes translate them at render time with gettext / lazy_gettext. A test checks
that every table's keys equal the engine's codes, so a new engine item without
a label (or a label for a removed item) fails.
"""
from __future__ import annotations

from ..languages import N_, Nn_

__all__ = ["N_", "Nn_"]  # methodology.py and others mark their strings with these too


MODES = {
    "flight": N_("Flight"),
    "rail_hsr": N_("High-speed rail"),
    "rail": N_("Train"),
    "metro": N_("Metro"),
    "bus": N_("Bus"),
    "coach": N_("Coach"),
    "taxi": N_("Taxi"),
    "car": N_("Car"),
    "motorbike": N_("Motorbike"),
    "ferry": N_("Ferry"),
    "walk": N_("Walking"),
    "bike": N_("Cycling"),
}
CABINS = {
    "economy": N_("Economy"),
    "premium_economy": N_("Premium economy"),
    "business": N_("Business"),
    "first": N_("First"),
}
FUELS = {
    "unknown": N_("Don't know"),
    "petrol": N_("Petrol"),
    "diesel": N_("Diesel"),
    "hybrid": N_("Hybrid"),
    "plug_in_hybrid": N_("Plug-in hybrid"),
    "electric": N_("Electric"),
}
MEALS = {
    "vegan": N_("Vegan (tofu)"),
    "vegetarian": N_("Vegetarian (egg)"),
    "fish": N_("Fish"),
    "chicken": N_("Chicken"),
    "pork": N_("Pork"),
    "beef": N_("Beef"),
    "lamb": N_("Lamb or mutton"),
}
# Shown only when a form already holds them: the carbondot-1 kind API callers may still send, and the
# whole-diet average meals the life page sends.
LEGACY_MEALS = {"red_meat": N_("Red meat (half beef, half lamb)")}
DIETS = {
    "diet_high_meat": N_("Average meals of a high meat-eater's diet"),
    "diet_low_meat": N_("Average meals of a low meat-eater's diet"),
    "diet_fish": N_("Average meals of a fish-eater's diet"),
    "diet_vegetarian": N_("Average meals of a vegetarian diet"),
    "diet_vegan": N_("Average meals of a vegan diet"),
}
BASKET = {
    "beef": N_("Beef"), "lamb": N_("Lamb"), "pork": N_("Pork"), "poultry": N_("Chicken and other poultry"),
    "fish_farmed": N_("Fish (farmed)"), "prawns_farmed": N_("Prawns (farmed)"), "cheese": N_("Cheese"),
    "milk": N_("Milk"), "eggs": N_("Eggs"), "rice": N_("Rice"), "wheat_bread": N_("Bread and wheat"),
    "tofu": N_("Tofu"), "pulses": N_("Beans and lentils (dry)"), "potatoes": N_("Potatoes"),
    "tomatoes": N_("Tomatoes"), "root_vegetables": N_("Root vegetables"), "brassicas": N_("Cabbage and broccoli"),
    "bananas": N_("Bananas"), "apples": N_("Apples"), "citrus": N_("Citrus fruit"),
    "coffee": N_("Coffee (beans or ground)"),
}
ENERGY = {"electricity": N_("Electricity"), "natural_gas": N_("Natural gas")}
ENERGY_UNITS = {"kWh": N_("kWh"), "m3": N_("m³")}
GRIDS = {
    "CN": N_("China, national average"),
    "CN-NORTH": N_("North China grid"),
    "CN-NORTHEAST": N_("Northeast China grid"),
    "CN-EAST": N_("East China grid"),
    "CN-CENTRAL": N_("Central China grid"),
    "CN-NORTHWEST": N_("Northwest China grid"),
    "CN-SOUTH": N_("Southern grid"),
    "CN-SOUTHWEST": N_("Southwest China grid"),
}

# The units a visitor reads in "How we calculated this" (a line item's quantity and its factor's unit, the
# per-person averages), by the data's English unit; one the table lacks is shown as the data writes it.
UNITS = {
    "kg": N_("kg"),
    "meals": N_("meals"),
    "room nights": N_("room nights"),
    "passenger.km": N_("passenger-km"),
    "vehicle.km (your share)": N_("vehicle-km (your share)"),
    "kWh": N_("kWh"),
    "m3": N_("m³"),
    "kg CO2e per passenger.km": N_("kg CO₂e per passenger-km"),
    "kg CO2e per vehicle.km": N_("kg CO₂e per vehicle-km"),
    "kg CO2e per room night": N_("kg CO₂e per room night"),
    "kg CO2e per meal": N_("kg CO₂e per meal"),
    "kg CO2e per kg of product": N_("kg CO₂e per kg of product"),
    "kg CO2e per kWh": N_("kg CO₂e per kWh"),
    "kg CO2e per kWh (gross CV)": N_("kg CO₂e per kWh (gross calorific value)"),
    "kg CO2e per m3": N_("kg CO₂e per m³"),
    "kg CO2 per kWh": N_("kg CO₂ per kWh"),
    "t CO2 per person per year": N_("t CO₂ per person per year"),
}

# Plain-language equivalents, by id in data/comparisons.csv: (singular, plural) for ngettext, %(n)s the number.
COMPARISONS = {
    "cn_home_electricity": Nn_("%(n)s day of an average Chinese resident's home electricity",
                               "%(n)s days of an average Chinese resident's home electricity"),
    "tree_year": Nn_("%(n)s tree growing for a year", "%(n)s trees growing for a year"),
    "petrol_car_km": Nn_("%(n)s km in an average petrol car", "%(n)s km in an average petrol car"),
}
LESS_THAN = N_("less than %(n)s")

# The engine's input errors are English sentences for the API (whose messages stay English). Pages in
# another language show these instead, by the last part of the error's field ("legs[0].from" -> "from").
FIELD_ERRORS = {
    "from": N_("We could not find where this journey started. Pick a suggestion, or type a city or an "
               "airport code such as CTU."),
    "to": N_("Check where this journey ended: pick a suggestion, or type the distance instead."),
    "distance_km": N_("Enter a distance in kilometres, up to 40,000."),
    "mode": N_("These places are too far apart for this way of travelling. Check the places, or choose how you "
               "travelled (a flight?)."),
    "nights": N_("Enter the number of nights, up to 365."),
    "occupants": N_("Enter how many people were on board, from 1 to 9."),
}
OTHER_FIELD_ERROR = N_("Please check this value.")
# The life page's own checks (footprint/life.py), by the error's code; the field's label stands beside it.
LIFE_ERRORS = {
    "life_number": N_("Enter a number, like 12.5."),
    "life_range": N_("Enter a number from 0 to %(high)s."),
    "life_whole": N_("Enter a whole number."),
    "life_choice": N_("Choose one of the options listed."),
}


def field_error(field: str) -> str:
    """The msgid for an engine error on this field, for pages not in English."""
    return FIELD_ERRORS.get(field.rsplit(".", 1)[-1], OTHER_FIELD_ERROR)


# Each table above, by the name of the engine's code tuple it labels.
TABLES = {
    "MODES": MODES,
    "CABINS": CABINS,
    "FUELS": FUELS,
    "MEAL_KINDS": MEALS,
    "DIET_KINDS": DIETS,
    "MEAL_CODES": {**MEALS, **LEGACY_MEALS, **DIETS},  # every meal kind the engine takes
    "BASKET_CATEGORIES": BASKET,
    "ENERGY_KINDS": ENERGY,
    "ENERGY_UNITS": ENERGY_UNITS,
    "GRIDS": GRIDS,
}


OTHER_COUNTRY = N_("Other country")


def country(code: str, locale: str, translate=lambda s: s) -> str:
    """A hotel country's name in the locale, from the CLDR data Babel ships ('CN', 'zh' -> '中国').

    `translate` (gettext at render time) resolves the one label CLDR lacks, "Other country".
    """
    from babel import Locale

    names = Locale.parse(locale).territories
    if code == "OTHER" or code not in names:
        return translate(OTHER_COUNTRY)
    return names[code]


def hotel_countries(locale: str, translate=lambda s: s) -> list[tuple[str, str]]:
    """The engine's hotel countries as (code, label) in the locale; English keeps the engine's wording."""
    from .. import footprint

    if locale == "en":
        return list(footprint.HOTEL_COUNTRIES)
    return [(code, country(code, locale, translate)) for code, _label in footprint.HOTEL_COUNTRIES]


# A footprint line item's label, worded from the structured `parts` the engine stores with it (footprint.py
# LineItem.parts). The engine's English `label` stays the API's text; pages in other languages build theirs here.
LINE_FUELS = {**FUELS, "unknown": N_("fuel not known")}
LINE = {
    "people": N_("%(what)s (%(fuel)s, %(n)s people)"),
    "fuel": N_("%(what)s (%(fuel)s)"),
    "riders": N_("%(what)s (%(n)s riders)"),
    "route": N_("%(what)s %(from)s → %(to)s"),
    "distance": N_("%(what)s, %(km)s km"),
    "distance_in": N_("%(what)s, %(km)s km within %(country)s"),
    "cabin": N_("%(what)s, %(cabin)s"),
    "return": N_("%(what)s, return"),
    "hotel": N_("Hotel, %(nights)s, %(country)s"),
    "hotel_other": N_("%(country)s, other-country average"),
    "meal": N_("Meals: %(meal)s × %(n)s"),
    "basket": N_("Shopping: %(item)s, %(kg)s kg"),
    "electricity": N_("Electricity, %(amount)s, %(grid)s"),
    "natural_gas": N_("Natural gas, %(amount)s"),
}
NIGHTS = Nn_("%(num)s night", "%(num)s nights")


def _gettext(msgid: str, **variables) -> str:
    return msgid % variables if variables else msgid


def _ngettext(singular: str, plural: str, num: int, **variables) -> str:
    return (singular if num == 1 else plural) % {"num": num, **variables}


def line_item(parts, locale: str, place, gettext=_gettext, number=str, ngettext=_ngettext) -> str:
    """A line item's label in the locale from its parts; raises KeyError on parts it does not know.

    `place` turns a stored {"code", "label"} into a name for the locale; `gettext(msgid, **vars)` and
    `ngettext(singular, plural, n, **vars)` translate; `number` formats a number for the locale.
    """
    def word(table, code):  # a label used inside a phrase: lower case, as the English label has it
        return gettext(table[code]).lower()

    kind = parts["kind"]
    if kind == "journey":
        what = gettext(MODES[parts["mode"]])
        occupants = parts.get("occupants", 1)
        if parts["mode"] == "car":
            fuel = word(LINE_FUELS, parts["fuel"])
            what = gettext(LINE["people"], what=what, fuel=fuel, n=occupants) if occupants > 1 else \
                gettext(LINE["fuel"], what=what, fuel=fuel)
        elif occupants > 1:
            what = gettext(LINE["riders"], what=what, n=occupants)
        if parts.get("from") and parts.get("to"):
            what = gettext(LINE["route"], what=what, **{"from": place(parts["from"]), "to": place(parts["to"])})
        elif parts.get("country"):
            what = gettext(LINE["distance_in"], what=what, km=number(parts["distance_km"]),
                           country=country(parts["country"], locale, gettext))
        else:
            what = gettext(LINE["distance"], what=what, km=number(parts["distance_km"]))
        if parts["mode"] == "flight":
            what = gettext(LINE["cabin"], what=what, cabin=word(CABINS, parts["cabin"]))
        if parts.get("return"):
            what = gettext(LINE["return"], what=what)
        trips = parts.get("trips", 1)
        return what if trips == 1 else f"{what} \u00d7 {number(trips)}"
    if kind == "hotel":
        name = country(parts["country"], locale, gettext)
        if parts.get("other_country_average") and parts["country"] != "OTHER":
            name = gettext(LINE["hotel_other"], country=name)
        nights = ngettext(*NIGHTS, parts["nights"], num=number(parts["nights"]))
        return gettext(LINE["hotel"], nights=nights, country=name)
    if kind == "meal":
        meals = TABLES["MEAL_CODES"]
        return gettext(LINE["meal"], meal=word(meals, parts["meal"]), n=number(parts["count"]))
    if kind == "basket":
        return gettext(LINE["basket"], item=word(BASKET, parts["category"]), kg=number(parts["kg"]))
    if kind == "energy":
        amount = f"{number(parts['amount'])} {ENERGY_UNITS[parts['unit']]}"  # units stay as written (GLOSSARY.md)
        if parts["energy"] == "electricity":
            return gettext(LINE["electricity"], amount=amount, grid=gettext(GRIDS[parts["grid"]]))
        return gettext(LINE["natural_gas"], amount=amount)
    raise KeyError(kind)

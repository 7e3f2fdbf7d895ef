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
    "diet_medium_meat": N_("Average meals of a medium meat-eater's diet"),
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
    # Provinces (carbondot-3): each uses its own MEE factor where we have one, else its region's.
    "CN-BJ": N_("Beijing"),
    "CN-TJ": N_("Tianjin"),
    "CN-HE": N_("Hebei"),
    "CN-SX": N_("Shanxi"),
    "CN-SD": N_("Shandong"),
    "CN-NM": N_("Inner Mongolia"),
    "CN-LN": N_("Liaoning"),
    "CN-JL": N_("Jilin"),
    "CN-HL": N_("Heilongjiang"),
    "CN-SH": N_("Shanghai"),
    "CN-JS": N_("Jiangsu"),
    "CN-ZJ": N_("Zhejiang"),
    "CN-AH": N_("Anhui"),
    "CN-FJ": N_("Fujian"),
    "CN-HA": N_("Henan"),
    "CN-HB": N_("Hubei"),
    "CN-HN": N_("Hunan"),
    "CN-JX": N_("Jiangxi"),
    "CN-SN": N_("Shaanxi"),
    "CN-GS": N_("Gansu"),
    "CN-QH": N_("Qinghai"),
    "CN-NX": N_("Ningxia"),
    "CN-XJ": N_("Xinjiang"),
    "CN-GD": N_("Guangdong"),
    "CN-GX": N_("Guangxi"),
    "CN-YN": N_("Yunnan"),
    "CN-GZ": N_("Guizhou"),
    "CN-HI": N_("Hainan"),
    "CN-SC": N_("Sichuan"),
    "CN-CQ": N_("Chongqing"),
    "CN-XZ": N_("Tibet"),
}

# Every unit a page shows, by the data's English unit: a line item's quantity and its factor's unit in "How we
# calculated this", and the data files' units on the methodology page (factors.csv, comparisons.csv,
# per_capita.csv; tests/unit/test_data_translations.py checks each has one). One the table lacks is shown
# as the data writes it.
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
    "kg CO2e per tonne": N_("kg CO2e per tonne"),
    "kg CO2e per tonne.km": N_("kg CO2e per tonne.km"),
    "km": N_("km"),
    "km (great-circle)": N_("km (great-circle)"),
    "km (great-circle, one way)": N_("km (great-circle, one way)"),
    "km (one way, great-circle)": N_("km (great-circle, one way)"),
    "ratio road distance / great-circle": N_("ratio road distance / great-circle"),
    "ratio track distance / great-circle": N_("ratio track distance / great-circle"),
    "fraction of great-circle distance": N_("fraction of great-circle distance"),
    "fraction of the DESNZ electric-car factor": N_("fraction of the DESNZ electric-car factor"),
    "passengers per taxi": N_("passengers per taxi"),
    "meals per day": N_("meals per day"),
    "kWh per person per day": N_("kWh per person per day"),
    "kg CO2 per tree per year": N_("kg CO2 per tree per year"),
    "vehicle.km": N_("vehicle.km"),
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


# A name for each factor on the methodology page, composed from the tables above (factor_name).
FLIGHT_BANDS = {
    "domestic": N_("Flight within the UK"),
    "short_haul": N_("Short-haul flight to or from the UK"),
    "long_haul": N_("Long-haul flight to or from the UK"),
    "international": N_("Flight not touching the UK"),
}
RF_WORDS = {"rf": N_("with radiative forcing"), "no_rf": N_("without radiative forcing")}
FACTOR_NAMES = {
    "flight": N_("%(band)s, %(cabin)s, %(rf)s"),
    "car": N_("Car: %(fuel)s"),
    "car:unknown": N_("Car, fuel not known"),
    "car:electric:CN": N_("Electric car in China (China's grid)"),
    "hotel": N_("Hotel room night: %(country)s"),
    "electricity:grid:GB": N_("UK grid"),
    "natural_gas": N_("%(energy)s, per %(unit)s"),
    "reach": N_("Longest journey: %(mode)s"),
    "meal": N_("One meal: %(meal)s"),
    "waste:commercial_industrial:landfill": N_("Mixed waste to landfill, per tonne"),
    "water:supply": N_("Mains water supplied"),
    "material:paper:primary": N_("Paper from virgin fibre, per tonne"),
    "freight:hgv:average_laden": N_("Lorry freight (average HGV, average load)"),
}
PARAMETERS = {
    "param:taxi:dsnz_occupancy": N_("Passengers per taxi behind DESNZ's taxi factor"),
    "param:flight:uplift_in_factors": N_("Flight distance uplift (already in the factors)"),
    "param:flight:long_haul_from_km": N_("Where long-haul begins (flights touching the UK)"),
    "param:ev:uk_td_share": N_("UK grid losses inside DESNZ's electric-car factor"),
    "param:road:detour": N_("Road detour factor"),
    "param:rail:detour": N_("Rail detour factor"),
    "param:geo:earth_radius_km": N_("Radius of the Earth"),
    "param:life:short_flight_km": N_("Life page: a short flight"),
    "param:life:long_flight_km": N_("Life page: a long flight"),
    "param:life:meals_per_day": N_("Life page: meals per day"),
}


def factor_name(factor_id: str, locale: str, gettext=_gettext) -> str | None:
    """A factor's name for people ('Flight not touching the UK, Economy, with radiative forcing'), or None
    for an id this module cannot name (tests/unit/test_data_translations.py checks every factor has one)."""
    parts = factor_id.split(":")
    head = parts[0]
    if factor_id in FACTOR_NAMES:
        return gettext(FACTOR_NAMES[factor_id])
    if factor_id in PARAMETERS:
        return gettext(PARAMETERS[factor_id])
    if head == "flight" and len(parts) == 4 and parts[1] in FLIGHT_BANDS and parts[2] in CABINS:
        return gettext(FACTOR_NAMES["flight"], band=gettext(FLIGHT_BANDS[parts[1]]),
                       cabin=gettext(CABINS[parts[2]]), rf=gettext(RF_WORDS[parts[3]]))
    if head == "car" and len(parts) == 2 and parts[1] in FUELS:
        return gettext(FACTOR_NAMES["car"], fuel=gettext(FUELS[parts[1]]))
    if len(parts) == 2 and parts[1] == "default" and head in MODES:
        return gettext(MODES[head])
    if head == "hotel" and len(parts) == 2:
        return gettext(FACTOR_NAMES["hotel"], country=country(parts[1], locale, gettext))
    if head == "meal" and len(parts) == 2 and parts[1] in TABLES["MEAL_CODES"]:
        label = gettext(TABLES["MEAL_CODES"][parts[1]])
        return label if parts[1] in DIETS else gettext(FACTOR_NAMES["meal"], meal=label)
    if head == "basket" and len(parts) == 2 and parts[1] in BASKET:
        return gettext(BASKET[parts[1]])
    if head == "electricity" and len(parts) == 3 and parts[2] in GRIDS:
        return gettext(GRIDS[parts[2]])
    if head == "natural_gas" and len(parts) == 2 and parts[1] in {"kwh": "kWh", "m3": "m3"}:
        unit = ENERGY_UNITS["kWh" if parts[1] == "kwh" else "m3"]
        return gettext(FACTOR_NAMES["natural_gas"], energy=gettext(ENERGY["natural_gas"]), unit=gettext(unit))
    if factor_id.startswith("param:reach:") and parts[2] in MODES:
        return gettext(FACTOR_NAMES["reach"], mode=gettext(MODES[parts[2]]))
    return None

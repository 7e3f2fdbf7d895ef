"""Footprint engine: worked examples done by hand from factors.csv, validation, properties."""

from __future__ import annotations

import csv
import json
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.services import footprint as fp
from app.services.footprint import places

D = Decimal
DATA = fp.DATA_DIR


def one_leg(**leg) -> fp.FootprintResult:
    return fp.estimate({"legs": [leg]})


def error_of(data: dict) -> fp.FootprintError:
    with pytest.raises(fp.FootprintError) as caught:
        fp.estimate(data)
    return caught.value


# ---------------------------------------------------------------- worked examples
# Factor values below are typed from app/data/factors.csv (DESNZ 2025); the
# expected totals were multiplied out by hand.


def test_ctu_pek_economy_return_with_radiative_forcing():
    result = one_leg(mode="flight", **{"from": "CTU", "to": "PEK", "return": True})
    (item,) = result.items
    assert item.label == "Flight CTU \u2192 PEK, economy, return"
    # Within China, not touching the UK: DESNZ "International, to/from non-UK", economy, with RF (carbondot-2).
    assert item.factor.id == "flight:international:economy:rf"
    assert item.factor.value == D("0.10916")
    assert item.radiative_forcing is True
    assert item.distance_km == D("1556.066")  # plain great-circle: DESNZ's 8% uplift is inside the factor
    # 1556.066 km x 0.10916 kg/pkm x 2 trips = 339.72032912 kg (carbondot-1's UK domestic factor gave 713.55)
    assert result.total_kg == D("339.72032912")


def test_ctu_pek_economy_return_without_radiative_forcing():
    result = fp.estimate({
        "legs": [{"mode": "flight", "from": "ctu", "to": "pek", "return": "on"}],
        "radiative_forcing": "false",
    })
    assert result.items[0].factor.id == "flight:international:economy:no_rf"
    assert result.items[0].radiative_forcing is False
    # 1556.066 x 0.06449 x 2 = 200.70139268 kg
    assert result.total_kg == D("200.70139268")


def test_shared_petrol_car_divides_vehicle_km_by_occupants():
    result = one_leg(mode="car", distance_km="30", fuel="petrol", occupants="3", **{"return": "on"})
    (item,) = result.items
    # 30 km x 0.16272 kg/vehicle.km / 3 people x 2 trips = 3.2544 kg
    assert result.total_kg == D("3.2544")
    assert item.quantity == D(20)  # your share: 30 km x 2 / 3
    assert item.label == "Car (petrol, 3 people), 30 km, return"


def test_hotel_two_nights_in_china():
    result = fp.estimate({"hotel_nights": [{"country": "CN", "nights": "2"}]})
    (item,) = result.items
    assert item.label == "Hotel, 2 nights, China"
    assert result.total_kg == D("107.0")  # 2 x 53.5 kg per room night


def test_bus_leg_with_typed_distance():
    result = one_leg(mode="bus", distance_km="12.5")
    # 12.5 km x 0.10385 kg/pkm = 1.298125 kg
    assert result.total_kg == D("1.298125")
    assert result.items[0].distance_km == D("12.5")


def test_high_speed_rail_between_stations_uses_rail_detour():
    result = one_leg(mode="rail_hsr", **{"from": "Chengdu East Railway Station", "to": "beijing-south-station"})
    (item,) = result.items
    # great-circle 1510.320 km x 1.2 rail detour = 1812.384 km; x 0.03546 = 64.26713664 kg
    assert item.distance_km == D("1812.384")
    assert result.total_kg == D("64.26713664")


def test_long_haul_business_between_countries():
    result = one_leg(mode="flight", cabin="business", **{"from": "LHR", "to": "JFK"})
    assert result.items[0].factor.id == "flight:long_haul:business:rf"
    # 5539.629 km x 0.3394 = 1880.1500826 kg
    assert result.total_kg == D("1880.1500826")


def test_haul_bands():
    # DESNZ's UK bands only for flights touching the UK; everything else is DESNZ's non-UK category.
    assert one_leg(mode="flight", **{"from": "LHR", "to": "CDG"}).items[0].factor.id == "flight:short_haul:economy:rf"
    assert one_leg(mode="flight", **{"from": "LHR", "to": "EDI"}).items[0].factor.id == "flight:domestic:economy:rf"
    assert one_leg(mode="flight", **{"from": "LHR", "to": "PEK"}).items[0].factor.id == "flight:long_haul:economy:rf"
    between = one_leg(mode="flight", **{"from": "CTU", "to": "SIN"})  # 3250 km, China to Singapore
    assert between.items[0].factor.id == "flight:international:economy:rf"
    typed = one_leg(mode="flight", distance_km="3250")  # no airports: countries unknown
    assert typed.items[0].factor.id == "flight:international:economy:rf"
    assert typed.items[0].label == "Flight, 3,250 km, economy"


def test_electric_car_within_china_uses_china_grid():
    cn = one_leg(mode="car", fuel="electric", **{"from": "CTU", "to": "TFU"})
    uk = one_leg(mode="car", fuel="electric", distance_km="10")
    assert cn.items[0].factor.id == "car:electric:CN"
    # carbondot-3: 0.04047 kg/km less its UK T&D share 0.0948 = 0.036633..., / 0.177 (UK generated)
    # = 0.206968... kWh/km, x 0.5306 (MEE 2023) = 0.109818... -> 0.10982 (5 dp)
    assert cn.items[0].factor.value == D("0.10982")
    assert uk.items[0].factor.id == "car:electric"
    assert uk.total_kg == D("0.4047")


def test_meals_and_basket():
    result = fp.estimate({
        "meals": [{"kind": "vegetarian", "count": "3"}],
        "basket": [{"category": "beef", "amount": "0.5"}],
    })
    meal, beef = result.items
    # A vegetarian meal is its portions (meal_portions.csv) x Poore & Nemecek 2018:
    # 0.1 kg eggs x 4.67 + 0.1 kg rice x 4.45 + 0.15 kg brassicas x 0.51 = 0.467 + 0.445 + 0.0765 = 0.9885;
    # x 3 meals = 2.9655 kg
    assert meal.kg == D("2.9655")
    assert beef.kg == D("49.740")  # 0.5 kg x 99.48 (Poore & Nemecek 2018)
    assert result.total_kg == D("52.7055")


def test_walking_is_zero_but_listed():
    result = one_leg(mode="walk", distance_km="2")
    assert result.total_kg == 0 and len(result.items) == 1


def test_to_dict_shape_and_rounding():
    result = fp.estimate({
        "legs": [{"mode": "flight", "from": "CTU", "to": "PEK", "return": True}],
        "hotel_nights": [{"country": "CN", "nights": 2}],
    })
    out = json.loads(json.dumps(result.to_dict()))
    assert set(out) == {"total_kg", "items", "methodology"}
    assert out["total_kg"] == 446.72  # 339.72032912 + 107 -> 3 dp
    assert out["methodology"] == fp.METHODOLOGY
    flight, hotel = out["items"]
    assert set(flight) == {"label", "kg", "distance_km", "factor", "radiative_forcing", "parts"}
    assert set(hotel) == {"label", "kg", "distance_km", "factor", "parts"}  # only flights say whether RF is in
    assert flight["parts"]["from"] == {"code": "CTU", "label": "CTU"} and flight["parts"]["return"] is True
    assert hotel["parts"] == {"kind": "hotel", "country": "CN", "nights": 2, "other_country_average": False}
    assert flight["radiative_forcing"] is True
    assert flight["kg"] == 339.72 and flight["distance_km"] == 1556.1
    assert flight["factor"] == {
        "id": "flight:international:economy:rf",
        "value": 0.10916,
        "unit": "kg CO2e per passenger.km",
        "source": result.items[0].factor.source,
        "year": 2025,
    }
    assert hotel["distance_km"] is None


def test_comparisons():
    one_day = D("2.6284") * D("0.5306")  # kWh per person per day x China grid factor
    electricity, trees, car = fp.comparisons(one_day * 12)
    assert electricity.label == "12 days of an average Chinese resident's home electricity"
    assert electricity.value == 12
    assert "0.5306" in electricity.basis
    assert trees.label == "2.8 trees growing for a year"  # 16.7358 kg / 6 kg per tree-year
    assert car.label == "103 km in an average petrol car"  # 16.7358 / 0.16272
    assert fp.comparisons(D(0)) == []


# ---------------------------------------------------------------- input handling


def test_strings_and_blanks_from_forms():
    result = fp.estimate({
        "legs": [
            {"mode": "bus", "from": "", "to": "", "distance_km": " 12.5 ", "occupants": "", "return": ""},
            {"mode": "", "from": "", "to": "", "distance_km": "", "cabin": "economy", "occupants": "1"},
        ],
        "hotel_nights": [{"country": "", "nights": ""}],
        "radiative_forcing": "",
    })
    assert [i.label for i in result.items] == ["Bus, 12.5 km"]


def test_country_by_name_and_other_country_fallback():
    result = fp.estimate({"hotel_nights": [{"country": "japan", "nights": 1}, {"country": "ar", "nights": 1}]})
    japan, argentina = result.items
    assert japan.factor.id == "hotel:JP"
    assert argentina.factor.id == "hotel:OTHER"
    assert argentina.label == "Hotel, 1 night, AR, other-country average"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"legs": [{"mode": "flight", "from": "CTU", "to": "Atlantis"}]}, "legs[0].to"),
        ({"legs": [{"mode": "bus", "distance_km": "-3"}]}, "legs[0].distance_km"),
        ({"legs": [{"mode": "bus", "distance_km": "40000.5"}]}, "legs[0].distance_km"),
        ({"legs": [{"mode": "bus", "distance_km": "twelve"}]}, "legs[0].distance_km"),
        ({"legs": [{"mode": "bus", "distance_km": True}]}, "legs[0].distance_km"),
        ({"legs": [{"mode": "bus", "distance_km": "nan"}]}, "legs[0].distance_km"),
        ({"legs": [{"mode": "hovercraft", "distance_km": "3"}]}, "legs[0].mode"),
        ({"legs": [{"mode": "flight", "cabin": "suite", "distance_km": "3"}]}, "legs[0].cabin"),
        ({"legs": [{"mode": "car", "fuel": "coal", "distance_km": "3"}]}, "legs[0].fuel"),
        ({"legs": [{"mode": "car", "occupants": "10", "distance_km": "3"}]}, "legs[0].occupants"),
        ({"legs": [{"mode": "car", "occupants": "0", "distance_km": "3"}]}, "legs[0].occupants"),
        ({"legs": [{"mode": "car", "occupants": "2.5", "distance_km": "3"}]}, "legs[0].occupants"),
        ({"legs": [{"mode": "bus", "return": "maybe", "distance_km": "3"}]}, "legs[0].return"),
        ({"legs": [{"mode": "taxi", "to": "CTU"}]}, "legs[0].from"),
        ({"legs": [{"mode": "flight", "from": "CTU"}]}, "legs[0].to"),
        ({"legs": [{"mode": "flight", "from": "CTU", "to": "ctu"}]}, "legs[0].to"),
        ({"legs": [{"distance_km": "3"}]}, "legs[0].mode"),
        ({"legs": [{"mode": "bus", "distance_km": "3"}] * 11}, "legs"),
        ({"legs": "CTU-PEK"}, "legs"),
        ({"hotel_nights": [{"country": "CN", "nights": "10000"}]}, "hotel_nights[0].nights"),
        ({"hotel_nights": [{"country": "CN", "nights": "-1"}]}, "hotel_nights[0].nights"),
        ({"hotel_nights": [{"country": "CN", "nights": "1.5"}]}, "hotel_nights[0].nights"),
        ({"hotel_nights": [{"country": "Narnia", "nights": "2"}]}, "hotel_nights[0].country"),
        ({"hotel_nights": [{"country": "XX", "nights": "2"}]}, "hotel_nights[0].country"),
        ({"meals": [{"kind": "ortolan", "count": 1}]}, "meals[0].kind"),
        ({"meals": [{"kind": "vegan", "count": "lots"}]}, "meals[0].count"),
        ({"basket": [{"category": "caviar", "amount": 1}]}, "basket[0].category"),
        ({"basket": [{"category": "beef", "amount": "-1"}]}, "basket[0].amount"),
        ({"radiative_forcing": "sometimes"}, "radiative_forcing"),
        ({"legs": [{"mode": "bus", "distance_km": "3", "trips": "0"}]}, "legs[0].trips"),
        ({"legs": [{"mode": "bus", "distance_km": "3", "trips": "1001"}]}, "legs[0].trips"),
        ({"legs": [{"mode": "bus", "distance_km": "3", "trips": "often"}]}, "legs[0].trips"),
        ({"legs": [{"mode": "bus", "distance_km": "3", "country": "Narnia"}]}, "legs[0].country"),
        ({"energy": [{"kind": "coal", "amount": "3"}]}, "energy[0].kind"),
        ({"energy": [{"amount": "3"}]}, "energy[0].kind"),
        ({"energy": [{"kind": "electricity"}]}, "energy[0].amount"),
        ({"energy": [{"kind": "electricity", "amount": "-3"}]}, "energy[0].amount"),
        ({"energy": [{"kind": "electricity", "amount": "3", "grid": "MARS"}]}, "energy[0].grid"),
        ({"energy": [{"kind": "natural_gas", "amount": "3", "grid": "CN"}]}, "energy[0].grid"),
    ],
)
def test_bad_input_names_the_field(data, field):
    err = error_of(data)
    assert err.field == field
    assert str(err) == err.message
    assert err.message.endswith(".") and err.message[0].isupper()


def test_unknown_place_message_is_friendly():
    err = error_of({"legs": [{"mode": "flight", "from": "Atlantis", "to": "PEK"}]})
    assert err.field == "legs[0].from"
    assert "Atlantis" in err.message and "CTU" in err.message


def test_not_an_object():
    assert error_of([]).field == ""  # type: ignore[arg-type]


def test_calculate_checks_hand_built_input_too():
    with pytest.raises(fp.FootprintError) as caught:
        fp.calculate(fp.FootprintInput(hotel_nights=(fp.HotelStay("CN", 10_000),)))
    assert caught.value.field == "hotel_nights[0].nights"
    with pytest.raises(fp.FootprintError) as caught:
        fp.calculate(fp.FootprintInput(legs=(fp.Leg("bus", None, None, D(-1)),)))
    assert caught.value.field == "legs[0].distance_km"


# ---------------------------------------------------------------- the data file


def test_every_combination_the_engine_can_ask_for_exists():
    ids = {f.id for f in fp.factor_table()}
    for band in ("domestic", "short_haul", "long_haul", "international"):
        for cabin in fp.CABINS:
            assert {f"flight:{band}:{cabin}:rf", f"flight:{band}:{cabin}:no_rf"} <= ids
    for mode in fp.MODES:
        if mode not in ("flight", "car"):
            assert f"{mode}:default" in ids
    assert {f"car:{fuel}" for fuel in fp.FUELS} <= ids
    assert {f"hotel:{code}" for code, _ in fp.HOTEL_COUNTRIES} == {i for i in ids if i.startswith("hotel:")}
    meal_ids = {f"meal:{kind}" for kind, _ in fp.MEAL_KINDS + fp.DIET_KINDS} | {"meal:red_meat"}
    assert meal_ids == {i for i in ids if i.startswith("meal:")}
    assert {"natural_gas:kwh", "natural_gas:m3"} <= ids
    assert {f"basket:{c}" for c, _ in fp.BASKET_CATEGORIES} == {i for i in ids if i.startswith("basket:")}


def test_flight_factors_rank_sensibly():
    for band in ("domestic", "short_haul", "long_haul", "international"):
        for cabin in fp.CABINS:
            assert fp.factor(f"flight:{band}:{cabin}:rf").value > fp.factor(f"flight:{band}:{cabin}:no_rf").value
        values = [fp.factor(f"flight:{band}:{cabin}:rf").value for cabin in fp.CABINS]
        assert values == sorted(values), band


def test_csv_rows_are_complete_and_match_the_methodology_string():
    with (DATA / "factors.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["id", "category", "mode", "variant", "value", "unit", "source", "edition", "year", "note"]
    assert len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        assert r["source"] and r["unit"] and r["edition"], r["id"]
        assert D(r["value"]) >= 0
    editions = {r["edition"] for r in rows if r["category"] in ("transport", "hotel") and r["edition"] != "carbondot-1"}
    assert editions == {"DESNZ 2025"}
    assert fp.factor("electricity:grid:CN").edition == "MEE 2023"
    assert fp.METHODOLOGY == "carbondot-3 / DESNZ 2025 / MEE 2023"


def test_great_circle_uses_the_mean_earth_radius():
    ctu, pek = places.by_code("CTU"), places.by_code("PEK")
    assert fp.great_circle_km(ctu, pek) == fp.great_circle_km(pek, ctu)
    assert fp.great_circle_km(ctu, ctu) == 0


@pytest.mark.parametrize(
    ("a", "b", "reference_km"),
    [
        # Vincenty (WGS-84) distances published by airmilescalc.com (LHR-JFK 5,555 km) and
        # airmilescalculator.com (PEK-CTU 1,556.350 km); a sphere should agree within 0.5%.
        ("LHR", "JFK", 5555),
        ("CTU", "PEK", D("1556.350")),
    ],
)
def test_great_circle_matches_published_distances(a, b, reference_km):
    km = fp.great_circle_km(places.by_code(a), places.by_code(b))
    assert abs(km - reference_km) / reference_km < D("0.005")


# ---------------------------------------------------------------- properties

modes = st.sampled_from(fp.MODES)
cabins = st.sampled_from(fp.CABINS)
fuels = st.sampled_from(fp.FUELS)
distances = st.decimals(min_value=0, max_value=40000, places=3, allow_nan=False, allow_infinity=False)
occupants = st.integers(min_value=1, max_value=fp.MAX_OCCUPANTS)


def leg(mode, km, cabin="economy", fuel="unknown", people=1, back=False) -> fp.Leg:
    return fp.Leg(mode, None, None, km, cabin, fuel, people, back)


def pairs(near):
    """(near, far) with far a little further than near, capped at 40,000 km."""
    step = st.decimals(min_value=0, max_value=500, places=3)
    return st.tuples(near, step).map(lambda p: (p[0], min(p[0] + p[1], D(40000))))


def totals(mode, cabin, fuel, people, pair, rf) -> list[Decimal]:
    return [
        fp.calculate(fp.FootprintInput(legs=(leg(mode, km, cabin, fuel, people),), radiative_forcing=rf)).total_kg
        for km in pair
    ]


@settings(max_examples=200, deadline=None)
@given(modes, cabins, fuels, occupants, pairs(distances), st.booleans())
def test_more_distance_never_lowers_the_footprint(mode, cabin, fuel, people, pair, rf):
    near, far = totals(mode, cabin, fuel, people, pair, rf)
    assert near <= far


# Around the 3,700 km short/long-haul boundary a band switch could make a
# longer typed flight cheaper; sample there on purpose.
@settings(max_examples=300, deadline=None)
@given(cabins, pairs(st.decimals(min_value=3400, max_value=3800, places=3)), st.booleans())
@example("economy", (D("3699.999"), D("3700")), True)
@example("economy", (D("3699.999"), D("3700")), False)
def test_longer_typed_flights_never_cost_less(cabin, pair, rf):
    near, far = totals("flight", cabin, "unknown", 1, pair, rf)
    assert near <= far


@settings(max_examples=200, deadline=None)
@given(modes, cabins, fuels, occupants, distances, st.booleans())
def test_return_is_exactly_twice_one_way(mode, cabin, fuel, people, km, rf):
    def total(back: bool) -> Decimal:
        inp = fp.FootprintInput(legs=(leg(mode, km, cabin, fuel, people, back),), radiative_forcing=rf)
        return fp.calculate(inp).total_kg

    assert total(True) == 2 * total(False)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.tuples(modes, distances, cabins, fuels, occupants, st.booleans()), max_size=fp.MAX_LEGS),
    st.lists(st.tuples(st.sampled_from([c for c, _ in fp.HOTEL_COUNTRIES]), st.integers(0, 365)), max_size=3),
    st.lists(st.tuples(st.sampled_from(fp.MEAL_CODES), st.integers(0, 50)), max_size=3),
    st.lists(st.tuples(st.sampled_from([c for c, _ in fp.BASKET_CATEGORIES]), distances.map(lambda d: d / 40)),
             max_size=3),
)
def test_total_is_the_sum_of_the_items(legs, stays, meals, basket):
    inp = fp.FootprintInput(
        legs=tuple(leg(*args) for args in legs),
        hotel_nights=tuple(fp.HotelStay(c, n) for c, n in stays),
        meals=tuple(fp.Meal(k, n) for k, n in meals),
        basket=tuple(fp.BasketItem(c, a) for c, a in basket),
    )
    result = fp.calculate(inp)
    assert result.total_kg == sum((item.kg for item in result.items), Decimal(0))
    assert all(item.kg >= 0 for item in result.items)
    assert len(result.items) == len(legs) + sum(1 for _, n in stays if n) + sum(1 for _, n in meals if n) + sum(
        1 for _, a in basket if a
    )


# ---------------------------------------------------------------- home energy, repeated and located journeys


def test_electricity_by_regional_grid_and_natural_gas():
    result = fp.estimate({"energy": [
        {"kind": "electricity", "amount": "2400"},
        {"kind": "electricity", "amount": "100", "grid": "cn-southwest"},
        {"kind": "natural_gas", "amount": "600"},
    ]})
    national, southwest, gas = result.items
    assert national.kg == D("1273.44")  # 2,400 kWh x 0.5306 (MEE 2023 national)
    assert southwest.kg == D("24.72")  # 100 kWh x 0.2472 (MEE 2023 Southwest grid)
    assert gas.kg == D("109.776")  # 600 kWh x 0.18296 (DESNZ 2025, gross CV)
    assert national.label == "Electricity, 2,400 kWh, China, national average"
    assert (national.factor.edition, gas.factor.edition) == ("MEE 2023", "DESNZ 2025")
    regions = {code for code, _ in fp.GRIDS if not fp.province(code)}
    assert {f"electricity:grid:{code}" for code in regions} <= {f.id for f in fp.factor_table()}
    # every province has its own row or its region's (carbondot-3)
    assert all(fp.grid_factor(p.code).id in (f"electricity:grid:{p.code}", f"electricity:grid:{p.region}")
               for p in fp.PROVINCES)


def test_trips_repeat_a_journey_even_in_fractions():
    four = one_leg(mode="flight", distance_km="1500", country="CN", trips="4", **{"return": True})
    assert four.total_kg == D("1309.92")  # 4 x 2 x 1,500 km x 0.10916 (DESNZ non-UK, economy, with RF)
    assert four.items[0].label == "Flight, 1,500 km within CN, economy, return \u00d7 4"
    assert four.items[0].quantity == 12000
    share = one_leg(mode="flight", distance_km="1500", country="CN", trips="0.5", **{"return": True})
    assert share.total_kg * 8 == four.total_kg


def test_country_makes_a_typed_flight_domestic_and_an_electric_car_chinese():
    assert one_leg(mode="flight", distance_km="1000").items[0].factor.id == "flight:international:economy:rf"
    within_cn = one_leg(mode="flight", distance_km="1000", country="CN")
    assert within_cn.items[0].factor.id == "flight:international:economy:rf"  # non-UK: DESNZ's non-UK factor
    assert one_leg(mode="flight", distance_km="1000", country="GB").items[0].factor.id == "flight:domestic:economy:rf"
    assert one_leg(mode="car", distance_km="100", fuel="electric").items[0].factor.id == "car:electric"
    assert one_leg(mode="car", distance_km="100", fuel="electric", country="cn").items[0].factor.id == "car:electric:CN"
    assert one_leg(mode="car", distance_km="100", fuel="electric", country="GB").items[0].factor.id == "car:electric"

"""Which factor prices each input, and what its line says: flights that do not touch the UK, natural gas
by the cubic metre, meals from portions, taxis shared by their riders, electric cars and high-speed rail
explained, radiative forcing said on every flight.

Every expected figure is multiplied out by hand from the factor named in the comment (app/data/factors.csv,
app/data/meal_portions.csv).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.services import footprint as fp
from app.services.footprint import life

D = Decimal


def one_leg(rf: bool = True, **leg) -> fp.FootprintResult:
    return fp.estimate({"legs": [leg], "radiative_forcing": rf})


def error_of(data: dict) -> fp.FootprintError:
    with pytest.raises(fp.FootprintError) as caught:
        fp.estimate(data)
    return caught.value


# ---------------------------------------------------------------- 1. flights that do not touch the UK


def test_a_longer_flight_within_china_region_is_no_longer_cheaper():
    pek_ctu = one_leg(mode="flight", **{"from": "PEK", "to": "CTU"})
    hkg_pek = one_leg(mode="flight", **{"from": "HKG", "to": "PEK"})
    # DESNZ 2025 "International, to/from non-UK", economy, with RF: 0.10916 kg CO2e per passenger.km.
    # PEK-CTU 1,556.066 km x 0.10916 = 169.86016456 kg (carbondot-1: x 0.22928 UK domestic = 356.8 kg)
    assert pek_ctu.total_kg == D("169.86016456")
    # HKG-PEK 1,992.048 km x 0.10916 = 217.45195968 kg (carbondot-1: x 0.12576 to/from-UK short-haul = 250.5 kg)
    assert hkg_pek.total_kg == D("217.45195968")
    assert hkg_pek.total_kg > pek_ctu.total_kg


def test_business_within_china_is_dearer_than_economy():
    business = one_leg(mode="flight", cabin="business", **{"from": "PEK", "to": "CTU"})
    # 1,556.066 km x 0.31656 (DESNZ 2025 non-UK, business, with RF) = 492.58825296 kg
    assert business.items[0].factor.id == "flight:international:business:rf"
    assert business.total_kg == D("492.58825296")


def test_between_two_non_uk_countries_long_haul_uses_the_non_uk_factor():
    result = one_leg(mode="flight", **{"from": "PEK", "to": "FRA"})
    assert result.items[0].factor.id == "flight:international:economy:rf"  # 0.10916, not to/from-UK 0.11704


def test_the_threshold_is_credited_as_our_choice():
    threshold = fp.factor("param:flight:long_haul_from_km")
    assert threshold.value == 3700
    assert threshold.source.startswith("CarbonDot choice") and "DESNZ defines haul by destination" in threshold.note


# ---------------------------------------------------------------- 2. natural gas by the cubic metre


def test_natural_gas_in_cubic_metres():
    result = fp.estimate({"energy": [{"kind": "natural_gas", "amount": "30", "unit": "m3"},
                                     {"kind": "natural_gas", "amount": "30", "unit": "kWh"}]})
    m3, kwh = result.items
    # 30 m3 x 2.06672 kg CO2e/m3 (DESNZ 2025 Fuels, natural gas, cubic metres) = 62.0016 kg
    assert m3.kg == D("62.0016") and m3.factor.id == "natural_gas:m3"
    assert m3.label == "Natural gas, 30 m\u00b3" and m3.quantity_unit == "m\u00b3"
    # 30 kWh x 0.18296 (gross CV) = 5.4888 kg: a meter reading typed as kWh would be about 11 times low
    assert kwh.kg == D("5.4888")
    assert D(11) < m3.kg / kwh.kg < D(12)


@pytest.mark.parametrize(
    ("energy", "field"),
    [
        ({"kind": "electricity", "amount": "3", "unit": "m3"}, "energy[0].unit"),
        ({"kind": "natural_gas", "amount": "3", "unit": "litres"}, "energy[0].unit"),
        ({"kind": "natural_gas", "amount": "3", "unit": 5}, "energy[0].unit"),
        ({"kind": "natural_gas", "amount": "-3", "unit": "m3"}, "energy[0].amount"),
    ],
)
def test_bad_units_name_the_field(energy, field):
    err = error_of({"energy": [energy]})
    assert err.field == field and err.message.endswith(".")


# ---------------------------------------------------------------- 3. meals from portions


def test_a_beef_meal_is_a_beef_meal():
    result = fp.estimate({"meals": [{"kind": "beef", "count": 1}, {"kind": "lamb", "count": 1},
                                    {"kind": "diet_high_meat", "count": 1}]})
    beef, lamb, diet = result.items
    # 0.1 kg beef x 99.48 + 0.1 kg rice x 4.45 + 0.15 kg brassicas x 0.51 = 9.948 + 0.445 + 0.0765 = 10.4695 kg
    assert beef.kg == D("10.4695")
    # 0.1 kg lamb x 39.72 + 0.445 + 0.0765 = 4.4935 kg
    assert lamb.kg == D("4.4935")
    # A high meat-eater's average meal: 7.19 kg/day / 3 (Scarborough 2014) = 2.3967 kg
    assert diet.kg == D("2.3967")
    assert "100 g beef x 99.48" in beef.factor.note
    assert beef.label == "Meals: beef \u00d7 1"


def test_the_life_page_prices_a_diet_as_a_diet():
    data = life.engine_input(life.parse_answers({"diet": "red_meat"}), "year")
    (item,) = fp.estimate(data).items
    # 1,095 meals x 2.3967 (high meat-eaters, 7.19 kg/day / 3) = 2,624.3865 kg
    assert item.factor.id == "meal:diet_high_meat" and item.kg == D("2624.3865")


# ---------------------------------------------------------------- 4. taxis shared by their riders


def test_a_taxi_is_shared_by_its_riders():
    solo = one_leg(mode="taxi", distance_km="10")
    three = one_leg(mode="taxi", distance_km="10", occupants="3")
    # DESNZ regular taxi 0.14861 kg/passenger.km at 1.4 passengers = 0.20805 kg per taxi-km (5 dp).
    # Alone, 10 km: 10 x 0.20805 = 2.0805 kg (carbondot-1 charged 1.4861, 29 % low)
    assert solo.total_kg == D("2.0805")
    # Three riders, 10 km: 2.0805 / 3 = 0.6935 kg each; together exactly one taxi (carbondot-1: 2.1 taxis)
    assert three.total_kg == D("0.6935")
    assert three.total_kg * 3 == solo.total_kg
    assert three.items[0].label == "Taxi (3 riders), 10 km"


# ---------------------------------------------------------------- 5. and 6. electric car, high-speed rail


def test_electric_car_derivation_is_stated():
    ev = fp.factor("car:electric:CN")
    # Issue #27: DESNZ's car factor includes UK T&D (losses / car factor = 0.0948 in its 'T&D for EVs' table), so
    # 0.04047 x (1 - 0.0948) = 0.036633444 kg/km from generation; / 0.177 = 0.2069686 kWh/km;
    # x 0.5306 = 0.109818 -> 0.10982
    assert ev.value == D("0.10982")
    assert fp.factor("param:ev:uk_td_share").value == D("0.0948")
    assert "0.04047 x (1 - 0.0948)" in ev.note and "0.2070 kWh per km" in ev.note and "counted once" in ev.note
    assert "includes UK transmission and distribution" in fp.factor("car:electric").note


def test_high_speed_rail_is_labelled_a_proxy():
    note = fp.factor("rail_hsr:default").note
    assert note.startswith("Proxy") and "probably understates" not in note


# ---------------------------------------------------------------- 7. radiative forcing said everywhere


def test_flight_items_say_whether_rf_is_in():
    with_rf = one_leg(mode="flight", distance_km="1000")
    without = one_leg(rf=False, mode="flight", distance_km="1000")
    assert with_rf.to_dict()["items"][0]["radiative_forcing"] is True and with_rf.radiative_forcing is True
    assert without.to_dict()["items"][0]["radiative_forcing"] is False and without.radiative_forcing is False
    ground = one_leg(mode="bus", distance_km="10")
    assert "radiative_forcing" not in ground.to_dict()["items"][0] and ground.radiative_forcing is None


def test_the_life_page_can_turn_rf_off():
    answers = {"flights_short": "1", "rf_shown": "1", "food": "basket"}  # no food: flights only
    off = fp.estimate(life.engine_input(life.parse_answers(answers), "year"))
    on = fp.estimate(life.engine_input(life.parse_answers({**answers, "radiative_forcing": "on"}), "year"))
    first_visit = fp.estimate(life.engine_input(life.parse_answers({"flights_short": "1", "food": "basket"}), "year"))
    # One return short flight: 2 x 1,500 km x 0.06449 (no RF) = 193.47 kg; with RF x 0.10916 = 327.48 kg
    assert off.total_kg == D("193.47") and off.radiative_forcing is False
    assert on.total_kg == D("327.48") and first_visit.total_kg == on.total_kg


# ---------------------------------------------------------------- properties of the method

non_uk = st.sampled_from([None, "CN", "JP", "US"])
cabins = st.sampled_from(fp.CABINS)
kms = st.decimals(min_value=0, max_value=40000, places=3, allow_nan=False, allow_infinity=False)


def flight(km: Decimal, cabin: str, country: str | None, rf: bool) -> Decimal:
    leg = fp.Leg("flight", None, None, km, cabin, country=country)
    return fp.calculate(fp.FootprintInput(legs=(leg,), radiative_forcing=rf)).total_kg


@settings(max_examples=200, deadline=None)
@given(kms, st.sampled_from([None, "CN", "GB"]), st.booleans())
def test_business_never_below_economy_on_any_flight(km, country, rf):
    economy = flight(km, "economy", country, rf)
    assert flight(km, "premium_economy", country, rf) >= economy
    assert flight(km, "business", country, rf) >= economy
    assert flight(km, "first", country, rf) >= flight(km, "business", country, rf)


@settings(max_examples=200, deadline=None)
@given(kms, st.decimals(min_value=0, max_value=5000, places=3), cabins, non_uk, st.booleans())
def test_more_distance_never_cheaper_outside_the_uk(km, extra, cabin, country, rf):
    far = min(km + extra, D(40000))
    assert flight(km, cabin, country, rf) <= flight(far, cabin, country, rf)


@settings(max_examples=100, deadline=None)
@given(kms.map(lambda k: k / 100), st.integers(min_value=1, max_value=fp.MAX_OCCUPANTS - 1))
def test_more_riders_never_raise_a_riders_share_of_a_taxi(km, riders):
    def share(n: int) -> Decimal:
        return fp.calculate(fp.FootprintInput(legs=(fp.Leg("taxi", None, None, km, occupants=n),))).total_kg

    assert share(riders + 1) <= share(riders)

"""carbondot-3 (issue #27): each change pinned by a worked example computed by hand from the cited factor,
and the properties the issue asks for (order within a cabin, cabins, return, RF, provinces)."""

from __future__ import annotations

import csv
import math
from decimal import Decimal

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from app.services import footprint as fp
from app.services.footprint import life, methodology
from app.services.footprint.places import Place

D = Decimal


def total(data: dict) -> Decimal:
    return fp.estimate(data).total_kg


# ---------------------------------------------------------------- the method version


def test_a_new_method_version_and_stored_footprints_keep_theirs():
    assert fp.METHODOLOGY == "carbondot-3 / DESNZ 2025 / MEE 2023"
    assert fp.estimate({"meals": [{"kind": "vegan", "count": 1}]}).methodology == fp.METHODOLOGY


# ---------------------------------------------------------------- 1. electric car, losses once


def test_electric_car_in_china_counts_grid_losses_once():
    # DESNZ 2025 BEV 0.04047 kg/km includes UK T&D, 0.0948 of it (DESNZ 'UK electricity T&D for EVs'):
    # 0.04047 x 0.9052 = 0.036633444; / 0.177 (UK generated) = 0.206968 kWh/km; x 0.5306 (MEE 2023) = 0.109818
    # -> 0.10982 kg/km (5 dp). 100 km alone: 10.982 kg; with two people on board: 5.491 kg each.
    alone = total({"legs": [{"mode": "car", "fuel": "electric", "distance_km": "100", "country": "CN"}]})
    shared = total({"legs": [{"mode": "car", "fuel": "electric", "distance_km": "100", "country": "CN",
                              "occupants": 2}]})
    assert alone == D("10.98200") and shared == D("5.49100")
    assert alone / D("12.132") < D("0.91")  # carbondot-2 gave 12.132 kg: about 10.5 % high


# ---------------------------------------------------------------- 2. the UK haul line keeps order


def test_lhr_amman_is_no_longer_dearer_than_lhr_st_johns():
    amman = fp.estimate({"legs": [{"mode": "flight", "from": "LHR", "to": "AMM"}]}).items[0]
    st_johns = fp.estimate({"legs": [{"mode": "flight", "from": "LHR", "to": "YYT"}]}).items[0]
    # Amman, 3,683.026 km < 3,700: short-haul economy with RF, 0.12576: 463.177350 kg (as before).
    assert amman.factor.id == "flight:short_haul:economy:rf" and amman.kg == D("3683.026") * D("0.12576")
    # St John's, past the line: long-haul 0.11704 x 3,716 = 434.9 would be cheaper; priced as a 3,700 km
    # short-haul flight instead: 3,700 x 0.12576 = 465.312 kg.
    assert st_johns.distance_km > 3700 and st_johns.kg == D("465.31200")
    assert (st_johns.factor.id, st_johns.quantity) == ("flight:short_haul:economy:rf", D(3700))
    assert st_johns.kg > amman.kg


def test_far_long_haul_and_business_are_unchanged():
    jfk = fp.estimate({"legs": [{"mode": "flight", "from": "LHR", "to": "JFK"}]}).items[0]
    assert jfk.factor.id == "flight:long_haul:economy:rf" and jfk.kg == jfk.distance_km * D("0.11704")
    business = fp.estimate({"legs": [{"mode": "flight", "from": "LHR", "to": "YYT", "cabin": "business"}]}).items[0]
    # Business long-haul 0.3394 is above short-haul 0.18863: no floor, the distance times the long-haul factor.
    assert business.factor.id == "flight:long_haul:business:rf" and business.quantity == business.distance_km


def test_the_floor_ends_where_long_haul_catches_up():
    line, short, long = D(3700), D("0.12576"), D("0.11704")
    catch_up = line * short / long  # 3,975.67 km
    f, km = fp.flight_price("long_haul", "economy", D(3975), True)
    assert (f.id, km) == ("flight:short_haul:economy:rf", line)
    f, km = fp.flight_price("long_haul", "economy", D(3976), True)
    assert (f.id, km) == ("flight:long_haul:economy:rf", D(3976)) and 3975 < catch_up < 3976


# Synthetic places due south of London along the Greenwich meridian: a flight with one end in the UK
# whose great-circle distance grows with the latitude difference.
LONDON = Place("T-LON", "London test", "London", "GB", 51.4700, 0.0, "airport")


def south_of_london(km: float) -> Place:
    radius = float(fp.parameter("param:geo:earth_radius_km"))
    return Place("T-DST", "Test", "Test", "XX", LONDON.lat - math.degrees(km / radius), 0.0, "airport")


def flight_kg(km: float, cabin: str = "economy", rf: bool = True, return_trip: bool = False) -> Decimal:
    leg = fp.Leg("flight", LONDON, south_of_london(km), None, cabin=cabin, return_trip=return_trip)
    return fp.calculate(fp.FootprintInput(legs=(leg,), radiative_forcing=rf)).total_kg


def typed_kg(km: Decimal, country: str | None, cabin: str = "economy", rf: bool = True) -> Decimal:
    leg = fp.Leg("flight", None, None, km, cabin=cabin, country=country)
    return fp.calculate(fp.FootprintInput(legs=(leg,), radiative_forcing=rf)).total_kg


distances = st.floats(min_value=1, max_value=14000, allow_nan=False)
cabins = st.sampled_from(fp.CABINS)


@settings(max_examples=300, deadline=None)
@given(distances, distances, cabins, st.booleans())
@example(3683.0, 3716.0, "economy", True)  # LHR-Amman against LHR-St John's (issue #27)
def test_property_a_longer_flight_is_never_cheaper_within_a_cabin(a, b, cabin, rf):
    near, far = sorted((a, b))
    assert flight_kg(near, cabin, rf) <= flight_kg(far, cabin, rf)
    for country in ("CN", "GB", None):  # non-UK (domestic or not) and UK domestic
        assert typed_kg(D(str(near)), country, cabin, rf) <= typed_kg(D(str(far)), country, cabin, rf)


@settings(max_examples=200, deadline=None)
@given(distances, st.booleans())
def test_property_business_at_least_premium_at_least_economy(km, rf):
    economy, premium, business, first = (flight_kg(km, c, rf) for c in fp.CABINS)
    assert business >= premium >= economy and first >= business
    for country in ("CN", "GB"):
        e, p, b, f = (typed_kg(D(str(km)), country, c, rf) for c in fp.CABINS)
        assert f >= b >= p >= e


@settings(max_examples=200, deadline=None)
@given(distances, cabins, st.booleans())
def test_property_return_is_twice_one_way(km, cabin, rf):
    assert flight_kg(km, cabin, rf, return_trip=True) == 2 * flight_kg(km, cabin, rf)


@settings(max_examples=200, deadline=None)
@given(distances, cabins)
def test_property_radiative_forcing_off_is_less_than_on(km, cabin):
    assert flight_kg(km, cabin, rf=False) < flight_kg(km, cabin, rf=True)
    assert typed_kg(D(str(km)), "CN", cabin, rf=False) < typed_kg(D(str(km)), "CN", cabin, rf=True)


# ---------------------------------------------------------------- 3. electricity by province


def electricity(grid: str, kwh: str = "100") -> fp.LineItem:
    return fp.estimate({"energy": [{"kind": "electricity", "amount": kwh, "grid": grid}]}).items[0]


def test_a_province_with_its_own_mee_factor_uses_it():
    # MEE 2023 provincial factors (annex table 3): Sichuan 0.1564, Guangdong 0.4419, Hebei 0.6516,
    # Yunnan 0.1333, Beijing 0.5554 kg CO2/kWh.
    sichuan, guangdong, hebei = electricity("CN-SC"), electricity("cn-gd"), electricity("CN-HE")
    assert (sichuan.factor.id, sichuan.kg) == ("electricity:grid:CN-SC", D("15.6400"))
    assert (guangdong.factor.id, guangdong.kg) == ("electricity:grid:CN-GD", D("44.1900"))
    assert (hebei.factor.id, hebei.kg) == ("electricity:grid:CN-HE", D("65.1600"))  # North grid would be 63.61
    assert sichuan.label == "Electricity, 100 kWh, Sichuan" and sichuan.parts["grid"] == "CN-SC"
    # carbondot-2 could only say "Southwest grid": 100 x 0.2472 = 24.72 kg, 58 % more.
    assert electricity("CN-SOUTHWEST").kg == D("24.7200")
    # Yunnan's hydro: 13.33 kg, where the Southern grid it shares with Guangdong would say 40.42.
    yunnan, beijing = electricity("CN-YN"), electricity("CN-BJ")
    assert (yunnan.factor.id, yunnan.kg) == ("electricity:grid:CN-YN", D("13.3300"))
    assert (beijing.factor.id, beijing.kg) == ("electricity:grid:CN-BJ", D("55.5400"))  # North grid: 63.61
    assert yunnan.label == "Electricity, 100 kWh, Yunnan"


def test_every_province_in_the_mee_table_has_its_own_value():
    """All 30 provinces of annex table 3, as transcribed (issue #27 item 3)."""
    table = {"CN-BJ": "0.5554", "CN-TJ": "0.6796", "CN-HE": "0.6516", "CN-SX": "0.6634", "CN-NM": "0.6479",
             "CN-LN": "0.4878", "CN-JL": "0.4671", "CN-HL": "0.5229", "CN-SH": "0.5737", "CN-JS": "0.5827",
             "CN-ZJ": "0.4974", "CN-AH": "0.6553", "CN-FJ": "0.4211", "CN-JX": "0.5836", "CN-SD": "0.6191",
             "CN-HA": "0.5897", "CN-HB": "0.4044", "CN-HN": "0.4976", "CN-GD": "0.4419", "CN-GX": "0.4476",
             "CN-HI": "0.3648", "CN-CQ": "0.5581", "CN-SC": "0.1564", "CN-GZ": "0.5683", "CN-YN": "0.1333",
             "CN-SN": "0.6335", "CN-GS": "0.4471", "CN-QH": "0.1796", "CN-NX": "0.6187", "CN-XJ": "0.6021"}
    rows = fp.factor_rows()
    assert {code: str(rows[f"electricity:grid:{code}"].value) for code in table} == table
    own = {p.code for p in fp.PROVINCES if f"electricity:grid:{p.code}" in rows}
    assert own == set(table) and {p.code for p in fp.PROVINCES} - own == {"CN-XZ"}


def test_a_province_without_its_own_row_takes_its_region_then_national():
    tibet = electricity("CN-XZ")  # not in MEE's provincial table: the Southwest grid, 0.2472
    assert (tibet.factor.id, tibet.kg) == ("electricity:grid:CN-SOUTHWEST", D("24.7200"))
    assert tibet.label == "Electricity, 100 kWh, Tibet"
    assert fp.grid_factor("CN").id == "electricity:grid:CN" and fp.grid_factor("CN-XX").id == "electricity:grid:CN"


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(fp.PROVINCES), st.integers(min_value=1, max_value=100000))
def test_property_a_provinces_factor_is_used_when_given(province, kwh):
    item = electricity(province.code, str(kwh))
    own = f"electricity:grid:{province.code}" in fp.factor_rows()
    expected = f"electricity:grid:{province.code}" if own else f"electricity:grid:{province.region}"
    assert item.factor.id == expected and item.kg == fp.factor(expected).value * kwh


def test_every_province_row_cites_mee_2023_and_has_a_region():
    regions = {code for code, _ in fp.GRIDS if fp.province(code) is None}
    assert len(fp.PROVINCES) == 31 and all(p.region in regions for p in fp.PROVINCES)
    for p in fp.PROVINCES:
        f = fp.grid_factor(p.code)
        assert f.edition == "MEE 2023" and f.year == 2023 and f.source.startswith("Ministry of Ecology")


@pytest.mark.parametrize(("lat", "lon", "grid"), [
    (30.5728, 104.0668, "CN-SC"),  # Chengdu
    (23.1291, 113.2644, "CN-GD"),  # Guangzhou
    (25.0389, 102.7183, "CN-YN"),  # Kunming
    (39.9042, 116.4074, "CN-BJ"),  # Beijing
])
def test_the_venue_gives_the_province(lat, lon, grid):
    assert fp.venue_grid("CN", lat, lon) == grid


def test_no_province_outside_china_or_without_a_place():
    assert fp.venue_grid("JP", 35.68, 139.69) == "CN" and fp.venue_grid("CN", None, None) == "CN"
    assert fp.venue_grid("CN", 0.0, 0.0) == "CN"  # far from every Chinese airport


def test_the_life_page_prices_the_province_picked():
    answers = life.parse_answers({"electricity": "200", "grid": "CN-SC"})
    year = fp.estimate(life.engine_input(answers, "year"))
    (power,) = (i for i in year.items if i.factor.id.startswith("electricity:"))
    assert (power.factor.id, power.kg) == ("electricity:grid:CN-SC", 200 * 12 * D("0.1564"))  # 375.36 kg


# ---------------------------------------------------------------- 6. the small ones


def test_a_tofu_meal_is_below_an_egg_meal():
    # 100 g tofu x 3.16 + 100 g rice x 4.45 + 150 g brassicas x 0.51 = 0.316 + 0.445 + 0.0765 = 0.8375
    # 100 g egg x 4.67 + the same = 0.467 + 0.5215 = 0.9885
    assert fp.factor("meal:vegan").value == D("0.8375") < fp.factor("meal:vegetarian").value == D("0.9885")


def test_some_meat_mostly_pork_or_chicken_is_a_medium_meat_eater():
    assert life.DIET_MEALS["chicken"] == "diet_medium_meat"
    assert fp.factor("meal:diet_medium_meat").value == D("1.8767")  # 5.63 kg/day / 3 (Scarborough 2014)
    low, medium, high = (fp.factor(f"meal:diet_{k}_meat").value for k in ("low", "medium", "high"))
    assert low < medium < high


def test_the_world_average_is_cited_at_4_6_t():
    world = next(a for a in life.averages() if a.id == "WORLD")
    assert world.tonnes == D("4.6") and "37.1 Gt" in world.note and "essd-17-965-2025" in world.note


def test_the_mee_link_is_the_document():
    assert methodology.source_for("MEE 2023").url == (
        "https://www.mee.gov.cn/xxgk2018/xxgk/xxgk01/202512/t20251231_1139517.html")


def test_beef_says_mean_and_why():
    note = fp.factor("basket:beef").note
    assert "mean across producers" in note and "median" in note and "6.5 kg" in note


def test_our_own_numbers_say_they_are_ours():
    for fid in ("walk:default", "bike:default", "param:road:detour", "param:rail:detour",
                "param:flight:long_haul_from_km", "param:life:short_flight_km", "param:life:long_flight_km",
                "param:life:meals_per_day"):
        assert fp.factor(fid).source.startswith(("CarbonDot", "No fuel burned (CarbonDot")), fid


# ---------------------------------------------------------------- 4. and 5. the method page's comparisons


def test_carbonstop_factors_and_ratios():
    rows = {r.key: r for r in methodology.carbonstop()}
    assert {k: str(r.value) for k, r in rows.items()} == {
        "carbonstop:flight": "0.275", "carbonstop:train": "0.0086", "carbonstop:bus": "0.013",
        "carbonstop:car": "0.297", "carbonstop:natural_gas": "2.189", "carbonstop:electricity": "0.997"}
    # by hand: 0.275 / 0.10916 = 2.519; 0.0086 / 0.03546 = 0.243; 0.297 / 0.16272 = 1.825; 0.997 / 0.5306 = 1.879
    assert [rows[k].ratio for k in ("carbonstop:flight", "carbonstop:train", "carbonstop:car",
                                    "carbonstop:electricity")] == [D("2.52"), D("0.24"), D("1.83"), D("1.88")]
    assert all(r.why for r in rows.values())


def test_pek_ctu_and_chengdu_chongqing_under_each_source():
    flight, hsr = methodology.china_examples()
    assert flight.item.factor.id == "flight:international:economy:rf"
    assert flight.carbonstop == flight.item.distance_km * D("0.275")
    assert hsr.item.factor.id == "rail_hsr:default"
    # rail: great-circle x 1.2 detour, times DESNZ national rail 0.03546 (ours) or 0.0086 (Carbonstop)
    assert hsr.ours == hsr.item.quantity * D("0.03546") and hsr.carbonstop == hsr.item.quantity * D("0.0086")


def test_every_change_has_its_before_and_after():
    changes = {c.key: c for c in methodology.changes()}
    assert changes["change:ev"].after == "0.10982 kg"
    assert changes["change:haul"].after == "463.2 kg and 465.3 kg"
    assert changes["change:province"].after == "15.64 kg (Sichuan)"
    assert changes["change:tofu"].after == "0.8375 kg"
    assert changes["change:diet"].after == "2,055.0 kg"  # 1,095 x 1.8767 = 2,054.9865
    assert changes["change:world"].after == "4.6 t"
    with (fp.DATA_DIR / "method_changes.csv").open(encoding="utf-8") as f:
        assert [r["key"] for r in csv.DictReader(f)] == list(changes)

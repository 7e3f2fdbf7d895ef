"""The whole event's footprint (issue #25 item 1): a worked example per category from its cited factor,
the coverage and the badge's words."""
from decimal import Decimal

import pytest

from app.services.footprint import event_estimate as ee
from app.services.footprint.factors import GRIDS, factor

GRID_CODES = frozenset(code for code, _label in GRIDS)
D = Decimal


def lines(form: dict, country: str = "CN") -> dict[str, ee.EstimateLine]:
    return {line.category: line for line in ee.lines_for(ee.clean(form, GRID_CODES), country)}


def test_our_new_rows_carry_desnz_2025_with_source_and_unit():
    for factor_id, value, unit in ((ee.WASTE, "520.5327", "kg CO2e per tonne"), (ee.WATER, "0.1913", "kg CO2e per m3"),
                                   (ee.PAPER, "1345.0779", "kg CO2e per tonne"),
                                   (ee.FREIGHT, "0.10163", "kg CO2e per tonne.km")):
        f = factor(factor_id)
        assert (f.value, f.unit, f.edition, f.year) == (D(value), unit, "DESNZ 2025", 2025)
        assert f.source.startswith("UK Government GHG Conversion Factors for Company Reporting 2025")


@pytest.mark.parametrize("form, category, expected", [
    # 500 kg of waste = 0.5 t x 520.5327 kg/t to landfill
    ({"waste_kg": "500"}, "waste", D("260.26635")),
    # 20 m3 x 0.1913 kg/m3
    ({"water_m3": "20"}, "water", D("3.826")),
    # 50 kg of paper = 0.05 t x 1,345.0779 kg/t
    ({"paper_kg": "50"}, "paper", D("67.253895")),
    # 2,000 t.km x 0.10163 kg per t.km
    ({"freight_tkm": "2,000"}, "freight", D("203.26")),
])
def test_our_rows_by_hand(form, category, expected):
    line = lines(form)[category]
    assert line.kg == expected
    assert "DESNZ" in line.factor_source or "UK Government" in line.factor_source


def test_travel_hotel_energy_and_meals_by_hand_from_the_factor_files():
    """The factors other helpers may change are read through the lookup; the arithmetic is by hand."""
    got = lines({"days": "2", "local-count": "100", "local-km": "10", "rail-count": "50", "rail-km": "300",
                 "air-count": "20", "air-km": "1500", "international-count": "5", "international-km": "8000",
                 "electricity": "1000", "grid": "CN-SOUTHWEST", "meals-beef": "10", "meals-vegan": "4",
                 "staff_rail-count": "3", "staff_rail-km": "300", "staff_air-count": "2", "staff_air-km": "1000"})
    bus, rail = factor("bus:default").value, factor("rail:default").value
    flight = factor("flight:international:economy:rf").value  # a flight within China: DESNZ's non-UK factor
    # locals: 100 people x 2 days x there and back 10 km
    assert got["attendees_local"].kg == 100 * 2 * 2 * 10 * bus
    assert got["attendees_rail"].kg == 50 * 2 * 300 * rail
    assert got["attendees_air"].kg == 20 * 2 * 1500 * flight
    assert got["attendees_international"].kg == 5 * 2 * 8000 * flight
    # travellers (50 + 20 + 5) x 1 night (2 days) x a room night in China
    assert got["attendees_hotel"].kg == 75 * 1 * factor("hotel:CN").value
    assert got["venue_energy"].kg == 1000 * factor("electricity:grid:CN-SOUTHWEST").value
    assert got["catering"].kg == 10 * factor("meal:beef").value + 4 * factor("meal:vegan").value
    assert got["staff_travel"].kg == 3 * 2 * 300 * rail + 2 * 2 * 1000 * flight
    assert str(factor("hotel:CN").value) in got["attendees_hotel"].factor_source
    assert list(got) == [c for c in ee.CATEGORIES if c in got]  # the stable order
    assert all(isinstance(line.kg, Decimal) for line in got.values())


def test_a_flight_within_the_uk_takes_the_domestic_factor():
    got = lines({"air-count": "10", "air-km": "500"}, country="GB")
    assert got["attendees_air"].kg == 10 * 2 * 500 * factor("flight:domestic:economy:rf").value


def test_nights_can_be_given_and_locals_sleep_at_home():
    got = lines({"days": "3", "nights": "0", "local-count": "10", "local-km": "5", "rail-count": "4",
                 "rail-km": "100"})
    assert "attendees_hotel" not in got
    got = lines({"days": "3", "local-count": "10", "local-km": "5", "rail-count": "4", "rail-km": "100"})
    assert got["attendees_hotel"].kg == 4 * 2 * factor("hotel:CN").value  # 3 days: 2 nights, locals none


@pytest.mark.parametrize("form, field", [
    ({"waste_kg": "-1"}, "waste_kg"), ({"days": "0"}, "days"), ({"rail-count": "2.5"}, "rail-count"),
    ({"water_m3": "lots"}, "water_m3"), ({"grid": "MARS"}, "grid"), ({"air-km": "50000"}, "air-km"),
    ({"paper_kg": "NaN"}, "paper_kg"),
])
def test_bad_input_names_its_field(form, field):
    with pytest.raises(ee.EstimateError) as caught:
        ee.clean(form, GRID_CODES)
    assert field in caught.value.errors


def test_clean_keeps_only_known_fields_and_plain_numbers():
    assert ee.clean({"electricity": "1,000", "evil": "1", "days": ""}, GRID_CODES) == {"electricity": "1000"}


# --------------------------------------------------------------------------
# Coverage and the badge
# --------------------------------------------------------------------------

LINES = [ee.EstimateLine("attendees_rail", "x", D(1000), ""), ee.EstimateLine("venue_energy", "y", D(400), ""),
         ee.EstimateLine("waste", "z", D(100), "")]  # attendees 1,000 kg; operations 500 kg


def test_coverage_sums_and_shares():
    cov = ee.coverage_of(LINES, D(370), D(500), D(0))
    assert (cov.estimate_kg, cov.attendees_estimate_kg, cov.operations_estimate_kg) == (1500, 1000, 500)
    assert cov.neutralized_kg == 870 and cov.share == D(870) / D(1500) and cov.percent == 58
    assert ee.coverage_of(LINES, D(5000), D(0), D(0)).share == 1  # never above 100 %
    assert ee.coverage_of([], D(5), D(0), D(0)).share is None


@pytest.mark.parametrize("visitors, operations, expected", [
    (0, 0, None),  # nothing neutralized: no badge, never "neutral" at 0 t
    (0, 500, ee.Badge(False, "neutral", None, None, None)),  # operations only
    (370, 0, ee.Badge(False, None, None, "partial", 37)),  # attendees 37 %
    (370, 500, ee.Badge(False, "neutral", None, "partial", 37)),
    (1000, 200, ee.Badge(False, "partial", 40, "neutral", None)),
    (1000, 500, ee.Badge(True, None, None, None, None)),  # fully neutral
    (3, 0, ee.Badge(False, None, None, "partial", 1)),  # 0.3 % shows as 1 %, never 0 % neutral
    (999, 0, ee.Badge(False, None, None, "partial", 99)),  # 99.9 % rounds down
])
def test_badge_words(visitors, operations, expected):
    assert ee.badge(ee.coverage_of(LINES, D(visitors), D(operations), D(0))) == expected


def test_badge_without_an_estimate_names_only_the_organizers_operations():
    assert ee.badge(ee.coverage_of([], D(0), D(300), D(0))) == ee.Badge(False, "neutral", None, None, None)
    assert ee.badge(ee.coverage_of([], D(300), D(0), D(0))) is None


def test_sponsors_count_for_the_attendees():
    assert ee.badge(ee.coverage_of(LINES, D(500), D(500), D(500))).full


@pytest.mark.parametrize("operations_paid, top_up", [(0, 500), (200, 300), (500, 0), (800, 0)])
def test_top_up_is_the_difference_never_negative(operations_paid, top_up):
    assert ee.operations_top_up_kg(ee.coverage_of(LINES, D(0), D(operations_paid), D(0))) == top_up


def test_top_up_rounds_the_estimate_up_to_whole_kilograms():
    cov = ee.coverage_of([ee.EstimateLine("water", "w", D("3.4176"), "")], D(0), D(0), D(0))
    assert ee.operations_top_up_kg(cov) == 4

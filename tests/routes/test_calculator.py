"""The calculator of every scenario: its sections, the venue as destination, the live total, meals and
baskets, bad input (one true message per field)."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.models import Footprint, Order
from app.services import footprint
from app.web.calculator_form import form_for, read_legs, to_engine_input
from app.web.template_helpers import kg
from tests.routes.test_visitor_flow import calculator_form

SECTION_IDS = re.compile(r'id="(sec-\w+|more-\w+)"')


def sections(html: str) -> list[str]:
    """Section ids in page order; an optional (folded) section shows as more-<name> then sec-<name>."""
    return SECTION_IDS.findall(html)


def total(html: str) -> str:
    return re.search(r'<p class="total-value"><strong>([^<]+)</strong>', html).group(1)


@pytest.mark.parametrize(
    ("scenario", "expected"),
    [
        ("conference", ["sec-travel", "sec-hotel", "more-meals", "sec-meals"]),
        ("scenic", ["sec-travel", "sec-hotel"]),
        ("hotel", ["sec-hotel", "sec-travel"]),
        ("restaurant", ["sec-meals", "more-travel", "sec-travel"]),
        ("supermarket", ["sec-basket", "more-travel", "sec-travel"]),
        ("other", ["sec-travel", "sec-hotel"]),
    ],
)
def test_each_scenario_renders_its_sections_in_order(client, make_event, make_project, scenario, expected):
    make_event(slug="here", scenario=scenario)
    make_project()
    html = client.get("/e/here/calculate").get_data(as_text=True)
    assert sections(html) == expected
    assert 'name="legs-0-to" value="Chengdu"' in html  # the venue is the destination in every scenario
    assert "Choose a project" in html and "Neutralize and pay" in html


def test_optional_sections_start_folded_and_open_once_filled(client, make_event, make_project):
    make_event(slug="teahouse", scenario="restaurant")
    project = make_project()
    html = client.get("/e/teahouse/calculate").get_data(as_text=True)
    assert '<details class="optional" id="more-travel" >' in html
    form = {"leg_count": "1", "legs-0-mode": "taxi", "legs-0-distance_km": "12", "meals-vegan": "1",
            "project": str(project.id)}
    html = client.post("/e/teahouse/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert '<details class="optional" id="more-travel" open>' in html


def test_a_section_holding_values_is_shown_in_any_scenario(client, make_event, make_project):
    make_event(slug="mountain", scenario="scenic")
    make_project()
    form = {"leg_count": "0", "meals-fish": "2", "energy-electricity": "30", "energy-grid": "CN-SOUTHWEST"}
    html = client.post("/e/mountain/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert sections(html) == ["sec-travel", "sec-hotel", "sec-meals", "sec-energy"]
    assert 'name="meals-fish" value="2"' in html
    assert '<option value="CN-SOUTHWEST" selected>' in html


def test_meals_total_matches_the_engine_and_htmx_gets_only_the_result(htmx, make_event, make_project):
    make_event(slug="teahouse", scenario="restaurant")
    project = make_project()
    form = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-to": "Chengdu", "meals-vegan": "2",
            "meals-red_meat": "1", "project": str(project.id)}
    response = htmx.post("/e/teahouse/calculate", data=form, headers={"HX-Target": "result"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="result"') and "<html" not in body and 'id="sec-meals"' not in body
    expected = footprint.estimate({"meals": [{"kind": "vegan", "count": 2}, {"kind": "red_meat", "count": 1}]})
    # Portions x Poore & Nemecek 2018 (meal_portions.csv): a vegan meal is 0.1 kg tofu x 3.16 (carbondot-3, issue #27)
    # + 0.1 kg rice x 4.45 + 0.15 kg brassicas x 0.51 = 0.8375; red meat is 0.05 kg beef x 99.48 + 0.05 kg lamb x 39.72
    # + 0.445 + 0.0765 = 7.4815. Two vegan and one red-meat meal: 1.675 + 7.4815 = 9.1565 kg.
    assert expected.total_kg == Decimal("9.1565")
    assert total(body) == kg(expected.total_kg)
    assert "Meals: vegan (tofu) × 2" in body and "Poore" in body


def test_basket_total_matches_the_engine_and_checkout_stores_it(client, db, make_event, make_project):
    make_event(slug="market", scenario="supermarket")
    project = make_project()
    form = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-to": "Chengdu", "basket-beef": "0.5",
            "basket-rice": "2", "basket-coffee": "0.25", "project": str(project.id)}
    html = client.post("/e/market/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    data = {"basket": [{"category": "beef", "amount": "0.5"}, {"category": "rice", "amount": "2"},
                       {"category": "coffee", "amount": "0.25"}]}
    expected = footprint.estimate(data).total_kg
    assert expected == Decimal("0.5") * Decimal("99.48") + 2 * Decimal("4.45") + Decimal("0.25") * Decimal("28.53")
    assert total(html) == kg(expected)
    assert '<details class="more" open>' in html  # coffee sits under "more kinds of food"

    response = client.post("/e/market/checkout", data=form)
    assert response.status_code == 303
    saved = db.session.scalar(select(Footprint))
    assert saved.inputs["basket"] == data["basket"]
    assert db.session.scalar(select(Order)).kg == 66  # 65.7725 kg, credits are whole kilograms rounded up


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("meals-fish", "lots", "Meals must be a whole number between 0 and"),
        ("meals-vegan", "2.5", "Meals must be a whole number"),
        ("basket-beef", "-1", "Amount must be between 0 and 1,000 kg"),
        ("energy-electricity", "abc", "Energy used must be between 0 and"),
    ],
)
def test_bad_input_is_422_naming_the_field_and_creates_no_order(client, htmx, db, make_event, make_project, field,
                                                                value, message):
    make_event(slug="teahouse", scenario="restaurant")
    project = make_project()
    form = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-to": "Chengdu", "meals-vegan": "1",
            "project": str(project.id), field: value}
    response = client.post("/e/teahouse/checkout", data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in html
    assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true" aria-describedby="err-{field}"', html)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0
    assert db.session.scalar(select(func.count()).select_from(Footprint)) == 0

    live = htmx.post("/e/teahouse/calculate", data=form, headers={"HX-Target": "result"})
    assert live.status_code == 422 and message in live.get_data(as_text=True)


def test_error_marks_the_right_leg_when_an_earlier_one_is_blank(client, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    form = {"leg_count": "2", "legs-0-mode": "flight", "legs-0-to": "Chengdu", "legs-1-mode": "flight",
            "legs-1-from": "Atlantis-on-Sea", "legs-1-to": "Chengdu", "project": str(project.id)}
    html = client.post("/e/forum/checkout", data=form).get_data(as_text=True)
    assert 'aria-describedby="err-legs-1-from"' in html
    assert 'aria-describedby="err-legs-0-from"' not in html


def test_hotel_scenario_counts_nights_first(client, make_event, make_project):
    make_event(slug="stay", scenario="hotel")
    project = make_project()
    form = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-to": "Chengdu", "hotel-nights": "3",
            "hotel-country": "CN", "project": str(project.id)}
    html = client.post("/e/stay/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert total(html) == kg(3 * Decimal("53.5"))
    assert "Published factors do not differ by hotel class" in html


def test_life_event_calculator_is_the_life_page(client, make_event):
    make_event(slug="life", scenario="other", name="Life carbon footprint")
    response = client.get("/e/life/calculate")
    assert response.status_code == 303 and response.headers["Location"].endswith("/life")


def test_form_for_is_the_inverse_of_to_engine_input(make_event):
    event = make_event()
    data = {
        "legs": [
            {"mode": "car", "distance_km": "8000", "fuel": "electric", "country": "CN"},
            {"mode": "flight", "distance_km": "1500", "cabin": "economy", "return": True, "trips": "0.333",
             "country": "CN"},
        ],
        "hotel_nights": [{"country": "JP", "nights": "2"}],
        "meals": [{"kind": "vegetarian", "count": "91"}],
        "basket": [{"category": "tofu", "amount": "1.5"}],
        "energy": [{"kind": "electricity", "amount": "200", "grid": "CN-EAST"},
                   {"kind": "natural_gas", "amount": "50", "unit": "m3"}],
        "radiative_forcing": True,
    }
    form = form_for(data)
    back = to_engine_input(read_legs(form, event), form)
    assert {k: v for k, v in back.items() if k != "legs"} == {k: v for k, v in data.items() if k != "legs"}
    for sent, got in zip(data["legs"], back["legs"], strict=True):
        assert sent.items() <= got.items()  # the form adds only its defaults (cabin, fuel, occupants)
    assert footprint.estimate(back).total_kg == footprint.estimate(data).total_kg


def test_a_travel_only_form_sends_only_travel_to_the_engine(make_event):
    form = MultiDict({"leg_count": "1", "legs-0-mode": "taxi", "legs-0-distance_km": "20", "rf_shown": "1"})
    data = to_engine_input(read_legs(form, make_event()), form)
    assert set(data) == {"legs", "radiative_forcing"}
    assert "trips" not in data["legs"][0] and "country" not in data["legs"][0]


def test_the_venue_with_its_coordinates_is_the_default_destination(client, make_event, make_project):
    make_event(slug="mountain", scenario="scenic", venue_name="Mount Qingcheng Scenic Area", venue_code="Chengdu",
               venue_lat=30.9007, venue_lon=103.5706)
    make_project()
    text = client.get("/e/mountain/calculate").get_data(as_text=True)
    assert 'name="legs-0-to" value="Mount Qingcheng Scenic Area"' in text  # the name; its coordinates stay ours
    # Typed or left as shown, the name is the gate by its coordinates (not Chengdu to Chengdu, which is refused)
    for to in ("Mount Qingcheng Scenic Area", "mount qingcheng scenic area ",
               "Mount Qingcheng Scenic Area @30.9007,103.5706"):
        form = {"leg_count": "1", "legs-0-mode": "taxi", "legs-0-from": "Chengdu", "legs-0-to": to}
        html = client.post("/e/mountain/calculate", data=form, follow_redirects=True).get_data(as_text=True)
        assert "starts and ends at the same place" not in html
        assert not re.search(r"<strong>0 kg</strong>", html)
        assert "Chengdu → Mount Qingcheng Scenic Area" in html


FIELDS = {  # form field -> extra fields that make it counted
    "hotel-nights": {},
    "meals-vegan": {},
    "basket-beef": {},
    "energy-electricity": {},
    "energy-gas": {},
    "legs-0-distance_km": {"legs-0-mode": "taxi", "legs-0-from": ""},
    "legs-0-occupants": {"legs-0-mode": "car", "legs-0-distance_km": "10", "legs-0-from": ""},
}
WHOLE = ("hotel-nights", "meals-vegan", "legs-0-occupants")
BAD = ["abc", "2.5", "-1", "-2.5", "99999999", "1e400", "nan", "1,5"]


def test_one_true_error_per_field(htmx, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    for name, extra in FIELDS.items():
        messages = set()
        for value in BAD:
            form = calculator_form(project.id, **{"hotel-nights": ""}, **extra)
            form[name] = value
            response = htmx.post("/e/forum/calculate", data=form, headers={"HX-Target": "calc-body"})
            body = response.get_data(as_text=True)
            found = re.search(r'<p class="error" id="err-[^"]*">([^<]+)</p>', body)
            if value == "2.5" and name not in WHOLE:
                assert response.status_code == 200, (name, value)  # a valid decimal
                continue
            assert response.status_code == 422 and found, (name, value)
            messages.add(found.group(1))
        assert len(messages) == 1, (name, messages)

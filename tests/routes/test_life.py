"""The life carbon footprint page: live annual tonnes, the averages, and neutralizing a month or a year
through the life event's normal checkout."""
import re
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from app.models import Footprint, Order
from app.services import footprint
from app.services.footprint import life
from app.services.sales import money

ANSWERS = {
    "electricity": "200", "grid": "CN-EAST", "gas": "50", "car_km": "8000", "car_fuel": "petrol",
    "flights_short": "4", "flights_long": "1", "food": "diet", "diet": "chicken",
}


@pytest.fixture
def life_event(make_event):
    return make_event(slug="life", name="Life carbon footprint", scenario="other", venue_name="Everyday life",
                      venue_code="", city="")


def engine_total(answers: dict, period: str) -> Decimal:
    return footprint.estimate(life.engine_input(life.parse_answers(answers), period)).total_kg


def hidden_fields(html: str) -> dict:
    return dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', html))


def test_life_page_asks_about_everyday_life_and_shows_the_averages(client, life_event, make_project):
    make_project()
    html = client.get("/life").get_data(as_text=True)
    for name in ("electricity", "grid", "gas", "car_km", "car_fuel", "flights_short", "flights_long", "diet",
                 "basket-pork"):
        assert f'name="{name}"' in html
    assert 'hx-trigger="input changed delay:300ms, change"' in html
    assert "Update total" in html  # the no-JavaScript path
    assert "Average person in China" in html and "8.4 t" in html
    assert "Average person in the world" in html and "4.6 t" in html  # GCB 2024: 37.1 Gt / 8.06 bn (issue #27)
    assert "Global Carbon Budget" in html


def test_live_result_is_a_fragment_and_matches_the_engine(htmx, client, life_event):
    response = htmx.post("/life", data=ANSWERS, headers={"HX-Target": "life-result"})
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="life-result"') and "<html" not in body
    year = engine_total(ANSWERS, "year")
    shown = (year / 1000).quantize(Decimal("0.1"))
    assert f"<strong>{shown} t</strong>" in body
    assert "Electricity, 2,400 kWh, East China grid" in body
    assert "Flight, 1,500 km within CN, economy, return × 4" in body
    assert f"Neutralize a year <span class=\"sub\">{money.kg_to_buy(year) / 1000:.3f}".rstrip("0") in body
    assert "<html" in client.post("/life", data=ANSWERS).get_data(as_text=True)


def test_the_year_is_every_part_added_up(life_event):
    year = engine_total(ANSWERS, "year")
    expected = (
        2400 * Decimal("0.5500")  # East China grid, MEE 2023
        + 600 * Decimal("0.18296")  # natural gas, DESNZ 2025
        + 8000 * Decimal("0.16272")  # petrol car, DESNZ 2025
        + 4 * 2 * 1500 * Decimal("0.10916")  # short return flights within China: DESNZ non-UK, with RF
        + 1 * 2 * 8000 * Decimal("0.10916")  # long: DESNZ non-UK, with RF
        # "Some meat, mostly pork or chicken" is a medium meat-eater since carbondot-3 (issue #27):
        + 1095 * Decimal("1.8767")  # a year of it (Scarborough 2014, 5.63 kg/day / 3 = 1.87666... -> 1.8767)
    )
    assert year == expected
    month = engine_total(ANSWERS, "month")
    assert abs(month * 12 - year) / year < Decimal("0.01")


def test_food_is_counted_one_way_only(client):
    basket = {"food": "basket", "diet": "red_meat", "basket-beef": "0.2", "basket-rice": "1"}
    data = life.engine_input(life.parse_answers(basket), "year")
    assert "meals" not in data and {b["category"] for b in data["basket"]} == {"beef", "rice"}
    diet = {**basket, "food": "diet"}
    data = life.engine_input(life.parse_answers(diet), "year")
    # A diet is priced as a diet (Scarborough's high meat-eaters), not as 1,095 single red-meat meals.
    assert "basket" not in data and data["meals"] == [{"kind": "diet_high_meat", "count": "1095"}]


def test_electric_car_in_china_runs_on_chinas_grid():
    data = life.engine_input(life.parse_answers({"car_km": "10000", "car_fuel": "electric", "diet": "vegan"}), "year")
    item = footprint.estimate(data).items[0]
    assert item.factor.id == "car:electric:CN"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [("electricity", "lots", "Electricity must be a number"), ("flights_long", "1.5", "must be a whole number"),
     ("car_km", "-5", "Distance must be between 0 and 200,000"), ("grid", "MARS", "Choose one of")],
)
def test_bad_input_is_422_naming_the_field(client, life_event, field, value, message):
    response = client.post("/life", data={**ANSWERS, field: value})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and message in html
    if field != "grid":
        assert re.search(rf'id="{field}" name="{field}"[^>]*aria-invalid="true"', html)
    neutralize = client.post("/life/neutralize", data={**ANSWERS, field: value, "period": "year"})
    assert neutralize.status_code == 422


@pytest.mark.parametrize("period", ["month", "year"])
def test_neutralize_goes_through_the_normal_checkout(client, db, life_event, make_project, period):
    project = make_project(price=5000)
    page = client.post("/life/neutralize", data={**ANSWERS, "period": period})
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f'action="/e/{life_event.slug}/checkout"' in html
    fields = hidden_fields(html)
    assert fields["energy-grid"] == "CN-EAST" and fields["rf_shown"] == "1"
    total = engine_total(ANSWERS, period)
    kg = money.kg_to_buy(total)
    price = money.price(kg, 5000, "CNY", 10)
    assert price.amount_minor and money.format_money(price.amount_minor, "CNY") in html

    fields.update(project=str(project.id), display_name="Lin Wei", show_on_board="on")
    response = client.post(f"/e/{life_event.slug}/checkout", data=fields)
    assert response.status_code == 303 and "/pay/" in response.headers["Location"]
    order = db.session.scalar(select(Order))
    assert order.kg == kg and order.amount_minor == price.amount_minor and order.event_id == life_event.id
    saved = db.session.scalar(select(Footprint))
    sent = life.engine_input(life.parse_answers(ANSWERS), period)
    assert {k: v for k, v in saved.inputs.items() if k != "legs"} == {k: v for k, v in sent.items() if k != "legs"}
    assert footprint.estimate(saved.inputs).total_kg == total  # the calculator form only adds its defaults
    assert saved.total_kg == total.quantize(Decimal("0.001"))


def test_without_the_life_event_there_is_nothing_to_buy(client, db):
    html = client.get("/life").get_data(as_text=True)
    assert "Neutralize a year" not in html
    assert client.post("/life/neutralize", data={**ANSWERS, "period": "year"}).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_methodology_lists_every_factor_by_category_with_the_averages(client):
    html = client.get("/methodology").get_data(as_text=True)
    for category in ("transport", "hotel", "meal", "basket", "electricity", "fuel", "param"):
        assert f'id="cat-{category}"' in html
    for f in footprint.factor_table():
        assert f"<code>{f.id}</code>" in html
    assert "electricity:grid:CN-SOUTHWEST" in html and "MEE 2023" in html and "DESNZ 2025" in html
    assert "Chinese resident&#39;s home electricity" in html or "Chinese resident's home electricity" in html
    assert "Global Carbon Budget 2024" in html and "8.4" in html and "4.7" in html


def test_a_refused_life_checkout_keeps_every_part_of_the_footprint(client, db, life_event, make_project):
    tiny = make_project(quantity=5, name="Tiny Biogas")
    html = client.post("/life/neutralize", data={**ANSWERS, "period": "year"}).get_data(as_text=True)
    fields = {**hidden_fields(html), "project": str(tiny.id)}
    response = client.post(f"/e/{life_event.slug}/checkout", data=fields)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "does not have enough credits left" in page
    # The calculator shows every section that holds a value, so a second try sends the same footprint.
    for section in ("sec-travel", "sec-meals", "sec-energy"):
        assert f'id="{section}"' in page
    assert 'name="energy-electricity" value="2400"' in page and 'name="meals-diet_medium_meat" value="1095"' in page
    assert 'name="legs-1-trips" value="4"' in page and 'name="legs-1-country" value="CN"' in page
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


@pytest.mark.parametrize("period", ["month", "year"])
def test_the_life_page_and_the_next_page_name_the_same_kilograms(client, life_event, make_project, period):
    """The kilograms offered on the life page are the ones the next page sells (not 472 then 471)."""
    make_project(price=5000)
    kg = money.kg_to_buy(engine_total(ANSWERS, period))
    life_page = client.post("/life", data=ANSWERS).get_data(as_text=True)
    shown = f"{kg:,} kg" if period == "month" else f"{kg / 1000:.1f} t"
    assert shown in life_page or f"{kg / 1000:.2f} t" in life_page
    html = client.post("/life/neutralize", data={**ANSWERS, "period": period}).get_data(as_text=True)
    total = re.search(r'<p class="total-value"><strong>([^<]+)</strong>', html).group(1)
    assert total.replace("\u202f", " ") in (f"{kg:,} kg", f"{kg / 1000:.1f} t", f"{kg / 1000:.2f} t",
                                           f"{kg / 1000:.3f} t"), (total, kg)


def test_the_life_certificate_does_not_say_at_life_carbon_footprint(app, client, db, life_event, make_project):
    """A life certificate names no event (it once read "at Life carbon footprint")."""
    from app.services.certificates import content
    from app.web import public_url

    project = make_project(price=5000)
    html = client.post("/life/neutralize", data={**ANSWERS, "period": "month"}).get_data(as_text=True)
    fields = hidden_fields(html)
    fields.update(project=str(project.id))
    response = client.post(f"/e/{life_event.slug}/checkout", data=fields)
    public_id = re.search(r"/pay/(ord_[^/]+)", response.headers["Location"]).group(1)
    page = client.post(f"/pay/{public_id}/demo", data={"outcome": "paid"}, follow_redirects=True)
    text = page.get_data(as_text=True)
    assert f"at {life_event.name}" not in text
    assert "of your everyday life" in text
    order = db.session.scalar(select(Order))
    with app.test_request_context():
        assert content.build(order.certificate, public_url).artwork().event_name == ""

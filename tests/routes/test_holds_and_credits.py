"""Through HTTP: holds sized to people and the credits the minimum charge buys."""
import re

import pytest
from flask import g
from sqlalchemy import func, select

from app.models import Order, utcnow
from app.services.sales import ledger


def held(db, project) -> int:
    return ledger.stock(db.session, [project.id], utcnow())[project.id].held_kg


@pytest.fixture
def share_5(app):
    app.config["HOLD_SHARE_PERCENT"] = 5  # the server default (TestingConfig turns it off for small test projects)
    return app


def test_api_minimum_charge_orders_report_kg_and_credits_kg(client, db, make_event, make_project):
    # One chicken meal (about 2 kg) at ¥42/t: ¥0.09, raised to the ¥4.00 minimum, which buys
    # floor(400 x 1000 / 4200) = 95 kg. `kg` stays what was asked, `credits_kg` is what is retired.
    make_event(slug="forum")
    project = make_project(quantity=1000, price=4200)
    created = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 2})
    assert created.status_code == 201
    order = created.get_json()
    assert (order["kg"], order["credits_kg"], order["amount_minor"]) == (2, 95, 400)
    assert client.get("/api/v1/projects").get_json()["projects"][0]["kg_left"] == 905  # 95 held, not 2
    client.post(f"/api/v1/orders/{order['id']}/demo-pay", json={"outcome": "paid"})
    token = client.get(f"/api/v1/orders/{order['id']}").get_json()["certificate_token"]
    cert = client.get(f"/api/v1/certificates/{token}").get_json()
    assert cert["kg"] == 95
    assert cert["serials"] == [{"batch": "T1-0", "first": "T1-0-0000001000", "last": "T1-0-0000001094"}]
    assert client.get("/api/v1/events/forum/board").get_json()["entries"][0]["kg"] == 95
    assert "95 kg" in client.get(f"/c/{token}").get_data(as_text=True)


def test_the_calculator_says_what_the_minimum_buys_before_paying(client, make_event, make_project):
    make_event(slug="diner", scenario="restaurant")
    make_project(quantity=1000, price=4200)
    form = {"leg_count": "1", "legs-0-mode": "flight", "meals-chicken": "1"}
    page = client.post("/e/diner/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert "¥4.00 minimum: retires 95\u00a0kg, 93\u00a0kg more than your footprint." in page  # kg never wraps alone


def test_a_huge_api_order_is_refused_and_holds_nothing(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project(quantity=1_000_000)
    refused = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 1_000_000})
    assert refused.status_code == 422
    assert refused.get_json()["error"]["code"] == "order_too_large"
    assert refused.get_json()["error"]["field"] == "kg"
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_api_clients_behind_one_address_each_hold_their_own_share(client, app, db, share_5, make_event,
                                                                   make_project):
    """A venue's network is one address: a second phone there is not refused for the first one's hold."""
    make_event(slug="forum")
    project = make_project(quantity=100_000)  # 5 % = 5,000 kg per visitor
    assert client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 4_000}).status_code == 201
    g.pop("participant", None)  # tests share one app context: forget the cached participant
    stranger = app.test_client()  # no cookie: a new participant, the same address
    assert stranger.post("/api/v1/orders", json={"event": "forum", "project": project.id,
                                                 "kg": 4_000}).status_code == 201
    g.pop("participant", None)
    refused = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 5_001})
    assert refused.status_code == 429
    error = refused.get_json()["error"]
    assert (error["code"], error["limit_kg"]) == ("hold_share_exceeded", 5_000)
    assert held(db, project) == 8_000


def test_a_second_form_checkout_replaces_the_first_hold(client, db, make_event, make_project):
    from tests.routes.test_visitor_flow import calculator_form
    make_event(slug="forum")
    project = make_project(quantity=100_000)
    assert client.post("/e/forum/checkout", data=calculator_form(project.id)).status_code == 303
    assert client.post("/e/forum/checkout", data=calculator_form(project.id)).status_code == 303
    statuses = db.session.scalars(select(Order.status).order_by(Order.id)).all()
    assert statuses == ["cancelled", "pending"]


def test_the_form_shows_the_share_refusal(client, db, share_5, make_event, make_project):
    from tests.routes.test_visitor_flow import calculator_form
    make_event(slug="forum")
    project = make_project(quantity=4_000)  # 5 % = 200 kg; PEK-CTU return and 2 nights are more
    refused = client.post("/e/forum/checkout", data=calculator_form(project.id))
    assert refused.status_code == 422
    # The calculator knows the share before the hold is tried (checkout.offers), and says so.
    assert "One buyer may hold at most 200\u00a0kg of that project at once" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_the_form_refuses_more_than_a_personal_footprint(client, db, make_event, make_project):
    from tests.routes.test_visitor_flow import calculator_form
    make_event(slug="forum")
    project = make_project(quantity=1_000_000)
    form = calculator_form(project.id, **{"legs-0-to": "JFK", "legs-0-cabin": "business", "legs-0-trips": "3"})
    refused = client.post("/e/forum/checkout", data=form)  # three business-class PEK-JFK returns: about 21 t
    assert refused.status_code == 422
    assert "One personal order can neutralize at most 20,000 kg" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_the_calculator_offers_a_small_project_only_up_to_one_buyers_share(share_5, client, make_event,
                                                                           make_project):
    # 500 kg at ¥95/t: 5 % is 25 kg, one ¥4.00 minimum buys floor(400 x 1000 / 9500) = 42 kg, so one
    # buyer may hold 42 kg. A 65 km taxi (65 x 0.20805 = 13.52 kg) fits; 650 km (135.2 kg) does not.
    make_event(slug="mountain", scenario="scenic")
    small = make_project(quantity=500, price=9500)
    big = make_project(quantity=100_000, price=9500)
    form = {"leg_count": "1", "legs-0-mode": "taxi", "legs-0-distance_km": "650"}
    html = client.post("/e/mountain/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert "At most 42\u00a0kg per buyer" in html
    assert re.search(rf'value="{small.id}"\s+disabled', html) and re.search(rf'value="{big.id}"\s+checked', html)
    refused = client.post("/e/mountain/checkout", data={**form, "project": str(small.id)})
    assert refused.status_code == 422  # chosen before the footprint grew: refused, and why
    assert "One buyer may hold at most 42\u00a0kg of that project at once" in refused.get_data(as_text=True)
    form["legs-0-distance_km"] = "65"
    html = client.post("/e/mountain/calculate", data=form, follow_redirects=True).get_data(as_text=True)
    assert "per buyer" not in html

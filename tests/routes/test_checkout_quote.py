"""One calculation per checkout: the page's quote (footprint, whole kilograms, every project
priced) is what the order takes, so the engine runs once and the projects on offer are read
once; and one "nothing to buy" rule refuses an empty footprint on every page and in the API."""
from collections import Counter

import pytest
from sqlalchemy import func, select

from app.models import Order, Organization
from app.services import footprint
from app.services.sales import checkout, orders
from tests.accounts import login_as, make_user
from tests.routes.test_kiosk import WALKUP
from tests.routes.test_organizer import OPS
from tests.routes.test_visitor_flow import calculator_form


@pytest.fixture
def calls(monkeypatch):
    """How often a request runs the footprint engine and reads the projects on offer."""
    counted = Counter()
    estimate, offered = footprint.estimate, orders.offered_projects

    def counting_estimate(*args, **kwargs):
        counted["estimate"] += 1
        return estimate(*args, **kwargs)

    def counting_offered(*args, **kwargs):
        counted["offered_projects"] += 1
        return offered(*args, **kwargs)

    monkeypatch.setattr(footprint, "estimate", counting_estimate)
    monkeypatch.setattr(orders, "offered_projects", counting_offered)
    return counted


@pytest.fixture
def organizer_event(db, client, make_event):
    user = make_user(db, "ann@example.com")
    organization = Organization(name="Acme Events")
    db.session.add(organization)
    organization.members.append(user)
    db.session.commit()
    login_as(client, user)
    return make_event(slug="summit", organization_id=organization.id)


def orders_count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_a_visitor_checkout_calculates_once(client, db, make_event, make_project, calls):
    make_event(slug="forum")
    project = make_project()
    calls.clear()
    response = client.post("/e/forum/checkout", data=calculator_form(project.id))
    assert response.status_code == 303 and orders_count(db) == 1
    assert calls == {"estimate": 1, "offered_projects": 1}


def test_a_kiosk_order_calculates_once(client, db, make_event, make_project, calls):
    project = make_project()
    make_event(slug="forum")
    calls.clear()
    response = client.post("/kiosk/forum/order", data={**WALKUP, "project": str(project.id)})
    assert response.status_code == 303 and orders_count(db) == 1
    assert calls == {"estimate": 1, "offered_projects": 1}


def test_an_operations_order_calculates_once(client, db, organizer_event, make_project, calls):
    project = make_project()
    calls.clear()
    response = client.post(f"/organizer/events/{organizer_event.id}/operations",
                           data={**OPS, "project": str(project.id)})
    assert response.status_code == 303 and orders_count(db) == 1
    assert calls == {"estimate": 1, "offered_projects": 1}


def test_an_api_order_from_a_footprint_calculates_once(client, db, make_event, make_project, calls):
    make_event(slug="forum")
    project = make_project()
    calls.clear()
    response = client.post("/api/v1/orders", json={"event": "forum", "project": project.id,
                                                   "footprint": {"legs": [{"mode": "taxi", "distance_km": 30}]}})
    assert response.status_code == 201 and orders_count(db) == 1
    assert calls == {"estimate": 1, "offered_projects": 1}


def test_the_order_is_what_the_page_quoted(client, db, make_event, make_project):
    event = make_event(slug="forum")
    project = make_project(price=4200)
    quoted = checkout.quote(db.session, event, fee_percent=10, footprint_inputs={"meals": [{"kind": "vegan",
                                                                                            "count": "1"}]})
    offer = quoted.offer(project.id)
    assert quoted.kg >= 1 and offer["price"].minimum_applied  # a small meal pays the minimum and buys more
    response = client.post("/e/forum/checkout", data={"meals-vegan": "1", "project": str(project.id)})
    order = db.session.scalar(select(Order))
    assert response.status_code == 303
    assert (order.kg, order.credits_kg, order.amount_minor, order.platform_fee_minor) == (
        quoted.kg, offer["price"].credits_kg, offer["price"].amount_minor, offer["price"].platform_fee_minor)


def test_kg_to_buy_is_the_one_nothing_to_buy_rule(db, make_event):
    zero = footprint.estimate({"legs": [{"mode": "walk", "distance_km": 3}]})
    small = footprint.estimate({"legs": [{"mode": "taxi", "distance_km": 1}]})
    assert (checkout.kg_to_buy(None), checkout.kg_to_buy(zero), checkout.kg_to_buy(small)) == (0, 0, 1)
    event = make_event()
    assert checkout.quote(db.session, event, fee_percent=10, footprint_inputs={}).nothing_to_buy
    assert checkout.quote(db.session, event, fee_percent=10, footprint_inputs={"legs": []}).nothing_to_buy
    assert not checkout.quote(db.session, event, fee_percent=10, footprint_inputs={"legs": [
        {"mode": "taxi", "distance_km": 1}]}).nothing_to_buy
    assert not checkout.quote(db.session, event, fee_percent=10, kg=5).nothing_to_buy  # asked by kg


@pytest.mark.parametrize("path, data, message", [
    ("/e/forum/checkout", {"leg_count": "1", "legs-0-mode": "flight", "legs-0-to": "Chengdu"},
     "Add at least one trip or a hotel night to neutralize."),
    ("/kiosk/forum/order", {"mode": "", "nights": "0"}, None),
    ("operations", {}, "Enter the electricity, meals or supplies to neutralize."),
])
def test_nothing_to_buy_is_refused_on_every_page(client, db, organizer_event, make_event, make_project, path, data,
                                                 message):
    make_event(slug="forum")
    project = make_project()
    if path == "operations":
        path = f"/organizer/events/{organizer_event.id}/operations"
    response = client.post(path, data={**data, "project": str(project.id)})
    assert response.status_code == 422 and orders_count(db) == 0
    if message:
        assert message in response.get_data(as_text=True)


def test_nothing_to_buy_in_the_api(client, db, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    response = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "footprint": {
        "legs": [{"mode": "bike", "distance_km": 4}]}})
    error = response.get_json()["error"]
    assert response.status_code == 422 and (error["code"], error["field"]) == ("nothing_to_buy", "footprint")
    assert orders_count(db) == 0

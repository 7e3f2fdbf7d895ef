"""Each order keeps the payment provider it started with, and only that provider settles it:
a Stripe webhook never pays a demo order, the demo page never pays a Stripe order, and an
order whose provider this server no longer takes is not sent anywhere to pay."""
import pytest
from sqlalchemy import func, select

from app.models import Certificate, Order
from tests.fakes.stripe_api import FakeStripe, sign
from tests.routes.test_visitor_flow import calculator_form

SECRET = "whsec_test_secret"


def use_stripe(app, fake):
    app.config.update(STRIPE_SECRET_KEY=fake.api_key, STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=fake.base,
                      STRIPE_CHECKOUT_ORIGIN=fake.base)


def use_demo(app):
    app.config.update(STRIPE_SECRET_KEY="", STRIPE_WEBHOOK_SECRET="", STRIPE_API_BASE="")


@pytest.fixture
def fake():
    with FakeStripe() as fake:
        yield fake


@pytest.fixture
def forum(make_event, make_project):
    make_event(slug="forum")
    return make_project(quantity=100_000)


def status(db, public_id) -> str:
    db.session.expire_all()
    return db.session.scalar(select(Order.status).where(Order.public_id == public_id))


def certificates(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Certificate))


def test_each_order_keeps_the_provider_it_started_with(app, client, db, fake, forum):
    demo_order = client.post("/api/v1/orders", json={"event": "forum", "project": forum.id, "kg": 50}).get_json()
    assert demo_order["provider"] == "demo"
    use_stripe(app, fake)
    response = client.post("/e/forum/checkout", data=calculator_form(forum.id))
    stripe_order = db.session.scalar(select(Order).where(Order.public_id != demo_order["id"]))
    assert response.status_code == 303 and stripe_order.provider == "stripe"
    assert client.get(f"/api/v1/orders/{stripe_order.public_id}").get_json()["provider"] == "stripe"
    assert client.get(f"/api/v1/orders/{demo_order['id']}").get_json()["provider"] == "demo"


def test_a_stripe_webhook_for_a_demo_order_changes_nothing(app, client, db, fake, forum):
    order = client.post("/api/v1/orders", json={"event": "forum", "project": forum.id, "kg": 50}).get_json()
    use_stripe(app, fake)
    # A genuine, signed Stripe notice that names the demo order, for its exact amount, paid.
    session = fake._create_session({
        "client_reference_id": order["id"], "line_items[0][price_data][unit_amount]": str(order["amount_minor"]),
        "line_items[0][price_data][currency]": "cny", "expires_at": "0"})
    fake.pay(session["id"])
    payload = fake.event("checkout.session.completed", session["id"])
    response = client.post("/stripe/webhook", data=payload, content_type="application/json",
                           headers={"Stripe-Signature": sign(payload, SECRET)})
    assert response.status_code == 200 and response.get_json() == {"received": True, "handled": False}
    assert status(db, order["id"]) == "pending" and certificates(db) == 0
    assert db.session.scalar(select(Order.payment_ref).where(Order.public_id == order["id"])) is None
    # Nor does the return page ask Stripe about it, or the payment link send it to Stripe.
    assert client.get(f"/orders/{order['id']}").status_code == 200 and status(db, order["id"]) == "pending"
    assert client.get(f"/pay/{order['id']}").status_code == 404
    assert [r for r in fake.requests if r[1].startswith("/v1/checkout/sessions")] == []


def test_the_demo_page_never_settles_a_stripe_order(app, client, db, fake, forum):
    use_stripe(app, fake)
    client.post("/e/forum/checkout", data=calculator_form(forum.id))
    order = db.session.scalar(select(Order))
    use_demo(app)  # the server stops taking Stripe: the demo is back, but not for this order
    assert client.get(f"/pay/{order.public_id}/demo").status_code == 404
    assert client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"}).status_code == 404
    refused = client.post(f"/api/v1/orders/{order.public_id}/demo-pay", json={"outcome": "paid"})
    assert refused.status_code == 404 and refused.get_json()["error"]["code"] == "not_found"
    assert client.get(f"/pay/{order.public_id}").status_code == 404
    assert status(db, order.public_id) == "pending" and certificates(db) == 0


def test_the_payment_link_goes_to_the_order_s_own_provider(app, client, db, fake, forum, make_project):
    demo_order = client.post("/api/v1/orders", json={"event": "forum", "project": forum.id, "kg": 50}).get_json()
    assert client.get(f"/pay/{demo_order['id']}").headers["Location"] == f"/pay/{demo_order['id']}/demo"
    use_stripe(app, fake)
    other = make_project().id  # another project: a new order replaces the visitor's open hold on the same one
    stripe_order = client.post("/api/v1/orders", json={"event": "forum", "project": other, "kg": 60}).get_json()
    assert status(db, demo_order["id"]) == "pending"
    assert client.get(f"/pay/{stripe_order['id']}").headers["Location"].startswith(fake.base)
    assert client.get(f"/pay/{demo_order['id']}").status_code == 404

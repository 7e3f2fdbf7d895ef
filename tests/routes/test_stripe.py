"""Real payments: the official stripe library against a local fake of the API,
webhooks signed with Stripe's scheme. Nothing of ours is mocked."""
import time

import pytest
from sqlalchemy import func, select

from app.models import Certificate, CreditBatch, Order, Retirement
from tests.fakes.stripe_api import FakeStripe, sign
from tests.routes.test_visitor_flow import calculator_form

SECRET = "whsec_test_secret"


@pytest.fixture
def fake(app):
    with FakeStripe() as fake:
        app.config.update(STRIPE_SECRET_KEY=fake.api_key, STRIPE_WEBHOOK_SECRET=SECRET, STRIPE_API_BASE=fake.base,
                          STRIPE_CHECKOUT_ORIGIN=fake.base)
        yield fake


@pytest.fixture
def started(client, db, fake, make_event, make_project):
    """A visitor has checked out and been sent to the hosted payment page."""
    make_event(slug="forum")
    project = make_project(quantity=100_000)
    response = client.post("/e/forum/checkout", data=calculator_form(project.id))
    assert response.status_code == 303
    to_provider = client.get(response.headers["Location"])
    assert to_provider.status_code == 303
    order = db.session.scalar(select(Order))
    return order, to_provider.headers["Location"]


def webhook(client, fake, event_type, session_id, secret=SECRET, timestamp=None, **overrides):
    payload = fake.event(event_type, session_id, **overrides)
    return client.post("/stripe/webhook", data=payload, content_type="application/json",
                       headers={"Stripe-Signature": sign(payload, secret, timestamp)})


def certificates(db):
    return db.session.scalar(select(func.count()).select_from(Certificate))


def test_checkout_creates_a_hosted_session_for_the_order(db, fake, started):
    order, location = started
    session = fake.sessions[order.payment_ref]
    assert location == session["url"]
    assert session["client_reference_id"] == order.public_id
    assert (session["amount_total"], session["currency"]) == (order.amount_minor, "cny")
    assert session["payment_method_types"] == ["card", "alipay", "wechat_pay"]
    assert "t CO₂e" in session["line_item_name"] and order.project.name in session["line_item_name"]
    create = [r for r in fake.requests if r[1] == "/v1/checkout/sessions"][0]
    assert create[3]["idempotency-key"] == f"checkout-{order.public_id}"
    # The hold outlives the session, so a last-second payment still finds its credits.
    assert order.hold_expires_at.timestamp() > session["expires_at"] - 1


def test_payment_link_reuses_the_open_session(client, db, fake, started):
    order, location = started
    again = client.get(f"/pay/{order.public_id}")
    assert again.headers["Location"] == location
    assert len(fake.sessions) == 1


def test_webhook_replayed_ten_times_issues_one_certificate(client, db, fake, started):
    order, _ = started
    fake.pay(order.payment_ref)
    for _ in range(10):
        assert webhook(client, fake, "checkout.session.completed", order.payment_ref).status_code == 200
    assert certificates(db) == 1
    assert db.session.scalar(select(func.count()).select_from(Retirement)) == 1
    assert db.session.scalar(select(func.sum(CreditBatch.retired_kg))) == order.kg


def test_webhooks_in_reversed_order_still_issue_exactly_one(client, db, fake, started):
    order, _ = started
    sid = order.payment_ref
    fake.pay(sid, payment_status="unpaid")  # a slow method: completed first, money later
    # Delivered backwards: success, then the stale "completed but unpaid", then a late expiry.
    assert webhook(client, fake, "checkout.session.async_payment_succeeded", sid).status_code == 200
    assert webhook(client, fake, "checkout.session.completed", sid).status_code == 200
    assert webhook(client, fake, "checkout.session.expired", sid).status_code == 200
    assert webhook(client, fake, "checkout.session.async_payment_failed", sid).status_code == 200
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "paid"
    assert certificates(db) == 1


def test_slow_method_waits_then_fails_and_releases(client, db, fake, started):
    order, _ = started
    fake.pay(order.payment_ref, payment_status="unpaid")
    webhook(client, fake, "checkout.session.completed", order.payment_ref)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending"
    webhook(client, fake, "checkout.session.async_payment_failed", order.payment_ref)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "failed"
    assert certificates(db) == 0


def test_expired_session_releases_the_hold(client, db, fake, started):
    order, _ = started
    fake.expire(order.payment_ref)
    webhook(client, fake, "checkout.session.expired", order.payment_ref)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "expired"


@pytest.mark.parametrize("secret, age", [("whsec_wrong", 0), (SECRET, 301)])
def test_bad_or_stale_signatures_change_nothing(client, db, fake, started, secret, age):
    order, _ = started
    fake.pay(order.payment_ref)
    response = webhook(client, fake, "checkout.session.completed", order.payment_ref, secret=secret,
                       timestamp=int(time.time()) - age)
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending"
    assert certificates(db) == 0


def test_return_page_asks_stripe_when_the_webhook_is_slow(client, db, fake, started):
    order, _ = started
    fake.pay(order.payment_ref)  # paid, but no webhook has arrived
    response = client.get(f"/orders/{order.public_id}")
    assert response.status_code == 303 and "/c/" in response.headers["Location"]
    # The webhook arriving afterwards changes nothing.
    webhook(client, fake, "checkout.session.completed", order.payment_ref)
    assert certificates(db) == 1


def test_session_with_the_wrong_amount_is_not_fulfilled(client, db, fake, started):
    order, _ = started
    fake.pay(order.payment_ref)
    webhook(client, fake, "checkout.session.completed", order.payment_ref, amount_total=1)
    db.session.expire_all()
    assert db.session.get(Order, order.id).status == "pending"


def test_late_payment_for_credits_sold_meanwhile_is_refunded(client, db, fake, make_event, make_project,
                                                               make_order):
    import datetime as dt

    from app.models import utcnow

    event = make_event(slug="tiny")
    project = make_project(quantity=100)
    late = make_order(event=event, project=project, kg=80, paid=False, now=utcnow() - dt.timedelta(hours=2))
    late.provider = "stripe"
    db.session.commit()
    session = fake._create_session({
        "client_reference_id": late.public_id, "line_items[0][price_data][unit_amount]": str(late.amount_minor),
        "line_items[0][price_data][currency]": "cny", "expires_at": "0",
    })
    late.payment_ref = session["id"]
    db.session.commit()
    make_order(event=event, project=project, kg=100)  # someone bought the lapsed credits
    fake.pay(session["id"])
    webhook(client, fake, "checkout.session.completed", session["id"])
    db.session.expire_all()
    refreshed = db.session.get(Order, late.id)
    assert refreshed.status == "refunded" and refreshed.refund_ref == fake.refunds[0]["id"]
    assert fake.refunds[0]["payment_intent"] == fake.sessions[session["id"]]["payment_intent"]
    assert db.session.scalar(select(func.sum(CreditBatch.retired_kg))) == 100
    assert "being returned" in client.get(f"/orders/{late.public_id}").get_data(as_text=True)


def test_provider_outage_is_a_friendly_page_and_keeps_the_hold(client, db, fake, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    fake.fail_next = 10
    response = client.post("/e/forum/checkout", data=calculator_form(project.id))
    page = client.get(response.headers["Location"])
    assert page.status_code == 502
    assert "could not reach the payment provider" in page.get_data(as_text=True)
    assert db.session.scalar(select(Order.status)) == "pending"


def test_api_orders_pay_through_stripe_and_demo_pay_is_gone(client, db, fake, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    order = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 50}).get_json()
    assert order["provider"] == "stripe"
    assert client.post(f"/api/v1/orders/{order['id']}/demo-pay", json={"outcome": "paid"}).status_code == 404
    to_stripe = client.get(order["payment_url"].replace("http://localhost", ""))
    assert to_stripe.status_code == 303 and to_stripe.headers["Location"].startswith(fake.base)


def test_csp_allows_the_redirect_to_the_hosted_page(client, fake):
    assert fake.base in client.get("/").headers["Content-Security-Policy"]


def test_webhook_is_absent_in_demo_mode(app, client):
    app.config["STRIPE_SECRET_KEY"] = ""
    assert client.post("/stripe/webhook", data=b"{}").status_code == 404


def test_a_partial_refund_asks_stripe_for_that_amount_only(app, fake):
    """A sponsor's unused balance (sponsors.close_for_refund): Stripe's `amount` is the unused part."""
    from app.services import payments

    provider = payments.get("stripe")
    charge = payments.Charge(order_id="ord_partial", amount_minor=1234, currency="CNY", refund_minor=400)
    provider.refund(app.config, charge, "pi_partial")
    sent = [params for method, path, params, _headers in fake.requests if path == "/v1/refunds"]
    assert sent[-1]["amount"] == "400" and sent[-1]["payment_intent"] == "pi_partial"

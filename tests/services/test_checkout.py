"""The checkout service called directly, without Flask routes: quotes, start, offers,
the payment link against the local Stripe fake, notices and outcomes in the
providers' normalized shapes, demo outcomes and late-payment refunds."""
import datetime as dt
import os
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.models import Certificate, Footprint, Order, Participant, utcnow
from app.services import footprint, payments
from app.services.live import boards
from app.services.sales import checkout, ledger, orders, paying
from tests.fakes.stripe_api import FakeStripe, sign

# Test projects hold 10,000 kg or less: the share rule (5 % by default) has its own tests in test_holds.py.
DEMO = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000, hold_share_percent=100,
                         hold_pool_percent=100)


def participant(db):
    row = Participant(token=os.urandom(16).hex())
    db.session.add(row)
    db.session.flush()
    return row


def request_value(db, event, project, **overrides):
    values = dict(kind="visitor", event=event, project=project, participant=participant(db), kg=250,
                  display_name="  Ada   Lovelace ", show_on_board=True)
    values.update(overrides)
    return checkout.OrderRequest(**values)


def test_start_holds_the_credits_and_commits_a_pending_order(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=1000, price=5000)
    order = checkout.start(db.session, DEMO, request_value(db, event, project))
    db.session.rollback()  # committed: a rollback keeps it
    order = orders.by_public_id(db.session, order.public_id)
    assert (order.status, order.kg, order.kind, order.provider) == ("pending", 250, "visitor", "demo")
    assert order.display_name == "Ada Lovelace"
    assert (order.amount_minor, order.platform_fee_minor, order.owner_minor) == (1250, 125, 1125)
    assert ledger.stock(db.session, [project.id], order.created_at)[project.id].left_kg == 750


def test_start_from_a_footprint_keeps_it_and_buys_whole_kilograms(db, make_event, make_project):
    event, project = make_event(), make_project()
    data = {"legs": [{"mode": "taxi", "distance_km": 30}]}
    result = footprint.estimate(data)
    order = checkout.start(db.session, DEMO, request_value(db, event, project, kg=None, footprint_inputs=data))
    saved = db.session.get(Footprint, order.footprint_id)
    assert saved.inputs == data
    assert order.kg >= result.total_kg and order.kg - result.total_kg < 1


def test_operations_orders_name_the_organization_and_api_orders_are_visitor_orders(db, make_event, make_project):
    event, project = make_event(), make_project()
    api = checkout.start(db.session, DEMO, request_value(db, event, project, kind="api"))
    assert api.kind == "visitor"
    with pytest.raises(ValueError):
        checkout.start(db.session, DEMO, request_value(db, event, project, kind="operations"))
    with pytest.raises(ValueError):
        checkout.start(db.session, DEMO, request_value(db, event, project, kind="walk-in"))


@pytest.mark.parametrize("overrides, field", [
    ({"kg": 0}, "kg"),
    ({"kg": 2_000_000}, "kg"),
    ({"kg": None}, "kg"),
    ({"display_name": "x" * 61}, "display_name"),
])
def test_bad_input_raises_order_error_and_changes_nothing(db, make_event, make_project, overrides, field):
    event, project = make_event(), make_project()
    before = db.session.scalar(select(func.count()).select_from(Order))
    with pytest.raises(orders.OrderError) as caught:
        checkout.start(db.session, DEMO, request_value(db, event, project, **overrides))
    assert caught.value.field == field
    assert db.session.scalar(select(func.count()).select_from(Order)) == before


def test_sold_out_rolls_back(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=100)
    with pytest.raises(ledger.SoldOut):
        checkout.start(db.session, DEMO, request_value(db, event, project, kg=101))
    assert db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_offers_price_every_project_on_offer_with_the_fee_given(db, make_event, make_project):
    event = make_event()
    cheap, dear = make_project(price=4000, quantity=500), make_project(price=9000)
    with_fee = checkout.offers(db.session, event, 600, 10)
    assert [o["project"].id for o in with_fee] == [cheap.id, dear.id]
    assert [o["available"] for o in with_fee] == [False, True]
    assert (with_fee[1]["price"].amount_minor, with_fee[1]["price"].platform_fee_minor) == (5400, 540)
    assert checkout.offers(db.session, event, 600, 0)[1]["price"].platform_fee_minor == 0
    assert checkout.offers(db.session, event, 0, 10)[0]["price"] is None


def test_demo_outcome_fulfils_once(db, make_event, make_project):
    order = checkout.start(db.session, DEMO, request_value(db, make_event(), make_project()))
    assert checkout.apply_demo_outcome(db.session, DEMO, order, "paid") == "paid"
    assert checkout.apply_demo_outcome(db.session, DEMO, order, "paid") == "paid"
    assert checkout.apply_demo_outcome(db.session, DEMO, order, "failed") == "paid"
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


STRIPE_CONFIG = {"STRIPE_WEBHOOK_SECRET": "whsec_x"}


@pytest.fixture
def stripe_settings():
    with FakeStripe() as fake:
        yield fake, checkout.Settings(
            hold_minutes=30, fee_percent=10, max_kg=1_000_000, hold_share_percent=100, hold_pool_percent=100,
            payment_config={**STRIPE_CONFIG, "STRIPE_SECRET_KEY": fake.api_key, "STRIPE_API_BASE": fake.base},
            public_url=lambda endpoint, **values: f"https://example.test/{endpoint}/{values['public_id']}")


def notice(fake, event_type, session_id, **overrides):
    body = fake.event(event_type, session_id, **overrides)
    return {"Stripe-Signature": sign(body, STRIPE_CONFIG["STRIPE_WEBHOOK_SECRET"])}, body


def test_payment_link_is_created_once_and_notices_settle(db, make_event, make_project, stripe_settings):
    fake, settings = stripe_settings
    order = checkout.start(db.session, settings, request_value(db, make_event(), make_project()))
    assert order.provider == "stripe"
    link = paying.payment_link(db.session, settings, order)
    order = orders.by_public_id(db.session, order.public_id)
    session = fake.sessions[order.payment_ref]
    assert (link.url, link.reference) == (session["url"], order.payment_ref)
    assert session["success_url"] == f"https://example.test/checkout.order_status/{order.public_id}"
    assert paying.payment_link(db.session, settings, order).url == link.url and len(fake.sessions) == 1
    fake.pay(order.payment_ref)
    assert checkout.receive_notice(db.session, settings, "stripe", *notice(
        fake, "checkout.session.completed", order.payment_ref, amount_total=1)) == "pending"  # wrong amount
    assert checkout.receive_notice(db.session, settings, "stripe", *notice(
        fake, "checkout.session.completed", order.payment_ref)) == "paid"
    assert checkout.receive_notice(db.session, settings, "stripe", *notice(
        fake, "checkout.session.async_payment_failed", order.payment_ref)) == "paid"  # never undoes a payment
    assert checkout.receive_notice(db.session, settings, "stripe", *notice(
        fake, "checkout.session.completed", order.payment_ref, client_reference_id="ord_nope")) is None
    headers, body = notice(fake, "checkout.session.completed", order.payment_ref)
    with pytest.raises(payments.BadSignature):
        checkout.receive_notice(db.session, settings, "stripe", {"Stripe-Signature": "t=1,v1=00"}, body)


def test_outcomes_for_another_payment_or_amount_change_nothing(db, make_event, make_project, stripe_settings):
    _fake, settings = stripe_settings
    order = checkout.start(db.session, settings, request_value(db, make_event(), make_project()))
    order.payment_ref = "cs_mine"
    db.session.commit()
    paid = payments.Outcome(status=payments.PAID, order_id=order.public_id, reference="cs_mine",
                            amount_minor=order.amount_minor, currency=order.currency)
    for other in (replace(paid, reference="cs_other"), replace(paid, amount_minor=1), replace(paid, currency="USD"),
                  replace(paid, order_id="ord_other"), replace(paid, status=payments.PENDING)):
        assert checkout.apply_outcome(db.session, settings, order, other) == "pending"
    assert checkout.apply_outcome(db.session, settings, order, paid) == "paid"


def test_refresh_from_provider_settles_a_paid_session(db, make_event, make_project, stripe_settings):
    fake, settings = stripe_settings
    order = checkout.start(db.session, settings, request_value(db, make_event(), make_project()))
    paying.payment_link(db.session, settings, order)
    order = orders.by_public_id(db.session, order.public_id)
    assert checkout.refresh_from_provider(db.session, settings, order.public_id).status == "pending"
    fake.pay(order.payment_ref)
    assert checkout.refresh_from_provider(db.session, settings, order.public_id).status == "paid"


def test_a_late_payment_for_sold_credits_is_refunded(db, make_event, make_project, make_order, stripe_settings):
    fake, settings = stripe_settings
    event, project = make_event(), make_project(quantity=100)
    order = checkout.start(db.session, settings, request_value(db, event, project, kg=100))
    ledger.release(db.session, order, "expired")
    db.session.commit()
    make_order(event=event, project=project, kg=100)  # the credits went elsewhere
    order = orders.by_public_id(db.session, order.public_id)
    order.status = "pending"
    order.payment_ref = "cs_late"
    db.session.commit()
    paid = payments.Outcome(status=payments.PAID, order_id=order.public_id, reference="cs_late",
                            amount_minor=order.amount_minor, currency=order.currency, payment_id="pi_late")
    assert checkout.apply_outcome(db.session, settings, order, paid) == "refunded"
    assert [r["payment_intent"] for r in fake.refunds] == ["pi_late"]
    assert order.refund_ref == fake.refunds[0]["id"]


def test_a_short_hold_is_extended_only_while_a_payment_session_is_open(db, make_event, make_project,
                                                                         stripe_settings):
    fake, settings = stripe_settings
    settings = replace(settings, hold_minutes=15)
    now = utcnow()
    order = checkout.start(db.session, settings, request_value(db, make_event(), make_project()), now=now)
    assert order.hold_expires_at == now + dt.timedelta(minutes=15)
    paying.payment_link(db.session, settings, order)  # a Stripe Checkout session lives at least 30 minutes
    order = orders.by_public_id(db.session, order.public_id)
    assert order.hold_expires_at >= now + dt.timedelta(minutes=31)


def test_the_minimum_charge_retires_what_it_pays_for(db, make_event, make_project):
    # Worked example: one chicken meal, 2 kg, at ¥42 a tonne. 2 kg would cost
    # ceil(2 x 4200 / 1000) = ¥0.09, so the ¥4.00 minimum applies, and ¥4.00 buys
    # floor(400 x 1000 / 4200) = 95 kg: the order asks 2 kg and retires 95.
    event, project = make_event(), make_project(quantity=1000, price=4200)
    order = checkout.start(db.session, DEMO, request_value(db, event, project, kg=2))
    assert (order.kg, order.credits_kg, order.amount_minor) == (2, 95, 400)
    assert (order.owner_minor, order.platform_fee_minor) == (360, 40)  # the split is on the whole ¥4.00
    assert ledger.stock(db.session, [project.id], utcnow())[project.id].held_kg == 95
    checkout.apply_demo_outcome(db.session, DEMO, order, "paid")
    assert sum(r.last_serial - r.first_serial + 1 for r in order.retirements) == 95
    assert ledger.stock(db.session, [project.id], utcnow())[project.id].left_kg == 905
    assert boards.event_totals(db.session, event.id).kg == 95


def test_the_minimum_is_refused_when_what_it_buys_is_not_left(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=50, price=4200)  # 2 kg would fit, 95 kg do not
    with pytest.raises(ledger.SoldOut):
        checkout.start(db.session, DEMO, request_value(db, event, project, kg=2))
    assert not checkout.offers(db.session, event, 2, 10)[0]["available"]


def test_the_calculator_takes_a_returning_browsers_name_from_its_last_paid_visitor_order(db, make_event, make_order):
    """orders.last_paid_identity: one statement by the browser's token, as last_paid_visitor_order by id."""
    event, phone = make_event(), participant(db)
    assert orders.last_paid_identity(db.session, phone.token) is None
    make_order(event=event, participant=phone, name="Mei", organization="Panda Lab", show=True,
               now=utcnow() - dt.timedelta(hours=2))
    make_order(event=event, participant=phone, name="Lin", organization="", show=False,
               now=utcnow() - dt.timedelta(hours=1))
    make_order(event=event, participant=phone, name="Unpaid", paid=False)
    assert orders.last_paid_identity(db.session, phone.token) == ("Lin", "", False)
    last = orders.last_paid_visitor_order(db.session, phone.id)
    assert (last.display_name, last.organization, last.show_on_board) == ("Lin", "", False)
    assert orders.last_paid_identity(db.session, "no-such-browser") is None

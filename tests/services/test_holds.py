"""Holds sized to people: a personal cap, one open hold per participant and
project, short holds, and a per-client share of each project's credits."""
from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import func, select

from app.models import Order, Organization, Participant, utcnow
from app.services.sales import checkout, ledger

# The defaults a server runs with (config.py): 20 t per personal order, 5 % per client, 15 min.
SETTINGS = checkout.Settings(hold_minutes=15, fee_percent=10, max_kg=1_000_000, visitor_max_kg=20_000,
                             hold_share_percent=5)


def participant(db) -> Participant:
    row = Participant(token=os.urandom(16).hex())
    db.session.add(row)
    db.session.flush()
    return row


def ask(db, event, project, kg, who=None, client="client-a", **extra) -> checkout.OrderRequest:
    return checkout.OrderRequest(kind="api", event=event, project=project, participant=who or participant(db), kg=kg,
                                 client_key=client, **extra)


def held(db, project) -> int:
    return ledger.stock(db.session, [project.id], utcnow())[project.id].held_kg


def count_orders(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Order))


def test_a_personal_order_is_capped_and_an_organizers_operations_are_not(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=1_000_000)
    with pytest.raises(checkout.OrderTooLarge) as refused:
        checkout.start(db.session, SETTINGS, ask(db, event, project, 20_001))
    assert refused.value.code == "order_too_large" and refused.value.field == "kg"
    assert count_orders(db) == 0 and held(db, project) == 0
    assert checkout.start(db.session, SETTINGS, ask(db, event, project, 20_000)).kg == 20_000

    org = Organization(name="Forum Ltd")
    db.session.add(org)
    db.session.flush()
    ops = checkout.start(db.session, SETTINGS, checkout.OrderRequest(
        kind="operations", event=event, project=project, participant=participant(db), kg=200_000,
        organization_id=org.id))
    assert ops.status == "pending" and ops.kg == 200_000  # above both the cap and the 5 % share


def test_a_new_checkout_replaces_the_participants_open_hold_on_that_project(db, make_event, make_project):
    event, project, other = make_event(), make_project(quantity=100_000), make_project(quantity=100_000)
    visitor = participant(db)
    first = checkout.start(db.session, SETTINGS, ask(db, event, project, 300, who=visitor, client="x"))
    elsewhere = checkout.start(db.session, SETTINGS, ask(db, event, other, 400, who=visitor, client="x"))
    second = checkout.start(db.session, SETTINGS, ask(db, event, project, 500, who=visitor, client="x"))
    db.session.refresh(first)
    assert (first.status, second.status, elsewhere.status) == ("cancelled", "pending", "pending")
    assert held(db, project) == 500 and held(db, other) == 400


def test_a_refused_checkout_keeps_the_old_hold(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=10_000)  # 5 % = 500 kg
    visitor = participant(db)
    first = checkout.start(db.session, SETTINGS, ask(db, event, project, 100, who=visitor, client=None))
    with pytest.raises(ledger.HoldShareExceeded):
        checkout.start(db.session, SETTINGS, ask(db, event, project, 600, who=visitor, client=None))
    db.session.refresh(first)
    assert first.status == "pending" and held(db, project) == 100


def test_one_client_holds_at_most_its_share_of_a_project(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=100_000)  # 5 % = 5,000 kg
    checkout.start(db.session, SETTINGS, ask(db, event, project, 3_000))
    with pytest.raises(ledger.HoldShareExceeded) as refused:
        checkout.start(db.session, SETTINGS, ask(db, event, project, 2_500))  # same address, new participant
    assert refused.value.code == "hold_share_exceeded"
    assert (refused.value.held_kg, refused.value.limit_kg) == (3_000, 5_000)
    assert count_orders(db) == 1
    checkout.start(db.session, SETTINGS, ask(db, event, project, 2_000))  # exactly up to the share
    checkout.start(db.session, SETTINGS, ask(db, event, project, 2_500, client="client-b"))  # someone else
    assert held(db, project) == 7_500


def test_paid_and_lapsed_holds_no_longer_count_against_the_share(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=100_000)
    paid = checkout.start(db.session, SETTINGS, ask(db, event, project, 4_000))
    checkout.apply_demo_outcome(db.session, paid, "paid")
    past = utcnow() - dt.timedelta(minutes=20)
    checkout.start(db.session, SETTINGS, ask(db, event, project, 4_000), now=past)  # lapsed 5 minutes ago
    # 96,000 kg unretired: the share is 4,800 kg and nothing is held now.
    assert checkout.start(db.session, SETTINGS, ask(db, event, project, 4_800)).status == "pending"


def test_holds_are_short(db, make_event, make_project):
    now = utcnow()
    order = checkout.start(db.session, SETTINGS, ask(db, make_event(), make_project(), 100), now=now)
    assert order.hold_expires_at == now + dt.timedelta(minutes=15)


def test_a_small_project_still_sells_what_one_minimum_payment_buys(db, make_event, make_project):
    # 500 kg at ¥95/t: 5 % is 25 kg, but the ¥4.00 minimum buys floor(400 x 1000 / 9500) = 42 kg,
    # so one client may hold 42 kg at once, and no more (91.6 % stays free).
    event, project = make_event(), make_project(quantity=500, price=9500)
    order = checkout.start(db.session, SETTINGS, ask(db, event, project, 2))
    assert order.credits_kg == 42
    with pytest.raises(ledger.HoldShareExceeded) as refused:
        checkout.start(db.session, SETTINGS, ask(db, event, project, 2))
    assert refused.value.limit_kg == 42


def test_the_offers_say_what_the_hold_would_refuse(db, make_event, make_project):
    """A project whose per-buyer limit is below the payment is offered as unavailable, and the
    offers and the hold agree on every size (one rule: ledger.share_limit_kg)."""
    event = make_event()
    small = make_project(quantity=500, price=9500)  # 5 % is 25 kg; one ¥4.00 minimum buys 42 kg there
    big = make_project(quantity=100_000, price=9500)
    for kg, small_ok in ((20, True), (42, True), (43, False), (170, False)):
        rows = {o["project"].id: o for o in checkout.offers(db.session, event, kg, 10, share_percent=5)}
        assert rows[small.id]["limit_kg"] == 42 and rows[big.id]["available"], kg
        assert rows[small.id]["available"] is small_ok, kg
        assert rows[small.id]["reason"] == (None if small_ok else "buyer_limit"), kg
        if small_ok:
            order = checkout.start(db.session, SETTINGS, ask(db, event, small, kg, client=f"c{kg}"))
            assert order.status == "pending"
            ledger.release(db.session, order, "cancelled")
        else:
            with pytest.raises(ledger.HoldShareExceeded):
                checkout.start(db.session, SETTINGS, ask(db, event, small, kg, client=f"c{kg}"))
    operations = {o["project"].id: o for o in checkout.offers(db.session, event, 170, 0)}
    assert operations[small.id]["available"] and operations[small.id]["limit_kg"] is None  # no share rule
    sold = {o["project"].id: o for o in checkout.offers(db.session, event, 600, 10, share_percent=5)}
    assert sold[small.id]["reason"] == "not_enough"

"""Holds sized to people: a personal cap, one open hold per participant and
project, short holds, a per-visitor share of each project's credits, and a pool
that keeps what all unpaid checkouts together hold to a tenth of a project."""
from __future__ import annotations

import datetime as dt
import os
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.models import Order, Organization, Participant, utcnow
from app.services.sales import checkout, ledger

# The defaults a server runs with (config.py): 20 t per personal order, 5 % per visitor,
# 10 % for all unpaid checkouts together, 15 min.
SETTINGS = checkout.Settings(hold_minutes=15, fee_percent=10, max_kg=1_000_000, visitor_max_kg=20_000,
                             hold_share_percent=5, hold_pool_percent=10)


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


def test_one_visitor_holds_at_most_its_share_from_any_address(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=100_000)  # 5 % = 5,000 kg
    visitor = participant(db)
    db.session.commit()  # a refused checkout rolls back: the visitor stays
    with pytest.raises(ledger.HoldShareExceeded) as refused:
        checkout.start(db.session, SETTINGS, ask(db, event, project, 5_001, who=visitor, client="venue"))
    assert refused.value.code == "hold_share_exceeded"
    assert (refused.value.held_kg, refused.value.limit_kg) == (0, 5_000)
    assert count_orders(db) == 0
    checkout.start(db.session, SETTINGS, ask(db, event, project, 5_000, who=visitor, client="elsewhere"))
    assert held(db, project) == 5_000


def test_visitors_behind_one_address_do_not_share_a_limit(db, make_event, make_project):
    """A venue's Wi-Fi is one address for every phone: each visitor holds their own share."""
    event, project = make_event(), make_project(quantity=100_000)  # pool: 10,000 kg
    orders = [checkout.start(db.session, SETTINGS, ask(db, event, project, 2_000, client="venue-wifi"))
              for _ in range(5)]
    assert [o.status for o in orders] == ["pending"] * 5
    assert all(o.holds_credits for o in orders) and held(db, project) == 10_000


def test_unpaid_checkouts_together_hold_at_most_the_pool(db, make_event, make_project):
    """However many buyers check out without paying, 90 % of the project stays on offer;
    an order past the pool is still payable, holding nothing."""
    event, project = make_event(), make_project(quantity=100_000)
    orders = [checkout.start(db.session, SETTINGS, ask(db, event, project, 4_000, client=f"a{i}"))
              for i in range(30)]
    assert all(o.status == "pending" for o in orders)
    assert [o.holds_credits for o in orders].count(True) == 2  # 8,000 kg; a third would pass 10,000
    assert held(db, project) == 8_000
    offer = {o["project"].id: o for o in checkout.offers(db.session, event, 4_000, 10, share_percent=5)}
    assert offer[project.id]["left_kg"] == 92_000 and offer[project.id]["available"]


def test_an_order_past_the_pool_retires_when_paid_if_the_credits_are_free(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=10_000)  # pool: 1,000 kg
    holder = checkout.start(db.session, SETTINGS, ask(db, event, project, 500))
    late = checkout.start(db.session, SETTINGS, ask(db, event, project, 500))
    third = checkout.start(db.session, SETTINGS, ask(db, event, project, 500))
    assert (holder.holds_credits, late.holds_credits, third.holds_credits) == (True, True, False)
    assert checkout.apply_demo_outcome(db.session, SETTINGS, third, "paid") == "paid"
    assert sum(r.last_serial - r.first_serial + 1 for r in third.retirements) == 500


def test_an_order_past_the_pool_is_refunded_when_its_credits_sold_first(db, make_event, make_project):
    """The rare overflow: an unheld order's credits were bought while its buyer paid."""
    event, project = make_event(), make_project(quantity=500, price=9500)  # pool: 50 kg (42 kg floor)
    first = checkout.start(db.session, SETTINGS, ask(db, event, project, 42))
    no_share = replace(SETTINGS, hold_share_percent=100)  # one big buyer, for the arithmetic's sake
    unheld = checkout.start(db.session, no_share, ask(db, event, project, 400))
    assert first.holds_credits and not unheld.holds_credits
    rival = checkout.start(db.session, SETTINGS, ask(db, event, project, 2))  # 42 kg, past the pool too
    checkout.apply_demo_outcome(db.session, SETTINGS, rival, "paid")
    checkout.apply_demo_outcome(db.session, SETTINGS, first, "paid")  # 84 kg retired, 416 left, 400 still fit...
    other = checkout.start(db.session, SETTINGS, ask(db, event, project, 42))
    checkout.apply_demo_outcome(db.session, SETTINGS, other, "paid")  # ...until 42 more go: 374 left
    assert checkout.apply_demo_outcome(db.session, SETTINGS, unheld, "paid") == "refunded"  # demo: given back at once
    assert not unheld.retirements
    st = ledger.stock(db.session, [project.id], utcnow())[project.id]
    assert (st.retired_kg, st.held_kg) == (126, 0)


def test_paid_and_lapsed_holds_no_longer_count_against_the_share(db, make_event, make_project):
    event, project = make_event(), make_project(quantity=100_000)
    paid = checkout.start(db.session, SETTINGS, ask(db, event, project, 4_000))
    checkout.apply_demo_outcome(db.session, SETTINGS, paid, "paid")
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
    # so one visitor may hold 42 kg at once, and no more; the pool (10 % = 50 kg) holds one of them,
    # and the next visitor's order is payable without a hold (91.6 % stays on offer).
    event, project = make_event(), make_project(quantity=500, price=9500)
    order = checkout.start(db.session, SETTINGS, ask(db, event, project, 2))
    assert order.credits_kg == 42 and order.holds_credits
    with pytest.raises(ledger.HoldShareExceeded) as refused:
        checkout.start(db.session, SETTINGS, ask(db, event, project, 43))
    assert refused.value.limit_kg == 42
    second = checkout.start(db.session, SETTINGS, ask(db, event, project, 2))
    assert second.status == "pending" and not second.holds_credits and held(db, project) == 42


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

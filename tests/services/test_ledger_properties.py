"""Random interleavings of hold / pay / fail / expire keep the ledger's invariants."""
import datetime as dt
import functools
import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from app.models import BoardTotal, Certificate, CreditBatch, Order, Participant, Retirement, utcnow
from app.services.sales import ledger, orders
from tests.conftest import SETTINGS


@pytest.fixture
def make_project(make_project):
    """Ledger mechanics at a price where the minimum charge never adds credits
    (¥4,000 a tonne: 1 kg costs the ¥4.00 minimum), so credits_kg == kg."""
    return functools.partial(make_project, price=400_000)

ops = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(min_value=1, max_value=60)),
        st.tuples(st.sampled_from(["pay", "fail", "expire", "pay_again"]), st.integers(min_value=0, max_value=20)),
        st.tuples(st.just("tick"), st.integers(min_value=1, max_value=40)),
    ),
    min_size=1,
    max_size=25,
)


def check_invariants(db, project, supply, now):
    batches = db.session.scalars(select(CreditBatch).where(CreditBatch.project_id == project.id)).all()
    retired = sum(b.retired_kg for b in batches)
    assert all(0 <= b.retired_kg <= b.quantity for b in batches)
    paid = db.session.scalar(select(func.coalesce(func.sum(Order.kg), 0)).where(Order.status == "paid"))
    assert retired == paid
    ranges = sorted(db.session.execute(select(Retirement.batch_id, Retirement.first_serial,
                                              Retirement.last_serial)).all())
    assert sum(last - first + 1 for _, first, last in ranges) == retired
    for (b1, _, last), (b2, first, _) in itertools.pairwise(ranges):
        assert b1 != b2 or last < first
    paid_count = db.session.scalar(select(func.count()).select_from(Order).where(Order.status == "paid"))
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == paid_count
    stock = ledger.stock(db.session, [project.id], now)[project.id]
    assert stock.issued_kg == supply and stock.left_kg >= 0


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=ops)
def test_random_interleavings_keep_the_ledger_sound(db, make_event, make_project, steps):
    for model in (BoardTotal, Certificate, Retirement, Order, Participant):
        db.session.execute(delete(model))
    db.session.commit()
    event = make_event()
    supply = 100
    project = make_project(quantity=50, batches=2)
    participant = Participant(token="prop-test-participant-token")
    db.session.add(participant)
    db.session.commit()
    clock = utcnow()
    made: list[Order] = []
    for op, n in steps:
        if op == "tick":
            clock += dt.timedelta(minutes=n)
        elif op == "hold":
            try:
                made.append(orders.start(
                    db.session, event=event, project=project, participant=participant, kg=n, footprint=None,
                    display_name="", organization="", show_on_board=False, provider="demo", settings=SETTINGS,
                    now=clock,
                ))
            except ledger.SoldOut:
                db.session.rollback()
        elif made:
            order = made[n % len(made)]
            outcome = {"pay": "paid", "pay_again": "paid", "fail": "failed", "expire": "expired"}[op]
            orders.settle(db.session, order, outcome, now=clock)
        db.session.commit()
        check_invariants(db, project, supply, clock)

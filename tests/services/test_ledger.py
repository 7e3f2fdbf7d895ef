"""The ledger's rules against a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL)."""
import datetime as dt
import functools
import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from app.extensions import db as _db
from app.models import Certificate, CreditBatch, Event, Order, Participant, Project, Retirement, utcnow
from app.services.sales import ledger, orders
from tests import races
from tests.conftest import SETTINGS


@pytest.fixture
def make_project(make_project):
    """Ledger mechanics at a price where the minimum charge never adds credits
    (¥4,000 a tonne: 1 kg costs the ¥4.00 minimum), so credits_kg == kg."""
    return functools.partial(make_project, price=400_000)


def left(db, project):
    return ledger.stock(db.session, [project.id], utcnow())[project.id].left_kg


def test_hold_reduces_credits_left_and_payment_retires_them(db, make_order, make_project):
    project = make_project(quantity=1000)
    order = make_order(project=project, kg=300, paid=False)
    assert left(db, project) == 700
    stock = ledger.stock(db.session, [project.id], utcnow())[project.id]
    assert (stock.held_kg, stock.retired_kg) == (300, 0)
    orders.fulfil(db.session, order, now=utcnow())
    db.session.commit()
    stock = ledger.stock(db.session, [project.id], utcnow())[project.id]
    assert (stock.held_kg, stock.retired_kg, stock.left_kg) == (0, 300, 700)


def test_retirement_takes_contiguous_serials_across_batches(db, make_order, make_project):
    project = make_project(quantity=100, batches=2)  # serials 1000..1099 and 2000..2099
    first = make_order(project=project, kg=60)
    second = make_order(project=project, kg=70)
    assert [(r.first_serial, r.last_serial) for r in first.retirements] == [(1000, 1059)]
    assert [(r.first_serial, r.last_serial) for r in second.retirements] == [(1060, 1099), (2000, 2029)]
    assert sum(r.kg for r in second.retirements) == 70


def test_sold_out_adds_nothing(db, make_order, make_project):
    project = make_project(quantity=100)
    make_order(project=project, kg=80)
    before = db.session.scalar(select(func.count()).select_from(Order))
    with pytest.raises(ledger.SoldOut) as exc:
        make_order(project=project, kg=21)
    db.session.rollback()
    assert exc.value.available_kg == 20
    assert db.session.scalar(select(func.count()).select_from(Order)) == before


def test_expired_hold_frees_credits_on_read(db, make_order, make_project):
    project = make_project(quantity=100)
    past = utcnow() - dt.timedelta(minutes=31)
    make_order(project=project, kg=100, paid=False, now=past)
    assert left(db, project) == 100
    assert ledger.expire_stale(db.session, utcnow()) == 1
    db.session.commit()
    assert db.session.scalar(select(Order.status)) == "expired"


def test_late_payment_after_expiry_retires_if_credits_are_free(db, make_order, make_project):
    project = make_project(quantity=100)
    order = make_order(project=project, kg=50, paid=False, now=utcnow() - dt.timedelta(hours=1))
    cert = orders.fulfil(db.session, order, now=utcnow())
    db.session.commit()
    assert order.status == "paid" and cert.id


def test_late_payment_never_double_sells(db, make_order, make_project):
    project = make_project(quantity=100)
    late = make_order(project=project, kg=60, paid=False, now=utcnow() - dt.timedelta(hours=1))
    make_order(project=project, kg=100)  # the lapsed hold's credits were sold to someone else
    with pytest.raises(ledger.SoldOut):
        orders.fulfil(db.session, late, now=utcnow())
    db.session.rollback()
    assert db.session.scalar(select(func.sum(CreditBatch.retired_kg))) == 100


def test_fulfil_twice_gives_one_certificate_and_one_retirement(db, make_order):
    order = make_order(kg=42, paid=False)
    first = orders.fulfil(db.session, order, now=utcnow())
    db.session.commit()
    for _ in range(3):
        again = orders.fulfil(db.session, order, now=utcnow())
        db.session.commit()
        assert again.id == first.id
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1
    assert db.session.scalar(select(func.count()).select_from(Retirement)) == 1
    assert db.session.scalar(select(func.sum(CreditBatch.retired_kg))) == 42


def test_failure_after_payment_changes_nothing(db, make_order):
    order = make_order(kg=10)
    assert ledger.release(db.session, order, "failed") is False
    db.session.commit()
    assert order.status == "paid"


def test_database_refuses_oversold_batch(db, make_project):
    project = make_project(quantity=10)
    batch = project.batches[0]
    batch.retired_kg = 11
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_buyers_never_oversell(app_config, make_event, make_project):
    """32 buyers in separate connections race for the last 100 kg."""
    buyers, want, supply = 32, 10, 100
    race_app = races.race_app(app_config, buyers)
    event = make_event()
    project = make_project(quantity=supply)
    event_id, project_id = event.id, project.id
    _db.session.rollback()  # the test's own session must not hold SQLite's write lock
    barrier = threading.Barrier(buyers)
    results: list[str] = []
    lock = threading.Lock()

    def buy(i: int) -> None:
        with race_app.app_context():
            session = _db.session
            participant = Participant(token=f"race-{i:04d}-xxxxxxxxxxxxxxxx")
            session.add(participant)
            session.commit()  # no transaction is open while waiting at the barrier
            barrier.wait(timeout=60)
            try:
                order = orders.start(
                    session, event=session.get(Event, event_id), project=session.get(Project, project_id),
                    participant=participant, kg=want, footprint=None, display_name="", organization="",
                    show_on_board=False, provider="demo", settings=SETTINGS, now=utcnow(),
                )
                session.commit()
                orders.fulfil(session, order, now=utcnow())
                session.commit()
                outcome = "sold"
            except ledger.SoldOut:
                session.rollback()
                outcome = "sold_out"
            finally:
                session.remove()
            with lock:
                results.append(outcome)

    races.run_together(race_app, buy, buyers)
    sold = results.count("sold")
    print(f"race: {buyers} buyers x {want} kg for {supply} kg: {sold} sold, {results.count('sold_out')} refused")
    assert len(results) == buyers
    assert sold == supply // want
    assert results.count("sold_out") == buyers - supply // want
    session = _db.session
    session.expire_all()
    ranges = sorted(session.execute(select(Retirement.first_serial, Retirement.last_serial)).all())
    assert sum(last - first + 1 for first, last in ranges) == supply
    for (_, a_last), (b_first, _) in zip(ranges, ranges[1:], strict=False):
        assert a_last < b_first, "serial ranges overlap"
    assert session.scalar(select(CreditBatch.retired_kg)) == supply


def test_extending_a_hold_never_revives_credits_sold_meanwhile(db, make_order, make_project):
    project = make_project(quantity=100)
    past = utcnow() - dt.timedelta(hours=1)
    active = make_order(project=project, kg=10, paid=False)
    lapsed_free = make_order(project=project, kg=20, paid=False, now=past)
    until = utcnow() + dt.timedelta(minutes=40)
    ledger.extend_hold(db.session, active, until, utcnow())
    ledger.extend_hold(db.session, lapsed_free, until, utcnow())  # 90 kg were free: taken again
    db.session.commit()
    assert active.hold_expires_at == until and lapsed_free.hold_expires_at == until
    lapsed_gone = make_order(project=project, kg=60, paid=False, now=past)
    make_order(project=project, kg=70)  # 100 - 10 - 20 held = 70: all of the rest sold
    with pytest.raises(ledger.SoldOut):
        ledger.extend_hold(db.session, lapsed_gone, until, utcnow())
    db.session.rollback()
    assert ledger.stock(db.session, [project.id], utcnow())[project.id].left_kg == 0

"""Sponsored attendees against a real database (SQLite, or PostgreSQL with TEST_DATABASE_URL):
a sponsor's pool is bought through the normal checkout, holds its credits, and each redemption,
kept balance or refund accounts for every kilogram exactly once."""
import functools
import os

import pytest
from sqlalchemy import func, select

from app.extensions import db as _db
from app.models import (
    Certificate,
    Event,
    Order,
    Participant,
    RegistryEntry,
    Retirement,
    SponsorCode,
    SponsorPool,
    utcnow,
)
from app.services.certificates import content
from app.services.live import boards, dashboard
from app.services.sales import checkout, ledger, sponsor_checkout, sponsors, statements
from tests import races

SETTINGS = checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000, visitor_max_kg=20_000)


@pytest.fixture
def make_project(make_project):
    """¥4,000 a tonne: 1 kg costs the ¥4.00 minimum, so credits_kg == kg everywhere."""
    return functools.partial(make_project, price=400_000)


def visitor(session) -> Participant:
    p = Participant(token=os.urandom(16).hex())
    session.add(p)
    session.flush()
    return p


@pytest.fixture
def buy_pool(db, team, make_event, make_project):
    """A paid sponsor pool (through checkout.start_sponsor and the demo provider's notice)."""
    org, _ann = team

    def buy(kg=100, codes=10, open_code=False, event=None, project=None, name="Panda Bank", paid=True):
        event = event or make_event(organization_id=org.id)
        project = project or make_project(quantity=1000)
        order = sponsor_checkout.start(
            db.session, SETTINGS,
            checkout.OrderRequest(kind="sponsor", event=event, project=project, participant=visitor(db.session),
                                  kg=kg, display_name=name, organization_id=org.id),
            sponsor_name=name, codes=codes, open_code=open_code)
        if paid:
            assert checkout.apply_demo_outcome(db.session, SETTINGS, order, "paid") == "paid"
        return sponsors.pool_of(db.session, order)

    return buy


def quote(event, kg):
    return checkout.quote(_db.session, event, fee_percent=SETTINGS.fee_percent, kg=kg)


def redeem(event, code, kg=10, name=""):
    return sponsor_checkout.redeem(_db.session, SETTINGS, event, visitor(_db.session), code, quote(event, kg),
                           display_name=name, show_on_board=bool(name))


def stock(pool):
    return ledger.stock(_db.session, [pool.project_id], utcnow())[pool.project_id]


def register_kg(project_id) -> int:
    """Kilograms the public register's retire entries name for the project's certificates."""
    rows = _db.session.execute(
        select(Retirement).join(Certificate, Certificate.order_id == Retirement.order_id)
        .join(RegistryEntry, (RegistryEntry.certificate_id == Certificate.id) & (RegistryEntry.kind == "retire"))
        .join(Order, Order.id == Retirement.order_id).where(Order.project_id == project_id)).scalars().all()
    return sum(r.kg for r in rows)


def test_a_paid_pool_holds_its_credits_and_brings_unguessable_codes(db, buy_pool):
    pending = buy_pool(paid=False)
    assert pending.status == "pending" and pending.codes == []
    assert stock(pending).held_kg == 100  # the checkout's hold, like anyone's
    pool = buy_pool(kg=200, codes=10)
    assert pool.status == "open" and pool.remaining_kg == 200 and pool.order.status == "paid"
    codes = [c.code for c in pool.codes]
    assert len(set(codes)) == 10 and all(len(c) == 12 and set(c) <= set(sponsors.ALPHABET) for c in codes)
    assert all(c.max_uses == 1 for c in pool.codes)
    st = stock(pool)
    assert (st.retired_kg, st.held_kg) == (0, 200)  # the pool holds; nothing retired, no certificate
    assert pool.order.certificate is None
    # Replayed payment notice: no second set of codes, nothing retired
    checkout.apply_demo_outcome(db.session, SETTINGS, pool.order, "paid")
    assert db.session.scalar(select(func.count()).select_from(SponsorCode).where(SponsorCode.pool_id == pool.id)) == 10
    open_pool = buy_pool(kg=50, codes=30, open_code=True)
    assert [(c.max_uses, c.uses) for c in open_pool.codes] == [(30, 0)]


def test_nobody_else_can_buy_the_pools_credits(db, buy_pool, make_order):
    pool = buy_pool(kg=900)
    with pytest.raises(ledger.SoldOut):
        make_order(event=pool.order.event, project=pool.order.project, kg=101, paid=False)


def test_a_redemption_is_a_visitors_certificate_sponsored_by_the_sponsor(db, buy_pool):
    pool = buy_pool(kg=100, codes=10)
    code = pool.codes[0].code
    order = redeem(pool.order.event, sponsors.printed(code).lower(), kg=12, name="Mei")  # as typed: any case, dashes
    assert (order.kind, order.status, order.amount_minor, order.owner_minor, order.credits_kg) == (
        "visitor", "paid", 0, 0, 12)
    assert sum(r.kg for r in order.retirements) == 12
    shown = content.build(order.certificate, lambda endpoint, **v: endpoint)
    assert shown.sponsor == "Panda Bank" and shown.name == "Mei"
    assert shown.artwork().sponsor == "Panda Bank"  # the image says it too
    db.session.refresh(pool)
    assert pool.remaining_kg == 88 and pool.codes[0].uses == 1
    st = stock(pool)
    assert (st.retired_kg, st.held_kg) == (12, 88)
    assert register_kg(pool.project_id) == 12
    assert [r.name for r in boards.event_board(db.session, pool.order.event_id, 10)] == ["Mei"]
    assert sponsors.sponsored_kg(db.session, pool.order.event) == 12
    # The owner's statement counts the kilogram once (the redemption), the money once (the sponsor).
    line = statements.statement(db.session, pool.order.project.owner).lines[0]
    assert (line.kg, line.gross_minor) == (12, pool.order.amount_minor)


@pytest.mark.parametrize("case", ["unknown", "other_event", "used", "expired", "event_closed", "used_up"])
def test_bad_used_or_expired_codes_are_refused_and_change_nothing(db, buy_pool, make_event, case):
    pool = buy_pool(kg=30, codes=3)
    event, code = pool.order.event, pool.codes[0].code
    expected = {"unknown": "sponsor_code_unknown", "other_event": "sponsor_code_unknown",
                "used": "sponsor_code_used", "expired": "sponsor_code_expired",
                "event_closed": "sponsor_code_expired", "used_up": "sponsor_pool_used_up"}[case]
    if case == "unknown":
        code = "ABCD-EFGH-JKMN"
    elif case == "other_event":
        event = make_event(slug="elsewhere")
    elif case == "used":
        redeem(event, code, kg=5)
    elif case == "expired":
        sponsor_checkout.keep_balance(db.session, SETTINGS, pool.id)
    elif case == "event_closed":
        pool.order.event.status = "archived"
        db.session.commit()
    elif case == "used_up":
        redeem(event, pool.codes[1].code, kg=25)
    before = (db.session.scalar(select(func.count()).select_from(Order)),
              db.session.scalar(select(func.count()).select_from(Certificate)),
              db.session.get(SponsorPool, pool.id).remaining_kg, [c.uses for c in pool.codes])
    with pytest.raises(sponsors.SponsorError) as refused:
        redeem(event, code, kg=10)
    assert refused.value.code == expected and refused.value.field == "sponsor_code"
    db.session.expire_all()
    after = (db.session.scalar(select(func.count()).select_from(Order)),
             db.session.scalar(select(func.count()).select_from(Certificate)),
             db.session.get(SponsorPool, pool.id).remaining_kg, [c.uses for c in pool.codes])
    assert after == before


def test_one_attendee_redeems_one_footprint_per_pool(db, buy_pool):
    pool = buy_pool(kg=100, codes=5, open_code=True)
    event, who = pool.order.event, visitor(db.session)
    for expected in (None, "sponsor_code_once"):
        try:
            sponsor_checkout.redeem(db.session, SETTINGS, event, who, pool.codes[0].code, quote(event, 10))
            outcome = None
        except sponsors.SponsorError as exc:
            outcome = exc.code
        assert outcome == expected
    db.session.refresh(pool)
    assert pool.remaining_kg == 90 and pool.codes[0].uses == 1


def test_keeping_the_balance_gives_the_sponsor_its_own_certificate_once(db, buy_pool):
    pool = buy_pool(kg=100, codes=10)
    redeem(pool.order.event, pool.codes[0].code, kg=30)
    kept = sponsor_checkout.keep_balance(db.session, SETTINGS, pool.id)
    assert (kept.kind, kept.credits_kg, kept.amount_minor, kept.display_name) == ("sponsor_own", 70, 0, "Panda Bank")
    assert kept.certificate is not None
    db.session.refresh(pool)
    assert (pool.status, pool.remaining_kg) == ("closed", 0)
    assert sponsors.pools_of_event(db.session, pool.event_id)[0].kept_kg == 70
    st = stock(pool)
    assert (st.retired_kg, st.held_kg) == (100, 0)
    assert register_kg(pool.project_id) == 100  # 30 + 70: every kilogram once
    assert sponsors.sponsored_kg(db.session, pool.order.event) == 100
    # The dashboard's three figures partition what was retired: the pool's own order counts nowhere.
    summary = dashboard.summary(db.session, pool.order.event)
    assert (summary.visitor_kg, summary.operations_kg, summary.sponsored_kg) == (0, 0, 100)
    assert summary.participants == 1
    with pytest.raises(sponsors.SponsorError, match="Nothing is left"):
        sponsor_checkout.keep_balance(db.session, SETTINGS, pool.id)
    with pytest.raises(sponsors.SponsorError, match="Nothing is left"):
        sponsor_checkout.refund_balance(db.session, SETTINGS, pool.id)


def test_refund_gives_back_only_the_unused_part_and_frees_its_credits(db, buy_pool):
    pool = buy_pool(kg=100, codes=10)
    paid, owner, fee = pool.order.amount_minor, pool.order.owner_minor, pool.order.platform_fee_minor
    redeem(pool.order.event, pool.codes[0].code, kg=25)
    done = sponsor_checkout.refund_balance(db.session, SETTINGS, pool.id)
    assert done.refund_ref == f"demo_refund_{pool.order.public_id}"
    assert (done.status, done.remaining_kg) == ("closed", 0)
    assert sponsors.pools_of_event(db.session, pool.event_id)[0].refunded_kg == 75
    assert done.refunded_minor == paid * 75 // 100
    order = db.session.get(Order, pool.order_id)
    assert order.amount_minor == paid  # what was charged stays as charged
    assert order.owner_minor + order.platform_fee_minor == paid - done.refunded_minor
    assert order.owner_minor <= owner and order.platform_fee_minor <= fee
    st = stock(pool)
    assert (st.retired_kg, st.held_kg, st.left_kg) == (25, 0, 975)  # the unused 75 kg are on sale again
    line = statements.statement(db.session, order.project.owner).lines[0]
    assert (line.kg, line.gross_minor, line.owed_minor) == (25, paid - done.refunded_minor, order.owner_minor)
    with pytest.raises(sponsors.SponsorError):
        redeem(pool.order.event, pool.codes[1].code)


def test_refund_through_the_provider_is_the_unused_amount(db, buy_pool, monkeypatch):
    pool = buy_pool(kg=100, codes=10)
    asked = []
    demo = checkout.payments.get("demo")
    monkeypatch.setattr(type(demo), "refund", lambda self, config, charge, payment_id=None: asked.append(
        (charge.amount_minor, charge.refund_minor)) or "r1")
    redeem(pool.order.event, pool.codes[0].code, kg=40)
    sponsor_checkout.refund_balance(db.session, SETTINGS, pool.id)
    assert asked == [(pool.order.amount_minor, pool.order.amount_minor * 60 // 100)]


def _race(app_config, pool_id, event_id, codes, kg):
    def act(session, i):
        event = session.get(Event, event_id)
        sponsors.redeem(session, event, visitor(session), codes[i], sponsors.Redemption(kg=kg, footprint=None),
                        max_kg=20_000, now=utcnow())

    return races.outcomes(app_config, act, len(codes), (sponsors.SponsorError,))


def test_twenty_attendees_against_a_pool_worth_ten_open_code(db, app_config, buy_pool):
    """20 attendees redeem one open code (cap 20) against a pool worth 10 of them: exactly 10 certificates."""
    pool = buy_pool(kg=100, codes=20, open_code=True)
    results = _race(app_config, pool.id, pool.order.event_id, [pool.codes[0].code] * 20, kg=10)
    assert results.count("done") == 10
    assert results.count("sponsor_pool_used_up") == 10
    _check_after_race(pool, redeemed=10)


def test_twenty_attendees_against_a_pool_worth_ten_single_codes(db, app_config, buy_pool):
    pool = buy_pool(kg=100, codes=20)
    results = _race(app_config, pool.id, pool.order.event_id, [c.code for c in pool.codes], kg=10)
    assert sorted(results) == ["done"] * 10 + ["sponsor_pool_used_up"] * 10
    _check_after_race(pool, redeemed=10)


def test_one_single_use_code_raced_by_five_is_used_once(db, app_config, buy_pool):
    pool = buy_pool(kg=100, codes=1)
    results = _race(app_config, pool.id, pool.order.event_id, [pool.codes[0].code] * 5, kg=10)
    assert sorted(results) == ["done"] + ["sponsor_code_used"] * 4
    _check_after_race(pool, redeemed=1)


def _check_after_race(pool, redeemed):
    session = _db.session
    session.expire_all()
    fresh = session.get(SponsorPool, pool.id)
    assert fresh.remaining_kg == 100 - 10 * redeemed
    assert session.scalar(select(func.count()).select_from(Certificate).join(Order).where(
        Order.sponsor_pool_id == pool.id)) == redeemed
    assert sum(c.uses for c in fresh.codes) == redeemed
    st = ledger.stock(session, [pool.project_id], utcnow())[pool.project_id]
    assert (st.retired_kg, st.held_kg) == (10 * redeemed, fresh.remaining_kg)
    assert register_kg(pool.project_id) == 10 * redeemed


def test_a_failed_provider_refund_is_listed_for_a_refund_by_hand(db, buy_pool, monkeypatch):
    pool = buy_pool(kg=100, codes=10)
    demo = checkout.payments.get("demo")

    def down(self, config, charge, payment_id=None):
        raise checkout.payments.PaymentError("provider down")

    monkeypatch.setattr(type(demo), "refund", down)
    done = sponsor_checkout.refund_balance(db.session, SETTINGS, pool.id)
    assert (done.status, done.refund_ref, done.refunded_minor) == ("closed", None, pool.order.amount_minor)
    assert sponsors.refunds_to_make_by_hand(db.session) == [done]
    assert stock(pool).held_kg == 0  # released once, never again
    with pytest.raises(sponsors.SponsorError):
        sponsor_checkout.refund_balance(db.session, SETTINGS, pool.id)


def test_the_event_report_and_coverage_count_a_pools_kilograms_once(db, buy_pool):
    """The report's "by whom" and the estimate's coverage: the pool's own order counts nowhere; its
    redemptions and kept balance are the sponsors' line, never also the visitors'."""
    import datetime as dt

    from app.services.footprint import event_estimate
    from app.services.live import report

    pool = buy_pool(kg=100, codes=10)
    event = pool.order.event
    redeem(event, pool.codes[0].code, kg=30)
    sponsor_checkout.keep_balance(db.session, SETTINGS, pool.id)
    data = report.build(db.session, event, checkpoint_origin="o", checkpoint_size=10**6, checkpoint_root_hex="00",
                        public_url="http://x/e", site_url="http://x", now=dt.datetime(2026, 12, 4),
                        sponsors=[report.SponsorLine(name="Panda Bank", kg=100)])
    assert [(n.kind, n.orders, n.kg) for n in data.neutralized] == [("sponsor", 2, 100)]
    assert data.total_kg == 100 and data.participants == 0
    assert {r.kind for r in data.retirements} == {"sponsor"} and len(data.retirements) == 2
    cover = event_estimate.coverage(db.session, event)
    assert (cover.visitors_kg, cover.operations_kg, cover.sponsors_kg) == (0, 0, 100)

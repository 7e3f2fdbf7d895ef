"""Money to the project owners, moved by the provider at payment time: against the WeChat Pay
fake (profit sharing) end to end through the routes, the worker's claim and sweep, a split
returned before a refund, reconciliation with the provider's bill, and payouts by hand and
splits at the same moment never paying more than is owed."""
from __future__ import annotations

import datetime as dt
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from app.fakes import FakeWeChatPay
from app.models import OwnerSplit, Payout, utcnow
from app.services import payments
from app.services.accounts import admin
from app.services.sales import splits, statements
from tests.races import outcomes
from tests.routes.test_wallets import DESKTOP_UA

MERCHANT, NAME = "1900000109", "凉山森林恢复有限公司"  # a merchant the fake knows


@pytest.fixture
def wechat():  # one merchant per test: its bills list only this test's splits
    with FakeWeChatPay() as fake:
        yield fake


@pytest.fixture
def app_config(app_config, wechat):
    return {**app_config, **wechat.config()}


@pytest.fixture
def config(app):
    return payments.settings_from(app.config)


@pytest.fixture
def forum(db, make_event, make_project):
    make_event(slug="forum")
    return make_project(quantity=100_000, price=9000)


def register(db, config, project):
    return splits.add_account(db.session, config, project.owner_id, "wechat_pay", "MERCHANT_ID", MERCHANT, NAME)


def pay_at_wechat(client, db, wechat, project, kg: int = 100, down: int = 0) -> OwnerSplit | None:
    """An order paid with a WeChat Pay Native code, its notice delivered; its split (if any)."""
    order = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": kg},
                        headers={"User-Agent": DESKTOP_UA}).get_json()
    client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA})
    db.session.expire_all()
    from app.models import Order

    row = db.session.execute(select(Order).where(Order.public_id == order["id"])).scalar_one()
    wechat.pay(row.payment_ref, notify=False)
    headers, body = wechat.notice(row.payment_ref)
    wechat.fail_next = down  # WeChat Pay answers this many calls with a 500 (the split's)
    assert client.post("/pay/wechat/notify", data=body, headers=headers).status_code == 204
    db.session.expire_all()
    return splits.of_order(db.session, row.id)


def test_an_owner_with_a_wechat_account_gets_its_share_at_payment(client, db, config, forum, wechat):
    register(db, config, forum)
    split = pay_at_wechat(client, db, wechat, forum)
    order = split.order
    assert split.status == "done" and split.amount_minor == order.owner_minor == order.amount_minor - (
        order.platform_fee_minor)
    at_wechat = wechat.splits[split.split_no]
    assert at_wechat["order_id"] == split.split_ref
    assert [(r["account"], r["amount"]) for r in at_wechat["receivers"]] == [(MERCHANT, order.owner_minor)]
    assert wechat.payments[order.payment_ref]["request"][1]["settle_info"] == {"profit_sharing": True}  # for a split
    st_ = statements.statement(db.session, forum.owner)
    assert st_.paid_out == {"CNY": order.owner_minor} and st_.balance("CNY") == 0 and st_.by_hand == {}
    page = client.get(f"/c/{order.certificate.token}").get_data(as_text=True)
    assert f"WeChat Pay split {split.split_ref}" in page and forum.owner.name in page


def test_an_owner_without_an_account_is_paid_by_hand(client, db, forum, wechat):
    assert pay_at_wechat(client, db, wechat, forum) is None
    assert statements.statement(db.session, forum.owner).balance("CNY") > 0


def test_a_provider_down_is_retried_with_backoff_then_done_once(client, db, config, forum, wechat):
    register(db, config, forum)
    split = pay_at_wechat(client, db, wechat, forum, down=1)
    assert split.status == "pending" and split.attempts == 1 and "500" in split.last_error
    assert split.split_no not in wechat.splits
    assert splits.sweep(db.session, config) == {}  # not due yet: one minute of backoff
    later = utcnow() + dt.timedelta(minutes=2)
    assert splits.sweep(db.session, config, later) == {"done": 1}
    db.session.expire_all()
    assert splits.of_order(db.session, split.order_id).status == "done"
    assert splits.sweep(db.session, config, later + dt.timedelta(days=1)) == {}  # nothing left


def test_a_worker_killed_mid_split_is_finished_once_by_the_sweep(client, db, config, forum, wechat, monkeypatch):
    register(db, config, forum)
    real = type(payments.get("wechat_pay")).split

    def dies_after_the_provider_answers(self, cfg, value):
        real(self, cfg, value)  # WeChat Pay made the split...
        raise SystemExit("worker killed")  # ...and the worker died before recording it

    monkeypatch.setattr(type(payments.get("wechat_pay")), "split", dies_after_the_provider_answers)
    with pytest.raises(SystemExit):
        pay_at_wechat(client, db, wechat, forum)
    monkeypatch.undo()
    db.session.rollback()
    row = db.session.scalars(select(OwnerSplit)).one()
    assert row.status == "pending" and row.split_no in wechat.splits  # made there, unknown here
    assert splits.sweep(db.session, config, utcnow() + dt.timedelta(minutes=1)) == {}  # its lease holds
    assert splits.sweep(db.session, config, utcnow() + splits.LEASE + dt.timedelta(seconds=1)) == {"done": 1}
    db.session.expire_all()
    row = db.session.get(OwnerSplit, row.id)
    assert row.status == "done" and row.split_ref == wechat.splits[row.split_no]["order_id"]
    assert len([s for s in wechat.splits.values() if s["out_order_no"] == row.split_no]) == 1


def test_a_refund_takes_the_split_back_first(client, db, config, forum, wechat):
    register(db, config, forum)
    split = pay_at_wechat(client, db, wechat, forum)
    assert splits.reverse(db.session, config, split.order_id) == "returned"
    db.session.expire_all()
    row = splits.of_order(db.session, split.order_id)
    assert row.return_ref == wechat.returns[row.split_no + "R"]["return_id"] and row.returned_at is not None
    assert splits.reverse(db.session, config, split.order_id) == "returned"  # once
    assert len(wechat.returns) == 1
    assert statements.statement(db.session, forum.owner).paid_out.get("CNY", 0) == 0


def test_reconcile_prints_every_mismatch_with_the_providers_bill(client, db, config, forum, wechat, runner):
    register(db, config, forum)
    split = pay_at_wechat(client, db, wechat, forum)
    day = (split.done_at + dt.timedelta(hours=8)).date().isoformat()  # WeChat's bills keep Beijing's days
    ok = runner.invoke(args=["payouts", "reconcile", "--provider", "wechat_pay", "--date", day])
    assert ok.exit_code == 0 and "every split matches" in ok.output, ok.output
    split.amount_minor += 1  # our record disagrees with WeChat Pay's
    db.session.commit()
    bad = runner.invoke(args=["payouts", "reconcile", "--provider", "wechat_pay", "--date", day])
    assert bad.exit_code == 1 and f"MISMATCH {split.split_no}: amount" in bad.output


def test_adding_an_account_the_provider_refuses_changes_nothing(client, db, config, forum, operator_client):
    page = operator_client.post("/operator/payout-accounts", data={
        "owner_id": str(forum.owner_id), "provider": "wechat_pay", "kind": "MERCHANT_ID",
        "account": "1999999999", "name": "Nobody Ltd"})
    assert page.status_code == 422 and "refused the account" in page.get_data(as_text=True)
    assert splits.account_for(db.session, forum.owner_id, "wechat_pay") is None
    page = operator_client.post("/operator/payout-accounts", data={
        "owner_id": str(forum.owner_id), "provider": "wechat_pay", "kind": "MERCHANT_ID",
        "account": MERCHANT, "name": NAME})
    assert page.status_code == 303
    assert splits.account_for(db.session, forum.owner_id, "wechat_pay").account == MERCHANT


@pytest.fixture
def operator_client(app, client, db):
    from tests.accounts import sign_in_operator

    sign_in_operator(db, client)
    return client


def test_splits_and_payouts_at_the_same_moment_never_pass_what_is_owed(db, app_config, config, forum, make_order):
    register(db, config, forum)
    paid = [make_order(project=forum, kg=1000) for _ in range(3)]
    for order in paid:
        order.provider = "wechat_pay"
    db.session.commit()
    owed = statements.statement(db.session, forum.owner).balance("CNY")
    share, owner_id = paid[0].owner_minor, forum.owner_id  # read here: the threads must not touch this session
    ids = [o.id for o in paid]

    def act(session, i):
        from app.models import Order

        if i < 3:  # the notices of three orders, each scheduling its split
            splits.schedule(session, session.get(Order, ids[i]))
        else:  # seven operators recording a payout of one share each
            admin.record_payout(session, owner_id, share, "CNY", f"R{i}")

    outcomes(app_config, act, 10, (admin.AdminError,))
    db.session.expire_all()
    by_hand = db.session.scalar(select(func.coalesce(func.sum(Payout.amount_minor), 0)))
    split = db.session.scalar(select(func.coalesce(func.sum(OwnerSplit.amount_minor), 0)))
    assert by_hand + split == owed  # every share paid exactly once, by one way or the other
    assert statements.statement(db.session, forum.owner).balance("CNY") == 0


@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.tuples(st.integers(1, 400), st.sampled_from(["split", "returned", "failed", "hand", "none"])),
                min_size=1, max_size=8))
def test_statement_figures_add_up_to_the_orders_shares(app, db, make_event, make_project, make_order, events):
    project = make_project(price=9000)
    account = splits.PayoutAccount(owner_id=project.owner_id, provider="wechat_pay", kind="MERCHANT_ID",
                                   account=MERCHANT, name=NAME)
    db.session.add(account)
    db.session.commit()
    for kg, what in events:
        order = make_order(project=project, kg=kg)
        if what in ("split", "returned", "failed"):
            db.session.add(OwnerSplit(order_id=order.id, account_id=account.id, provider="wechat_pay",
                                      split_no=splits.split_no(order), amount_minor=order.owner_minor,
                                      currency="CNY", status={"split": "done"}.get(what, what)))
        elif what == "hand":
            db.session.add(Payout(owner_id=project.owner_id, amount_minor=order.owner_minor, currency="CNY"))
    db.session.commit()
    st_ = statements.statement(db.session, project.owner)
    shares = db.session.scalar(select(func.sum(splits.OrderRow.owner_minor))
                               .where(splits.OrderRow.project_id == project.id, splits.OrderRow.status == "paid"))
    assert st_.owed("CNY") == shares
    settled = {"split", "hand"}
    assert st_.paid_out.get("CNY", 0) == sum(
        make_share for make_share, (_kg, what) in zip(
            (o.owner_minor for o in sorted(project_orders(db, project.id), key=lambda o: o.id)), events, strict=True)
        if what in settled)
    assert st_.owed("CNY") == st_.paid_out.get("CNY", 0) + st_.on_the_way.get("CNY", 0) + st_.balance("CNY")
    money = statements.project_money(db.session, [project])[project.id]
    assert money.owner_paid_out_minor == st_.paid_out.get("CNY", 0)


def project_orders(db, project_id):
    return db.session.scalars(select(splits.OrderRow).where(splits.OrderRow.project_id == project_id)).all()


_ = threading  # the race helper runs its own threads


def test_alipay_sends_the_share_by_settlement_and_reconciles(app, client, db, make_event, make_project, runner):
    from app.fakes import FakeAlipay
    from app.models import Order

    with_alipay = FakeAlipay()
    with_alipay.start()
    try:
        app.config.update(with_alipay.config())
        make_event(slug="forum")
        project = make_project(quantity=100_000, price=9000)
        config = payments.settings_from(app.config)
        splits.add_account(db.session, config, project.owner_id, "alipay", "userId", "2088101126765726", NAME)
        order = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 100},
                            headers={"User-Agent": DESKTOP_UA}).get_json()
        client.post(f"/pay/{order['id']}/with/alipay", headers={"User-Agent": DESKTOP_UA})
        row = db.session.execute(select(Order).where(Order.public_id == order["id"])).scalar_one()
        with_alipay.scan(with_alipay.trades[row.payment_ref]["qr_code"], notify=False)
        headers, body = with_alipay.notice(row.payment_ref)
        client.post("/pay/alipay/notify", data=body, headers=headers, content_type="application/x-www-form-urlencoded")
        db.session.expire_all()
        split = splits.of_order(db.session, row.id)
        assert split.status == "done" and split.amount_minor == row.owner_minor
        assert with_alipay.splits[split.split_no]["settle_no"] == split.split_ref
        day = (split.done_at + dt.timedelta(hours=8)).date().isoformat()
        result = runner.invoke(args=["payouts", "reconcile", "--provider", "alipay", "--date", day])
        assert result.exit_code == 0 and "every split matches" in result.output, result.output
    finally:
        with_alipay.stop()

"""Alipay royalty settlement (商家分账) against the fake gateway: receivers bound and refused, a paid
trade's settle once however often asked, outages, refusals in Alipay's words, the royalty taken back,
and the day's bill (a zipped GBK CSV) read back as split records. No Flask app."""
from __future__ import annotations

import io
import json
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Iterator
from datetime import datetime

import pytest

from app.fakes.alipay import FakeAlipay
from app.services.payments import alipay, alipay_splits
from app.services.payments.provider import PRECREATE, Charge, PaymentError, Receiver, Split, SplitRecord

PROVIDER = alipay.PROVIDER
OWNER = Receiver(kind="userId", account="2088101126765726", name="凉山森林恢复有限公司")
OWNER_BY_LOGIN = Receiver(kind="loginName", account="owner@liangshan.example", name="凉山森林恢复有限公司")
SECOND = Receiver(kind="userId", account="2088202233334444", name="怒江生态合作社")


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAlipay]:
    with FakeAlipay() as running:
        running.add_known_account("2088202233334444", "coop@nujiang.example", "怒江生态合作社")
        yield running


@pytest.fixture
def config(fake) -> dict:
    fake.fail_next = 0
    return fake.config()


@pytest.fixture
def bound(fake, config) -> None:
    PROVIDER.add_receiver(config, OWNER)


_counter = iter(range(1, 10**6))


def pay(fake: FakeAlipay, config: dict, amount_minor: int = 10000, scan: bool = True, paid: bool = True) -> Charge:
    """A fresh precreate payment, scanned and paid unless told otherwise."""
    charge = Charge(order_id="ord_Sp-lt_Test12-34A", amount_minor=amount_minor, currency="CNY",
                    reference=PROVIDER.new_reference("ord_Sp-lt_Test12-34A", PRECREATE), title="Carbon credits",
                    notify_url="http://127.0.0.1:9/unused", flow=PRECREATE)
    qr = PROVIDER.create(config, charge).qr
    if scan:
        fake.scan(qr, pay=paid, notify=False)
    return charge


def split_of(fake: FakeAlipay, charge: Charge, amount_minor: int = 9000, receiver: Receiver = OWNER,
             with_payment_id: bool = True, split_no: str | None = None) -> Split:
    trade = fake.trades[charge.reference]
    return Split(split_no=split_no or f"spl_{next(_counter):06d}", order_id=charge.order_id,
                 reference=charge.reference, payment_id=trade["trade_no"] if with_payment_id else None,
                 amount_minor=amount_minor, currency="CNY", receiver=receiver, description="碳信用 owner share")


def biz_of(fake: FakeAlipay, api: str) -> dict:
    return json.loads(next(p for _, a, p in reversed(fake.requests) if a == api)["biz_content"])


def today() -> str:
    return datetime.now(alipay.SHANGHAI).date().isoformat()


# --- receivers ------------------------------------------------------------------------------
def test_the_provider_splits_to_user_ids_and_login_names():
    assert PROVIDER.splits is True and PROVIDER.receiver_kinds == ("userId", "loginName")


def test_add_receiver_binds_a_known_account(fake, config):
    PROVIDER.add_receiver(config, OWNER)
    assert biz_of(fake, "alipay.trade.royalty.relation.bind")["receiver_list"] == [
        {"type": "userId", "account": "2088101126765726", "memo": "CarbonDot project owner",
         "name": "凉山森林恢复有限公司"}]
    assert fake.receivers["2088101126765726"]["name"] == "凉山森林恢复有限公司"
    PROVIDER.add_receiver(config, OWNER_BY_LOGIN)  # the same account by its login: bound again, fine
    PROVIDER.add_receiver(config, Receiver(kind="userId", account="2088202233334444"))  # no name: not checked
    assert "2088202233334444" in fake.receivers


@pytest.mark.parametrize("receiver, message", [
    (Receiver(kind="userId", account="2088999999999999", name="凉山森林恢复有限公司"), "ACQ.USER_NOT_EXIST"),
    (Receiver(kind="loginName", account="nobody@example.com", name="某人"), "ACQ.USER_NOT_EXIST"),
    (Receiver(kind="userId", account="2088101126765726", name="另一家公司"), "姓名不匹配"),
    (Receiver(kind="loginName", account="owner@liangshan.example", name="另一家公司"), "ACQ.INVALID_PARAMETER"),
])
def test_add_receiver_is_refused_for_an_unknown_account_or_another_name(fake, config, receiver, message):
    before = dict(fake.receivers)
    with pytest.raises(PaymentError, match=message):
        PROVIDER.add_receiver(config, receiver)
    assert fake.receivers == before


@pytest.mark.parametrize("receiver, message", [
    (Receiver(kind="MERCHANT_ID", account="1900000109"), "userId or loginName"),
    (Receiver(kind="userId", account="1234"), "2088"),
    (Receiver(kind="loginName", account="owner@liangshan.example"), "name"),
])
def test_add_receiver_refuses_what_alipay_would_before_asking(fake, config, receiver, message):
    calls = len(fake.requests)
    with pytest.raises(PaymentError, match=message):
        PROVIDER.add_receiver(config, receiver)
    assert len(fake.requests) == calls


# --- splitting --------------------------------------------------------------------------------
def test_a_paid_payment_is_split_to_the_receiver(fake, config, bound):
    charge = pay(fake, config)
    split = split_of(fake, charge)
    settle_no = PROVIDER.split(config, split)
    done = fake.splits[split.split_no]
    assert done["settle_no"] == settle_no and done["amount_minor"] == 9000 and done["state"] == "SUCCESS"
    assert done["trans_in"] == [("2088101126765726", 9000)] and done["royalty_finish"] is True
    biz = biz_of(fake, "alipay.trade.order.settle")
    assert biz == {"out_request_no": split.split_no, "trade_no": split.payment_id,
                   "royalty_parameters": [{"royalty_type": "transfer", "trans_in_type": "userId",
                                           "trans_in": "2088101126765726", "amount": "90.00",
                                           "desc": "碳信用 owner share"}],
                   "extend_params": {"royalty_finish": "true"}}


def test_the_same_split_again_is_the_same_settle_and_moves_nothing_twice(fake, config, bound):
    charge = pay(fake, config)
    split = split_of(fake, charge)
    first = PROVIDER.split(config, split)
    assert PROVIDER.split(config, split) == first == PROVIDER.split(config, split)
    trade_no = split.payment_id
    assert [s["settle_no"] for s in fake.splits.values() if s["trade_no"] == trade_no] == [first]
    assert fake._settled(trade_no) == 9000


def test_an_outage_fails_the_split_and_the_retry_sends_it_once(fake, config, bound):
    split = split_of(fake, pay(fake, config))
    fake.fail_next = 1
    with pytest.raises(PaymentError, match="500"):
        PROVIDER.split(config, split)
    assert split.split_no not in fake.splits
    settle_no = PROVIDER.split(config, split)
    assert fake.splits[split.split_no]["settle_no"] == settle_no


def test_without_the_payment_id_the_trade_is_looked_up_first(fake, config, bound):
    charge = pay(fake, config)
    split = split_of(fake, charge, with_payment_id=False)
    PROVIDER.split(config, split)
    assert fake.splits[split.split_no]["trade_no"] == fake.trades[charge.reference]["trade_no"]
    assert [api for _, api, _ in fake.requests[-2:]] == ["alipay.trade.query", "alipay.trade.order.settle"]


def test_a_split_no_with_dashes_is_sent_with_underscores(fake, config, bound):
    split = split_of(fake, pay(fake, config), split_no="ord_Ab-cd-7")
    PROVIDER.split(config, split)
    assert "ord_Ab_cd_7" in fake.splits
    with pytest.raises(PaymentError, match="split_no"):
        PROVIDER.split(config, split_of(fake, pay(fake, config), split_no="spl.1"))


def test_a_split_of_an_unpaid_payment_is_refused(fake, config, bound):
    scanned = pay(fake, config, paid=False)  # WAIT_BUYER_PAY
    with pytest.raises(PaymentError, match="ACQ.TRADE_STATUS_ERROR"):
        PROVIDER.split(config, split_of(fake, scanned))
    never_scanned = pay(fake, config, scan=False)  # Alipay does not know the trade yet
    with pytest.raises(PaymentError, match="ACQ.TRADE_NOT_EXIST"):
        PROVIDER.split(config, split_of(fake, never_scanned, with_payment_id=False))


def test_a_split_larger_than_what_is_left_is_refused(fake, config, bound):
    charge = pay(fake, config, amount_minor=5000)
    with pytest.raises(PaymentError, match="ACQ.ALLOC_AMOUNT_VALIDATE_ERROR"):
        PROVIDER.split(config, split_of(fake, charge, amount_minor=5001))
    PROVIDER.split(config, split_of(fake, charge, amount_minor=3000))
    with pytest.raises(PaymentError, match="ACQ.ALLOC_AMOUNT_VALIDATE_ERROR"):
        PROVIDER.split(config, split_of(fake, charge, amount_minor=2001))
    fake.royalty_max_ratio = 30  # Alipay caps a merchant's royalties at a share of each trade
    try:
        with pytest.raises(PaymentError, match="ACQ.ALLOC_AMOUNT_VALIDATE_ERROR"):
            PROVIDER.split(config, split_of(fake, pay(fake, config, amount_minor=5000), amount_minor=1501))
    finally:
        fake.royalty_max_ratio = 100


def test_a_split_to_an_unbound_receiver_is_refused(fake, config, bound):
    stranger = Receiver(kind="userId", account="2088555566667777", name="某人")
    fake.add_known_account("2088555566667777", "someone@example.com", "某人")  # exists, never bound
    with pytest.raises(PaymentError, match="ACQ.ROYALTY_RECEIVER_INVALID"):
        PROVIDER.split(config, split_of(fake, pay(fake, config), receiver=stranger))


def test_a_split_refuses_another_currency(fake, config):
    split = split_of(fake, pay(fake, config))
    with pytest.raises(PaymentError, match="CNY"):
        PROVIDER.split(config, Split(**{**split.__dict__, "currency": "EUR"}))


# --- returning ----------------------------------------------------------------------------------
def test_return_split_takes_the_royalty_back_once_and_the_payment_can_then_be_refunded(fake, config, bound):
    charge = pay(fake, config)
    split = split_of(fake, charge)
    settle_no = PROVIDER.split(config, split)
    return_id = PROVIDER.return_split(config, split, settle_no)
    assert return_id == f"{split.payment_id}:{split.split_no}R"
    assert PROVIDER.return_split(config, split, settle_no) == return_id  # again: the same, fund_change "N"
    assert list(fake.split_returns).count(split.split_no + "R") == 1
    assert fake.splits[split.split_no]["returned_minor"] == 9000 and fake.splits[split.split_no]["state"] == "RETURNED"
    biz = biz_of(fake, "alipay.trade.refund")
    assert biz["refund_amount"] == "0.00" and biz["out_request_no"] == split.split_no + "R"
    assert biz["refund_royalty_parameters"] == [{"royalty_type": "transfer", "trans_out_type": "userId",
                                                 "trans_out": "2088101126765726", "amount": "90.00"}]
    assert fake.trades[charge.reference]["refunded_minor"] == 0  # nothing went to the buyer
    PROVIDER.refund(config, charge)
    assert fake.trades[charge.reference]["refunded_minor"] == 10000


def test_return_split_of_more_than_was_split_is_refused(fake, config, bound):
    charge = pay(fake, config)
    split = split_of(fake, charge, amount_minor=1000)
    settle_no = PROVIDER.split(config, split)
    with pytest.raises(PaymentError, match="ACQ.INVALID_PARAMETER"):
        PROVIDER.return_split(config, split_of(fake, charge, amount_minor=1001, split_no=split.split_no), settle_no)


# --- the bill -------------------------------------------------------------------------------------
def test_split_records_read_the_days_bill(fake, config, bound):
    done = split_of(fake, pay(fake, config), amount_minor=4321)
    done_id = PROVIDER.split(config, done)
    returned = split_of(fake, pay(fake, config), amount_minor=1234)
    returned_id = PROVIDER.split(config, returned)
    PROVIDER.return_split(config, returned, returned_id)
    records = PROVIDER.split_records(config, today())
    assert SplitRecord(split_no=done.split_no, split_id=done_id, amount_minor=4321, currency="CNY",
                       status="done") in records
    assert SplitRecord(split_no=returned.split_no, split_id=returned_id, amount_minor=1234, currency="CNY",
                       status="returned") in records
    assert {r.split_no for r in records} <= set(fake.splits)
    assert biz_of(fake, "alipay.data.dataservice.bill.downloadurl.query") == {"bill_type": "trade",
                                                                             "bill_date": today()}
    assert PROVIDER.split_records(config, "2020-01-01") == []


def test_the_bill_is_a_zip_of_one_gbk_csv_in_alipays_shape_and_its_url_expires(fake, config, bound):
    PROVIDER.split(config, split_of(fake, pay(fake, config)))
    url = alipay.call(config, "server_api", api_name="alipay.data.dataservice.bill.downloadurl.query",
                      biz_content={"bill_type": "signcustomer", "bill_date": today()})["bill_download_url"]
    assert url.startswith(fake.base + "/downloadBillFile.resource?") and "fileType=csv.zip" in url
    with urllib.request.urlopen(url, timeout=5) as response:
        body = response.read()
    archive = zipfile.ZipFile(io.BytesIO(body))
    [member] = archive.namelist()
    text = archive.read(member).decode("gbk")
    lines = text.split("\r\n")
    assert member.endswith("_分账明细.csv") and lines[0] == "#支付宝分账明细查询"
    assert lines[4].startswith("分账单号,商户请求号,支付宝交易号") and "\t" in lines[5]
    assert lines[-3].startswith("#分账合计：笔数")
    assert alipay_splits.parse_bill(body) == PROVIDER.split_records(config, today())
    clock = fake.clock
    fake.clock = lambda: clock() + 31
    try:
        with pytest.raises(urllib.error.HTTPError):
            urllib.request.urlopen(url, timeout=5)
    finally:
        fake.clock = clock


def test_no_bill_before_its_day_and_an_outage_are_payment_errors(fake, config):
    with pytest.raises(PaymentError, match="isp.bill_not_exist"):
        PROVIDER.split_records(config, "2999-01-01")
    with pytest.raises(PaymentError, match="YYYY-MM-DD"):
        PROVIDER.split_records(config, "2026-12")
    fake.fail_next = 1
    with pytest.raises(PaymentError, match="500"):
        PROVIDER.split_records(config, today())
    with pytest.raises(PaymentError, match="not a zip"):
        alipay_splits.parse_bill(b"<html>expired</html>")


def test_a_settle_is_queried_by_its_settle_no(fake, config, bound):
    split = split_of(fake, pay(fake, config))
    settle_no = PROVIDER.split(config, split)
    answer = alipay.call(config, "server_api", api_name="alipay.trade.order.settle.query",
                         biz_content={"settle_no": settle_no})
    assert answer["out_request_no"] == split.split_no
    assert [(d["trans_in"], d["amount"], d["state"]) for d in answer["royalty_detail_list"]] == [
        ("2088101126765726", "90.00", "SUCCESS")]
    assert time.strptime(answer["operation_dt"], "%Y-%m-%d %H:%M:%S")

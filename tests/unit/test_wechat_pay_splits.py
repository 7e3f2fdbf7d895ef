"""WeChat Pay profit sharing (分账) through the `wechatpayv3` SDK against the fake: receivers (a
merchant's encrypted name checked), splits of payments ordered with settle_info.profit_sharing,
returns, and the day's profit-sharing bill. No Flask app."""
from __future__ import annotations

import gzip
import hashlib
import json
import secrets
from datetime import datetime

import pytest
import requests

from app.fakes.wechat_pay import CHINA, FakeWeChatPay
from app.fakes.wechat_pay_splits import KNOWN_MERCHANT
from app.services.payments import wechat_pay, wechat_pay_splits
from app.services.payments.provider import NATIVE, Charge, PaymentError, Receiver, Split, SplitRecord

P = wechat_pay.PROVIDER
MERCHANT = Receiver(kind="MERCHANT_ID", account=KNOWN_MERCHANT[0], name=KNOWN_MERCHANT[1])


@pytest.fixture(scope="module")
def fake():
    with FakeWeChatPay() as server:
        yield server


@pytest.fixture
def config(fake):
    fake.fail_next = 0
    fake.max_ratio = None
    P.add_receiver(fake.config(), MERCHANT)
    return fake.config()


def today() -> str:
    return datetime.now(CHINA).date().isoformat()


def paid(fake, config, amount: int = 10000, split_later: bool = True, pay: bool = True) -> Charge:
    """A payment made through the provider (settle_info.profit_sharing when split_later), paid."""
    oid = "ord_" + secrets.token_hex(8)
    charge = Charge(order_id=oid, amount_minor=amount, currency="CNY", reference=P.new_reference(oid, NATIVE),
                    title="Carbon credits", notify_url="http://127.0.0.1:9/notify", flow=NATIVE,
                    split_later=split_later)
    P.create(config, charge)
    if pay:
        fake.pay(charge.reference, notify=False)
    return charge


def split_of(charge: Charge, amount: int = 8500, receiver: Receiver = MERCHANT, payment_id: str | None = None,
             split_no: str | None = None) -> Split:
    return Split(split_no=split_no or "S" + charge.order_id, order_id=charge.order_id,
                 reference=str(charge.reference), payment_id=payment_id, amount_minor=amount, currency="CNY",
                 receiver=receiver, description="项目方收益")


# --- paying for a split later ------------------------------------------------------------------
def test_a_payment_to_split_later_is_ordered_with_profit_sharing(fake, config):
    later, now = paid(fake, config, pay=False), paid(fake, config, pay=False, split_later=False)
    assert fake.payments[later.reference]["request"][1]["settle_info"] == {"profit_sharing": True}
    assert "settle_info" not in fake.payments[now.reference]["request"][1]


def test_it_splits_and_takes_receivers():
    assert P.splits and P.receiver_kinds == ("MERCHANT_ID", "PERSONAL_OPENID")


# --- receivers ---------------------------------------------------------------------------------
def test_a_merchant_receiver_is_added_with_its_name_encrypted(fake, config):
    assert fake.receivers[("MERCHANT_ID", KNOWN_MERCHANT[0])]["name"] == KNOWN_MERCHANT[1]
    _, _, headers, body = next(r for r in reversed(fake.requests) if r[1] == "/v3/profitsharing/receivers/add")
    sent = json.loads(body)
    assert sent["relation_type"] == "PARTNER" and sent["name"] != KNOWN_MERCHANT[1] and len(sent["name"]) == 344
    assert headers["wechatpay-serial"] == fake.public_key_id
    P.add_receiver(config, MERCHANT)  # again: harmless


def test_receivers_wechat_does_not_know_or_whose_name_does_not_match_are_refused(fake, config):
    with pytest.raises(PaymentError, match="PARAM_ERROR 分账接收方全称与商户号不匹配"):
        P.add_receiver(config, Receiver(kind="MERCHANT_ID", account=KNOWN_MERCHANT[0], name="凉山森林有限公司"))
    with pytest.raises(PaymentError, match="分账接收方商户号不存在"):
        P.add_receiver(config, Receiver(kind="MERCHANT_ID", account="1900000999", name="某某公司"))
    with pytest.raises(PaymentError, match="full name"):
        P.add_receiver(config, Receiver(kind="MERCHANT_ID", account=KNOWN_MERCHANT[0]))
    with pytest.raises(PaymentError, match="openid 与 appid 不匹配"):
        P.add_receiver(config, Receiver(kind="PERSONAL_OPENID", account="o-not-of-this-app"))
    with pytest.raises(PaymentError, match="not 'loginName'"):
        P.add_receiver(config, Receiver(kind="loginName", account="owner@example.com"))
    fake.add_known_merchant("1900000999", "某某公司")
    P.add_receiver(config, Receiver(kind="MERCHANT_ID", account="1900000999", name="某某公司"))
    P.add_receiver(config, Receiver(kind="PERSONAL_OPENID", account=fake.openid))  # no name needed
    assert ("PERSONAL_OPENID", fake.openid) in fake.receivers


# --- splits ------------------------------------------------------------------------------------
def test_a_paid_payment_is_split_once_however_often_asked(fake, config):
    charge = paid(fake, config)
    split = split_of(charge)
    split_id = P.split(config, split)
    assert split_id.startswith("3008") and fake.splits[split.split_no]["order_id"] == split_id
    at_fake = fake.splits[split.split_no]
    assert at_fake["transaction_id"] == fake.payments[charge.reference]["transaction_id"]
    assert at_fake["unfreeze_unsplit"] is True and at_fake["state"] == "FINISHED"
    assert [(r["type"], r["account"], r["amount"], r["result"]) for r in at_fake["receivers"]] == [
        ("MERCHANT_ID", KNOWN_MERCHANT[0], 8500, "SUCCESS")]
    transaction = fake.payments[charge.reference]["transaction_id"]
    assert P.split(config, split_of(charge, payment_id=transaction)) == split_id  # again: the same split
    assert sum(s["transaction_id"] == transaction for s in fake.splits.values()) == 1


def test_a_failed_split_raises_and_then_goes_through(fake, config):
    charge = paid(fake, config)
    fake.fail_next = 2  # the query, then the split
    with pytest.raises(PaymentError, match="SYSTEM_ERROR"):
        P.split(config, split_of(charge))
    with pytest.raises(PaymentError, match="SYSTEM_ERROR"):
        P.split(config, split_of(charge))
    split_id = P.split(config, split_of(charge))
    assert fake.splits["S" + charge.order_id]["order_id"] == split_id


def test_an_unpaid_payment_is_not_split(fake, config):
    charge = paid(fake, config, pay=False)
    with pytest.raises(PaymentError, match="not paid"):
        P.split(config, split_of(charge))
    transaction = fake.payments[charge.reference]["transaction_id"]  # WeChat would not have named it yet
    with pytest.raises(PaymentError, match="INVALID_REQUEST 订单未支付成功"):
        P.split(config, split_of(charge, payment_id=transaction))
    assert "S" + charge.order_id not in fake.splits


def test_a_payment_made_without_profit_sharing_is_not_split(fake, config):
    charge = paid(fake, config, split_later=False)
    with pytest.raises(PaymentError, match="INVALID_REQUEST 订单不支持分账"):
        P.split(config, split_of(charge))


def test_a_receiver_not_added_is_refused(fake, config):
    fake.add_known_merchant("1900000777", "未添加的公司")
    with pytest.raises(PaymentError, match="RECEIVER_INVALID"):
        P.split(config, split_of(paid(fake, config), receiver=Receiver("MERCHANT_ID", "1900000777", "未添加的公司")))


def test_no_more_than_is_left_is_split_and_a_split_payment_is_done(fake, config):
    charge = paid(fake, config, amount=1000)
    with pytest.raises(PaymentError, match="NOT_ENOUGH"):
        P.split(config, split_of(charge, amount=1001))
    fake.max_ratio = 0.3  # WeChat's default cap on what a payment may split
    with pytest.raises(PaymentError, match="最大分账比例"):
        P.split(config, split_of(charge, amount=301))
    fake.max_ratio = None
    P.split(config, split_of(charge, amount=600))
    with pytest.raises(PaymentError, match="已完成分账"):  # unfreeze_unsplit gave the rest to the merchant
        P.split(config, split_of(charge, amount=100, split_no="S2" + charge.order_id))


# --- returns -----------------------------------------------------------------------------------
def test_a_split_is_taken_back_once(fake, config):
    charge = paid(fake, config)
    split = split_of(charge)
    split_id = P.split(config, split)
    return_id = P.return_split(config, split, split_id)
    assert P.return_split(config, split, split_id) == return_id
    returned = fake.returns[split.split_no + "R"]
    assert (returned["return_id"], returned["order_id"], returned["return_mchid"], returned["amount"]) == (
        return_id, split_id, KNOWN_MERCHANT[0], 8500)
    assert sum(r["order_id"] == split_id for r in fake.returns.values()) == 1
    with pytest.raises(PaymentError, match="RESOURCE_NOT_EXISTS"):
        P.return_split(config, split_of(charge, split_no="Snever" + charge.order_id), "")


def test_a_split_to_a_personal_openid_cannot_be_taken_back(fake, config):
    openid = Receiver(kind="PERSONAL_OPENID", account=fake.openid)
    P.add_receiver(config, openid)
    charge = paid(fake, config)
    split = split_of(charge, amount=100, receiver=openid)
    split_id = P.split(config, split)
    with pytest.raises(PaymentError, match="merchant receivers only"):
        P.return_split(config, split, split_id)


# --- the profit-sharing bill -------------------------------------------------------------------
def test_the_days_bill_lists_splits_done_and_returned(fake, config):
    done, taken = paid(fake, config, amount=12345), paid(fake, config)
    done_id = P.split(config, split_of(done, amount=10000))
    taken_split = split_of(taken, amount=1)
    taken_id = P.split(config, taken_split)
    P.return_split(config, taken_split, taken_id)
    records = {r.split_no: r for r in P.split_records(config, today())}
    assert records["S" + done.order_id] == SplitRecord("S" + done.order_id, done_id, 10000, "CNY", "done")
    assert records["S" + taken.order_id] == SplitRecord("S" + taken.order_id, taken_id, 1, "CNY", "returned")


def test_the_bill_is_wechats_csv_behind_a_signed_download(fake, config):
    P.split(config, split_of(paid(fake, config), amount=4321))
    text = fake.bill_text(today())
    lines = text.splitlines()
    assert lines[0].startswith("分账发起时间,分账方商户号,分账订单号,商户分账单号,微信订单号,分账接收方,分账金额(元),"
                               "业务类型")
    assert lines[1].startswith("`") and ",`43.21,`分账,`SUCCESS," in text
    sdk = wechat_pay.client(config)
    _, answer = wechat_pay.call("bill", sdk.profitsharing_bill, bill_date=today(), tar_type="GZIP")
    assert answer["hash_type"] == "SHA1" and answer["download_url"].startswith(fake.base + "/v3/billdownload/file?")
    assert requests.get(answer["download_url"], timeout=5).status_code == 401  # without Authorization
    content = wechat_pay_splits.download(sdk, answer["download_url"])
    assert hashlib.sha1(gzip.decompress(content)).hexdigest() == answer["hash_value"]
    with pytest.raises(PaymentError, match="does not match its digest"):
        wechat_pay_splits.verified(gzip.compress(b"forged"), answer)


def test_a_day_without_splits_has_no_bill(config):
    assert P.split_records(config, "2020-01-01") == []
    with pytest.raises(PaymentError, match="not a day"):
        P.split_records(config, "yesterday")

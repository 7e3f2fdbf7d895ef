"""WeChat Pay and Alipay, end to end through the routes, against the local fakes that speak their
protocols: each payer gets their ways to pay, switching closes the open payment, notices are
verified (signature, stale timestamp, ciphertext, merchant, app, amount) and settle once, a late
notice is covered by the provider lookup, and a payment through a wallet the order left pays it
or is refunded."""
from __future__ import annotations

import re
import threading
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives.asymmetric import rsa
from sqlalchemy import func, select

from app import create_app
from app.fakes import FakeAlipay, FakeWeChatPay
from app.models import Certificate, Order, PaymentAttempt, Retirement
from tests.races import race_app

WECHAT_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
             "Mobile Safari/537.36 MicroMessenger/8.0.50.2701(0x28003237) NetType/WIFI Language/zh_CN")
ANDROID_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 "
              "Mobile Safari/537.36")
DESKTOP_UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture(scope="module")
def wechat():
    with FakeWeChatPay() as fake:
        yield fake


@pytest.fixture(scope="module")
def alipay():
    fake = FakeAlipay()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def app_config(app_config, wechat, alipay):
    return {**app_config, **wechat.config(), **alipay.config()}


@pytest.fixture
def forum(make_event, make_project):
    make_event(slug="forum")
    return make_project(quantity=100_000)


def start_order(client, project, ua: str = ANDROID_UA, kg: int = 50) -> dict:
    answer = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": kg},
                         headers={"User-Agent": ua})
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def order_row(db, public_id: str) -> Order:
    db.session.expire_all()
    return db.session.execute(select(Order).where(Order.public_id == public_id)).scalar_one()


def counts(db) -> tuple[int, int]:
    db.session.expire_all()
    return (db.session.scalar(select(func.count()).select_from(Certificate)),
            db.session.scalar(select(func.count()).select_from(Retirement)))


def buttons(page: str) -> list[str]:
    return re.findall(r'action="/pay/[^/"]+/with/(\w+)"', page)


def pay_with(client, public_id: str, provider: str, ua: str):
    return client.post(f"/pay/{public_id}/with/{provider}", headers={"User-Agent": ua})


def qr_code_of(fake, reference: str, field: str) -> str:
    store = fake.payments if isinstance(fake, FakeWeChatPay) else fake.trades
    return store[reference][field]


def test_each_payer_gets_their_ways_to_pay_best_first(client, forum):
    order = start_order(client, forum, ua=WECHAT_UA)
    assert order["provider"] == "wechat_pay" and order["payment_url"].endswith(f"/pay/{order['id']}")
    # WeChat's browser blocks Alipay's pages, so its one way is WeChat Pay: straight to WeChat's OAuth.
    answer = client.get(f"/pay/{order['id']}", headers={"User-Agent": WECHAT_UA})
    assert "/connect/oauth2/authorize?" in answer.headers["Location"]
    page = client.get(f"/pay/{order['id']}", headers={"User-Agent": ANDROID_UA}).get_data(as_text=True)
    assert buttons(page) == ["alipay", "wechat_pay"] and "Pay with Alipay" in page
    assert start_order(client, forum, ua=ANDROID_UA)["provider"] == "alipay"
    assert start_order(client, forum, ua=DESKTOP_UA)["provider"] == "wechat_pay"


def test_a_desktop_sees_a_wechat_pay_code_and_the_lookup_settles_it_before_the_notice(client, db, forum, wechat):
    order = start_order(client, forum, ua=DESKTOP_UA)
    page = client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA}).get_data(as_text=True)
    row = order_row(db, order["id"])
    assert row.provider == "wechat_pay" and row.payment_ref.startswith(order["id"].replace("-", "_")[:4])
    assert '<svg class="k-qr"' in page and buttons(page) == ["alipay"] and "Scan with WeChat Pay" in page
    code_url = qr_code_of(wechat, row.payment_ref, "code_url")
    assert code_url.startswith("weixin://wxpay/bizpayurl?pr=")
    # The same page again opens no second payment (the same out_trade_no, the same code).
    client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA})
    assert order_row(db, order["id"]).payment_ref == row.payment_ref
    assert client.get(f"/pay/{order['id']}/watch").status_code == 204
    wechat.scan(code_url, notify=False)  # paid in WeChat; the notice is late
    watch = client.get(f"/pay/{order['id']}/watch", headers={"HX-Request": "true"})
    assert watch.headers["HX-Redirect"] == f"/orders/{order['id']}"
    row = order_row(db, order["id"])
    assert row.status == "paid" and row.certificate is not None and counts(db) == (1, 1)
    assert client.get(f"/orders/{order['id']}").headers["Location"] == f"/c/{row.certificate.token}"


def test_alipay_wap_pays_on_a_phone_and_its_notice_settles_once(client, db, forum, alipay):
    order = start_order(client, forum)
    answer = pay_with(client, order["id"], "alipay", ANDROID_UA)
    assert answer.status_code == 303
    cashier = answer.headers["Location"]
    assert cashier.startswith(alipay.base + "/gateway.do?") and "alipay.trade.wap.pay" in cashier
    assert requests.get(cashier, timeout=10).status_code == 200  # the payer's browser opens Alipay's cashier
    row = order_row(db, order["id"])
    alipay.pay(row.payment_ref, notify=False)
    headers, body = alipay.notice(row.payment_ref)
    for _ in range(3):  # Alipay sends a notice until it reads "success"; each settles nothing new
        reply = client.post("/pay/alipay/notify", data=body, headers=headers, content_type=FORM)
        assert reply.status_code == 200 and reply.get_data(as_text=True) == "success"
    assert order_row(db, order["id"]).status == "paid" and counts(db) == (1, 1)


def test_wechat_h5_on_a_phone_returns_to_the_order(client, db, forum, wechat):
    order = start_order(client, forum)
    answer = pay_with(client, order["id"], "wechat_pay", ANDROID_UA)
    location = urlsplit(answer.headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == wechat.base and location.path == "/h5pay"
    assert parse_qs(location.query)["redirect_url"] == [f"http://localhost/orders/{order['id']}"]
    row = order_row(db, order["id"])
    assert row.provider == "wechat_pay" and wechat.payments[row.payment_ref]["trade_type"] == "MWEB"
    wechat.pay(row.payment_ref, notify=False)
    headers, body = wechat.notice(row.payment_ref)
    reply = client.post("/pay/wechat/notify", data=body, headers=headers)
    assert reply.status_code == 204 and reply.data == b""
    assert order_row(db, order["id"]).status == "paid"


def test_jsapi_inside_wechat_asks_wechat_for_the_openid_then_signs_the_bridge(client, db, forum, wechat):
    order = start_order(client, forum, ua=WECHAT_UA)
    answer = pay_with(client, order["id"], "wechat_pay", WECHAT_UA)
    authorize = answer.headers["Location"]
    assert authorize.startswith(wechat.base + "/connect/oauth2/authorize?") and "snsapi_base" in authorize
    back = requests.get(authorize, allow_redirects=False, timeout=10).headers["Location"]  # WeChat says who
    query = urlsplit(back).query
    page = client.get(f"/pay/wechat/oauth?{query}", headers={"User-Agent": WECHAT_UA}).get_data(as_text=True)
    assert 'id="wechat-pay"' in page and "wechat-pay" in page and "<script>" not in page  # no inline script
    params = parse_bridge(page)
    assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
    assert wechat.jsapi(params) == {"err_msg": "get_brand_wcpay_request:ok"}  # the fake checks paySign
    row = order_row(db, order["id"])
    headers, body = wechat.notice(row.payment_ref)
    assert client.post("/pay/wechat/notify", data=body, headers=headers).status_code == 204
    assert order_row(db, order["id"]).status == "paid"
    # The OAuth state names the order, signed: a forged or replayed-late state opens nothing.
    assert client.get("/pay/wechat/oauth?code=x&state=ord_forged").status_code == 400


def parse_bridge(page: str) -> dict:
    import html
    import json

    raw = re.search(r'data-params="([^"]+)"', page).group(1)
    return json.loads(html.unescape(raw))


def paid_notice_setup(client, db, forum, wechat):
    order = start_order(client, forum, ua=DESKTOP_UA)
    client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA})
    row = order_row(db, order["id"])
    wechat.pay(row.payment_ref, notify=False)
    return order, row.payment_ref


OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.mark.parametrize("forgery", [
    {"signing_key": OTHER_KEY},  # forged: signed with another key
    {"apiv3_key": "k" * 32},  # encrypted with another APIv3 key (decrypts to nothing)
    {"timestamp": 1_700_000_000},  # stale: a replay from long ago
    {"tamper": True},  # the ciphertext changed after signing
    {"appid": "wx_someone_else"},  # another app
    {"mchid": "1234567890"},  # another merchant
    {"serial": "PUB_KEY_ID_0000000000000000000000"},  # another key id (never fetched)
])
def test_a_forged_or_stale_wechat_notice_changes_nothing(client, db, forum, wechat, forgery, caplog):
    order, reference = paid_notice_setup(client, db, forum, wechat)
    before = len(wechat.requests)
    headers, body = wechat.notice(reference, **forgery)
    reply = client.post("/pay/wechat/notify", data=body, headers=headers)
    assert reply.status_code == 401 and reply.get_json()["code"] == "FAIL"
    assert order_row(db, order["id"]).status == "pending" and counts(db) == (0, 0)
    assert len(wechat.requests) == before  # nothing was asked of WeChat Pay (no certificate download)
    assert "Refused a wechat_pay notice" in caplog.text


def test_a_wechat_notice_for_another_amount_is_refused_and_logged(client, db, forum, wechat, caplog):
    order, reference = paid_notice_setup(client, db, forum, wechat)
    headers, body = wechat.notice(reference, amount_minor=order["amount_minor"] - 1)
    assert client.post("/pay/wechat/notify", data=body, headers=headers).status_code == 204  # verified: taken
    assert order_row(db, order["id"]).status == "pending" and counts(db) == (0, 0)
    assert "Amount mismatch" in caplog.text


@pytest.mark.parametrize("forgery", [
    {"signing_key": OTHER_KEY}, {"tamper": True}, {"app_id": "2021000000000000"},
])
def test_a_forged_alipay_notice_changes_nothing(client, db, forum, alipay, forgery):
    order = start_order(client, forum, ua=DESKTOP_UA)
    client.post(f"/pay/{order['id']}/with/alipay", headers={"User-Agent": DESKTOP_UA})
    row = order_row(db, order["id"])
    alipay.scan(qr_code_of(alipay, row.payment_ref, "qr_code"), notify=False)
    headers, body = alipay.notice(row.payment_ref, **forgery)
    reply = client.post("/pay/alipay/notify", data=body, headers=headers, content_type=FORM)
    assert reply.status_code == 400 and reply.get_data(as_text=True) == "fail"
    assert order_row(db, order["id"]).status == "pending" and counts(db) == (0, 0)
    headers, body = alipay.notice(row.payment_ref, amount_minor=order["amount_minor"] + 100)
    assert client.post("/pay/alipay/notify", data=body, headers=headers, content_type=FORM).status_code == 200
    assert order_row(db, order["id"]).status == "pending" and counts(db) == (0, 0)


def test_ten_replays_across_two_app_servers_settle_once(app_config, client, db, forum, wechat):
    order, reference = paid_notice_setup(client, db, forum, wechat)
    headers, body = wechat.notice(reference)
    servers = [race_app(app_config, 5), race_app(app_config, 5)]  # two app servers, one database
    db.session.rollback()  # the test's own session must not hold SQLite's write lock
    barrier, answers, lock = threading.Barrier(10), [], threading.Lock()

    def deliver(i: int) -> None:
        with servers[i % 2].test_client() as other:
            barrier.wait(timeout=30)
            status = other.post("/pay/wechat/notify", data=body, headers=headers).status_code
        with lock:
            answers.append(status)

    threads = [threading.Thread(target=deliver, args=(i,)) for i in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(answers) == [204] * 10
    row = order_row(db, order["id"])
    assert row.status == "paid" and counts(db) == (1, 1)
    assert sum(r.kg for r in row.retirements) == row.credits_kg and row.refund_ref is None


def test_switching_wallets_closes_the_open_payment_first(client, db, forum, wechat, alipay):
    order = start_order(client, forum, ua=DESKTOP_UA)
    client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA})
    first = order_row(db, order["id"]).payment_ref
    answer = pay_with(client, order["id"], "alipay", DESKTOP_UA)
    assert answer.headers["Location"] == f"/pay/{order['id']}"  # the page shows the new code
    page = client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA}).get_data(as_text=True)
    row = order_row(db, order["id"])
    assert row.provider == "alipay" and "Scan with Alipay" in page and buttons(page) == ["wechat_pay"]
    assert wechat.payments[first]["trade_state"] == "CLOSED"  # the WeChat Pay code can no longer be paid
    with pytest.raises(ValueError):
        wechat.pay(first)
    attempts = db.session.scalars(select(PaymentAttempt.provider).where(PaymentAttempt.order_id == row.id)).all()
    assert sorted(attempts) == ["alipay", "wechat_pay"]
    # Switching back opens a new WeChat Pay payment (a closed one is never reopened).
    pay_with(client, order["id"], "wechat_pay", DESKTOP_UA)
    again = order_row(db, order["id"]).payment_ref
    assert again != first and wechat.payments[again]["trade_state"] == "NOTPAY"


def test_a_wallet_paid_after_the_payer_switched_pays_the_order_or_is_refunded(client, db, forum, wechat, alipay):
    # An Alipay code nobody scanned cannot be closed (Alipay does not know it yet): its payment may still come.
    order = start_order(client, forum, ua=DESKTOP_UA)
    pay_with(client, order["id"], "alipay", DESKTOP_UA)
    client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA})
    left = order_row(db, order["id"]).payment_ref
    qr = qr_code_of(alipay, left, "qr_code")
    pay_with(client, order["id"], "wechat_pay", DESKTOP_UA)
    current = order_row(db, order["id"]).payment_ref
    alipay.scan(qr, notify=False)  # paid anyway, from a photo of the old code
    headers, body = alipay.notice(left)
    assert client.post("/pay/alipay/notify", data=body, headers=headers, content_type=FORM).status_code == 200
    row = order_row(db, order["id"])
    assert row.status == "paid" and row.provider == "alipay" and row.payment_ref == left and counts(db) == (1, 1)
    assert wechat.payments[current]["trade_state"] == "CLOSED"
    # The same again, but the WeChat Pay code is paid first: the Alipay payment is given back, once.
    order = start_order(client, forum, ua=DESKTOP_UA)
    pay_with(client, order["id"], "alipay", DESKTOP_UA)
    left = order_row(db, order["id"]).payment_ref
    qr = qr_code_of(alipay, left, "qr_code")
    pay_with(client, order["id"], "wechat_pay", DESKTOP_UA)
    current = order_row(db, order["id"]).payment_ref
    wechat.pay(current, notify=False)
    headers, body = wechat.notice(current)
    client.post("/pay/wechat/notify", data=body, headers=headers)
    alipay.scan(qr, notify=False)
    headers, body = alipay.notice(left)
    for _ in range(2):
        assert client.post("/pay/alipay/notify", data=body, headers=headers, content_type=FORM).status_code == 200
    row = order_row(db, order["id"])
    attempt = db.session.execute(select(PaymentAttempt).where(PaymentAttempt.reference == left)).scalar_one()
    assert row.status == "paid" and row.provider == "wechat_pay" and counts(db) == (2, 2)
    assert attempt.refund_ref and alipay.trades[left]["refunded_minor"] == order["amount_minor"]


def test_a_payment_after_the_credits_were_sold_is_refunded_through_the_wallet(client, db, wechat, make_event,
                                                                              make_project, make_order):
    import datetime as dt

    from app.models import utcnow

    event = make_event(slug="tiny")
    project = make_project(quantity=100)
    order = client.post("/api/v1/orders", json={"event": "tiny", "project": project.id, "kg": 80},
                        headers={"User-Agent": DESKTOP_UA}).get_json()
    client.get(f"/pay/{order['id']}", headers={"User-Agent": DESKTOP_UA})
    row = order_row(db, order["id"])
    reference = row.payment_ref
    row.hold_expires_at = utcnow() - dt.timedelta(hours=1)  # the hold lapses...
    db.session.commit()
    make_order(event=event, project=project, kg=100)  # ...and someone buys every credit
    wechat.pay(reference, notify=False)  # then the payment lands
    headers, body = wechat.notice(reference)
    assert client.post("/pay/wechat/notify", data=body, headers=headers).status_code == 204
    row = order_row(db, order["id"])
    assert row.status == "refunded" and row.refund_ref == wechat.refunds[reference + "R"]["refund_id"]
    assert wechat.payments[reference]["trade_state"] == "REFUND"


def test_a_half_configured_wallet_refuses_to_start_naming_what_is_missing(app_config, wechat):
    half = {k: v for k, v in app_config.items() if not k.startswith("ALIPAY")}
    half.pop("WECHATPAY_APIV3_KEY")
    with pytest.raises(Exception, match="WECHATPAY_APIV3_KEY is not set"):
        create_app(half)


def test_production_never_starts_the_fakes(monkeypatch):
    import config

    monkeypatch.setenv("FAKE_WALLETS", "1")
    assert config.ProductionConfig.FAKE_WALLETS is False and config.TestingConfig.FAKE_WALLETS is False

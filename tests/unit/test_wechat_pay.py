"""WeChat Pay (API v3, direct merchant) through the `wechatpayv3` SDK against the fake, which speaks
the real protocol: signed requests and answers, encrypted and signed notices, the payer's side
(H5 page, Native scan, JSAPI bridge) and the JSAPI OAuth. No Flask app."""
from __future__ import annotations

import base64
import json
import re
import secrets
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from app.fakes.wechat_pay import FakeWeChatPay, new_key, private_pem, public_pem
from app.services.payments import wechat_pay
from app.services.payments.provider import (
    DESKTOP,
    EXPIRED,
    H5,
    JSAPI,
    KIOSK,
    NATIVE,
    PAID,
    PENDING,
    PHONE,
    WECHAT,
    BadSignature,
    Charge,
    Context,
    NotConfigured,
    Payer,
    PaymentError,
)

P = wechat_pay.PROVIDER
WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.49(0x18003129) NetType/WIFI"
OTHER_KEY = new_key()  # anyone's key but the merchant's or WeChat Pay's


class Receiver:
    """The merchant's notify endpoint: parses each notice with the provider and answers as it says."""

    def __init__(self):
        self.config: dict = {}
        self.notices: list = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    notice = P.parse_notice(receiver.config, dict(self.headers.items()), body)
                    receiver.notices.append(notice)
                    status, text, kind = P.notice_reply(True)
                except BadSignature:
                    status, text, kind = P.notice_reply(False)
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(text.encode())))
                self.end_headers()
                self.wfile.write(text.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/payments/wechat_pay/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def fake():
    with FakeWeChatPay() as server:
        yield server


@pytest.fixture(scope="module")
def receiver(fake):
    r = Receiver()
    r.config = fake.config()
    yield r
    r.server.shutdown()
    r.server.server_close()


@pytest.fixture
def config(fake, receiver):
    fake.fail_next = 0
    fake.bridge_answer = "ok"
    return fake.config()


def order_id() -> str:
    return "ord_" + secrets.token_urlsafe(12)[:16].replace("A", "-").replace("B", "_")


def charge(receiver, flow: str = NATIVE, amount: int = 1234, **kwargs) -> Charge:
    oid = kwargs.pop("order_id", None) or order_id()
    fields = dict(order_id=oid, amount_minor=amount, currency="CNY", reference=P.new_reference(oid, flow),
                  title="Carbon credits · 12.3 kg CO₂e", return_url=f"https://carbondot.test/orders/{oid}?x=1",
                  pay_by=int(time.time()) + 900, notify_url=receiver.url, flow=flow,
                  payer=Payer(device=DESKTOP, client_ip="203.0.113.7", openid=""))
    fields.update(kwargs)
    return Charge(**fields)


# --- configuration and choosing ----------------------------------------------------------------
def test_it_names_its_keys_and_refuses_a_half_configuration(config):
    assert P.name == "wechat_pay" and P.title == "WeChat Pay" and P.names_payments
    assert "WECHATPAY_PUBLIC_KEY_ID" in P.required and "WECHAT_APP_SECRET" in P.optional
    P.check(config)
    P.check({})
    with pytest.raises(NotConfigured, match="WECHATPAY_APIV3_KEY, WECHATPAY_PUBLIC_KEY_ID are not set"):
        P.check({k: v for k, v in config.items() if k not in ("WECHATPAY_APIV3_KEY", "WECHATPAY_PUBLIC_KEY_ID")})


def test_the_device_picks_the_flow_and_only_cny_scores(config):
    assert [P.flow(config, Payer(device=d)) for d in (WECHAT, PHONE, DESKTOP, KIOSK)] == [JSAPI, H5, NATIVE, NATIVE]
    assert P.flow({**config, "WECHAT_APP_SECRET": ""}, Payer(device=WECHAT)) is None  # H5 does not open in WeChat
    assert P.score(Context(currency="EUR", user_agent=WECHAT_UA)) is None
    assert P.score(Context(currency="CNY", user_agent=WECHAT_UA)) == 3
    assert P.score(Context(currency="CNY")) == 2


def test_references_are_valid_out_trade_nos_that_say_their_flow():
    for flow in (JSAPI, H5, NATIVE):
        oid = "ord_Ab-_" + "x" * 12
        ref = P.new_reference(oid, flow)
        assert re.fullmatch(r"ord_Ab-_x{12}[JHN][0-9a-z]{6}", ref) and len(ref) == 27
        assert P.flow_of(ref) == flow
    assert P.new_reference("ord_" + "a" * 16, NATIVE) != P.new_reference("ord_" + "a" * 16, NATIVE)
    with pytest.raises(ValueError):
        P.flow_of("ord_aaaaaaaaaaaaaaaaXabcdef")


# --- creating, per flow ---------------------------------------------------------------------------
def test_native_gives_the_code_url_and_sends_what_the_order_says(fake, receiver, config):
    c = charge(receiver, NATIVE, title="T" * 200)
    checkout = P.create(config, c)
    payment = fake.payments[c.reference]
    assert checkout.reference == c.reference and checkout.qr == payment["code_url"]
    assert checkout.qr.startswith("weixin://wxpay/bizpayurl?pr=")
    assert checkout.url is None and checkout.bridge is None and checkout.expires_at is None
    kind, sent = payment["request"]
    assert kind == "native" and sent["amount"] == {"total": 1234, "currency": "CNY"}
    assert sent["attach"] == c.order_id and sent["description"] == "T" * 127 and sent["notify_url"] == receiver.url
    assert sent["time_expire"].endswith("+08:00")
    assert datetime.fromisoformat(sent["time_expire"]).timestamp() == c.pay_by
    assert "payer" not in sent and "scene_info" not in sent


def test_h5_gives_wechats_page_that_returns_the_payer(fake, receiver, config):
    c = charge(receiver, H5)
    checkout = P.create(config, c)
    h5_url = fake.payments[c.reference]["answer"]["h5_url"]
    assert checkout.url == h5_url + "&redirect_url=" + quote(c.return_url, safe="")
    assert fake.payments[c.reference]["request"][1]["scene_info"] == {
        "payer_client_ip": "203.0.113.7", "h5_info": {"type": "Wap"}}
    page = requests.get(checkout.url, timeout=5)
    assert page.status_code == 200 and "Pay ¥12.34" in page.text and "Cancel" in page.text
    form = dict(re.findall(r"name='(\w+)' value='([^']*)'", page.text))
    assert form["redirect_url"] == c.return_url  # redirect_url came through the query, decoded
    paid = requests.post(f"{fake.base}/h5pay", data=form, allow_redirects=False, timeout=5)
    assert paid.status_code == 303 and paid.headers["Location"] == c.return_url
    assert receiver.notices[-1].outcome.reference == c.reference  # notified before the payer came back
    assert fake.notices[-1] == (c.reference, 204)
    with pytest.raises(PaymentError, match="IP address"):
        P.create(config, charge(receiver, H5, payer=Payer(device=PHONE)))


def test_jsapi_gives_signed_bridge_parameters_the_wallet_accepts(fake, receiver, config):
    c = charge(receiver, JSAPI, payer=Payer(device=WECHAT, openid=fake.openid))
    bridge = dict(P.create(config, c).bridge or {})
    assert set(bridge) == {"appId", "timeStamp", "nonceStr", "package", "signType", "paySign"}
    assert bridge["appId"] == fake.appid and bridge["signType"] == "RSA"
    assert bridge["package"] == "prepay_id=" + fake.payments[c.reference]["prepay_id"]
    assert fake.payments[c.reference]["request"][1]["payer"] == {"openid": fake.openid}
    message = "\n".join(bridge[k] for k in ("appId", "timeStamp", "nonceStr", "package")) + "\n"
    fake.merchant_key.public_key().verify(base64.b64decode(bridge["paySign"]), message.encode(),
                                          padding.PKCS1v15(), hashes.SHA256())  # raises if it does not verify
    assert fake.jsapi({**bridge, "nonceStr": "x" + bridge["nonceStr"]})["err_msg"] == "get_brand_wcpay_request:fail"
    fake.bridge_answer = "cancel"
    assert fake.jsapi(bridge) == {"err_msg": "get_brand_wcpay_request:cancel"}
    assert P.lookup(config, c).status == PENDING
    fake.bridge_answer = "ok"
    preflight = requests.options(f"{fake.base}/_fake/jsapi", timeout=5)
    assert preflight.status_code == 204 and preflight.headers["Access-Control-Allow-Origin"] == "*"
    answer = requests.post(f"{fake.base}/_fake/jsapi", json=bridge, timeout=5)
    assert answer.json() == {"err_msg": "get_brand_wcpay_request:ok"}
    assert answer.headers["Access-Control-Allow-Origin"] == "*"
    assert P.lookup(config, c).status == PAID and receiver.notices[-1].outcome.reference == c.reference
    script = requests.get(f"{fake.base}/bridge.js", timeout=5).text
    assert script == fake.bridge_script() and "WeixinJSBridge" in script and "/_fake/jsapi" in script
    with pytest.raises(PaymentError, match="openid"):
        P.create(config, charge(receiver, JSAPI))


def test_create_is_idempotent_and_a_changed_order_is_refused(fake, receiver, config):
    c = charge(receiver, NATIVE)
    assert P.create(config, c) == P.create(config, c)
    orders = [body for method, path, _, body in fake.requests if path == "/v3/pay/transactions/native"
              and json.loads(body)["out_trade_no"] == c.reference]
    assert len(orders) == 2 and fake.payments[c.reference]["trade_state"] == "NOTPAY"  # two asks, one payment
    with pytest.raises(PaymentError, match="INVALID_REQUEST 商户订单号重复"):
        P.create(config, Charge(**{**c.__dict__, "amount_minor": 999}))
    with pytest.raises(PaymentError, match="CNY"):
        P.create(config, Charge(**{**c.__dict__, "currency": "USD"}))


# --- lookup, close, refund ----------------------------------------------------------------------
def test_lookup_before_and_after_paying(fake, receiver, config):
    c = charge(receiver, NATIVE)
    unknown = P.lookup(config, c)  # not opened at WeChat Pay yet
    assert (unknown.status, unknown.reference, unknown.payment_id) == (PENDING, c.reference, None)
    P.create(config, c)
    before = P.lookup(config, c)
    assert (before.status, before.amount_minor, before.currency, before.payment_id) == (PENDING, 1234, "CNY", None)
    assert fake.pay(c.reference) == 204
    after = P.lookup(config, c)
    assert (after.status, after.order_id, after.reference) == (PAID, None, c.reference)
    assert after.amount_minor == 1234 and after.payment_id == fake.payments[c.reference]["transaction_id"]


def test_close_then_lookup_is_expired_and_closing_is_idempotent(fake, receiver, config):
    c = charge(receiver, NATIVE)
    P.close(config, c)  # never opened: fine
    P.create(config, c)
    P.close(config, c)
    P.close(config, c)
    assert P.lookup(config, c).status == EXPIRED
    with pytest.raises(PaymentError, match="ORDER_CLOSED"):
        P.create(config, c)  # a closed out_trade_no is never reopened: a new reference is
    with pytest.raises(ValueError, match="CLOSED"):
        fake.scan(fake.payments[c.reference]["code_url"])
    paid = charge(receiver, NATIVE)
    P.create(config, paid)
    fake.pay(paid.reference, notify=False)
    P.close(config, paid)  # already paid: no error, the caller looks it up
    assert P.lookup(config, paid).status == PAID


def test_refund_is_whole_and_once(fake, receiver, config):
    c = charge(receiver, NATIVE)
    P.create(config, c)
    with pytest.raises(PaymentError, match="订单未支付"):
        P.refund(config, c)
    fake.pay(c.reference, notify=False)
    refund_id = P.refund(config, c)
    assert P.refund(config, c) == refund_id
    refund = fake.refunds[c.reference + "R"]
    assert refund["refund_id"] == refund_id and refund["amount"]["refund"] == 1234
    assert [r for r in fake.refunds.values() if r["out_trade_no"] == c.reference] == [refund]
    assert P.lookup(config, c).status == PAID  # REFUND: it was paid


def test_failures_are_payment_errors(fake, receiver, config):
    c = charge(receiver, NATIVE)
    fake.fail_next = 1
    with pytest.raises(PaymentError, match="500"):
        P.create(config, c)
    P.create(config, c)
    fake.fail_next = 1
    with pytest.raises(PaymentError, match="SYSTEM_ERROR"):
        P.lookup(config, c)
    with pytest.raises(PaymentError, match="SIGN_ERROR"):  # our key is not the one WeChat Pay knows
        P.lookup({**config, "WECHATPAY_PRIVATE_KEY": private_pem(OTHER_KEY)}, c)
    with pytest.raises(PaymentError, match="verify"):  # an answer not signed by WeChat Pay
        P.lookup({**config, "WECHATPAY_PUBLIC_KEY": public_pem(OTHER_KEY)}, c)
    with pytest.raises(PaymentError):
        P.lookup({**config, "WECHATPAY_API_BASE": "http://127.0.0.1:9"}, c)
    unsigned = requests.get(f"{fake.base}/v3/pay/transactions/out-trade-no/{c.reference}?mchid={fake.mchid}",
                            timeout=5)
    assert unsigned.status_code == 401 and unsigned.json()["code"] == "SIGN_ERROR"


def test_keys_may_be_pem_files(fake, receiver, config, tmp_path):
    (tmp_path / "apiclient_key.pem").write_text(config["WECHATPAY_PRIVATE_KEY"])
    (tmp_path / "pub_key.pem").write_text(config["WECHATPAY_PUBLIC_KEY"])
    paths = {**config, "WECHATPAY_PRIVATE_KEY": str(tmp_path / "apiclient_key.pem"),
             "WECHATPAY_PUBLIC_KEY": str(tmp_path / "pub_key.pem")}
    c = charge(receiver, NATIVE)
    assert P.create(paths, c).qr == fake.payments[c.reference]["code_url"]


# --- notices --------------------------------------------------------------------------------------
@pytest.fixture
def paid(fake, receiver, config) -> Charge:
    c = charge(receiver, NATIVE, amount=5000)
    P.create(config, c)
    fake.pay(c.reference, notify=False)
    return c


def test_a_notice_is_verified_and_read(fake, config, paid):
    headers, body = fake.notice(paid.reference)
    notice = P.parse_notice(config, headers, body)
    assert notice is not None and notice.provider == "wechat_pay" and notice.id.startswith("EV-")
    o = notice.outcome
    assert (o.status, o.order_id, o.reference, o.amount_minor, o.currency) == (PAID, None, paid.reference, 5000, "CNY")
    assert o.payment_id == fake.payments[paid.reference]["transaction_id"]
    lower = {k.lower(): v for k, v in headers.items()}
    assert P.parse_notice(config, lower, body) == notice  # header names in any case
    other = P.parse_notice(config, *fake.notice(paid.reference, amount_minor=1))
    assert other is not None and other.outcome.amount_minor == 1  # the checkout service refuses it
    assert P.parse_notice(config, *fake.notice(paid.reference, event_type="REFUND.SUCCESS")) is None


def test_a_scanned_native_payment_notifies_the_merchant(fake, receiver, config):
    c = charge(receiver, NATIVE)
    qr = P.create(config, c).qr
    answer = requests.post(f"{fake.base}/_fake/scan", json={"code_url": qr}, timeout=5)
    assert answer.json() == {"trade_state": "SUCCESS", "notify_status": 204}
    notice = receiver.notices[-1]
    assert (notice.outcome.reference, notice.outcome.status, notice.outcome.amount_minor) == (c.reference, PAID, 1234)


@pytest.mark.parametrize("forgery, why", [
    ({"signing_key": OTHER_KEY}, "signature"),
    ({"tamper": True}, "signature"),
    ({"apiv3_key": "k" * 32}, "decryption"),
    ({"timestamp": -301}, "stale"),  # seconds from now, taken when the test runs (not when it is collected)
    ({"timestamp": +400}, "stale"),
    ({"serial": "PUB_KEY_ID_0000000000000000000000"}, "not our platform key"),
    ({"appid": "wx0000000000000000"}, "for app"),
    ({"mchid": "1900000000"}, "for merchant"),
])
def test_forged_stale_or_foreign_notices_are_refused(fake, config, paid, forgery, why):
    if "timestamp" in forgery:
        forgery = {"timestamp": int(time.time()) + forgery["timestamp"]}
    headers, body = fake.notice(paid.reference, **forgery)
    seen = len(fake.requests)
    with pytest.raises(BadSignature, match=why):
        P.parse_notice(config, headers, body)
    assert len(fake.requests) == seen  # no certificate download, no call at all


def test_garbage_notices_are_refused_and_the_reply_is_wechats(fake, config, paid):
    headers, body = fake.notice(paid.reference)
    with pytest.raises(BadSignature):
        P.parse_notice(config, headers, b"{not json")
    with pytest.raises(BadSignature, match="timestamp"):
        P.parse_notice(config, {**headers, "Wechatpay-Timestamp": ""}, body)
    with pytest.raises(BadSignature):
        P.parse_notice(config, {**headers, "Wechatpay-Signature-Type": "HMAC"}, body)
    assert P.notice_reply(True) == (204, "", "text/plain")
    status, text, kind = P.notice_reply(False)
    assert status == 401 and json.loads(text)["code"] == "FAIL" and kind == "application/json"
    forged = fake.notice(paid.reference, signing_key=OTHER_KEY)
    receiver_status = requests.post(fake.payments[paid.reference]["notify_url"], data=forged[1], headers=forged[0],
                                    timeout=5).status_code
    assert receiver_status == 401


# --- JSAPI's OAuth ----------------------------------------------------------------------------------
def test_oauth_gives_the_payers_openid_once_per_code(fake, config):
    url = wechat_pay.oauth_url(config, "https://carbondot.test/wechat/back?o=1", "st8")
    assert url.startswith(f"{fake.base}/connect/oauth2/authorize?appid={fake.appid}&redirect_uri=https%3A%2F%2F")
    assert url.endswith("&response_type=code&scope=snsapi_base&state=st8#wechat_redirect")
    hop = requests.get(url.split("#")[0], allow_redirects=False, timeout=5)
    back = urlsplit(hop.headers["Location"])
    query = {k: v[0] for k, v in parse_qs(back.query).items()}
    assert hop.status_code == 302 and back.netloc == "carbondot.test" and back.path == "/wechat/back"
    assert query["o"] == "1" and query["state"] == "st8"
    assert wechat_pay.openid(config, query["code"]) == fake.openid
    with pytest.raises(PaymentError, match="40029"):
        wechat_pay.openid(config, query["code"])  # used
    code = parse_qs(urlsplit(requests.get(url.split("#")[0], allow_redirects=False, timeout=5)
                             .headers["Location"]).query)["code"][0]
    with pytest.raises(PaymentError, match="40125"):
        wechat_pay.openid({**config, "WECHAT_APP_SECRET": "wrong"}, code)
    with pytest.raises(PaymentError):
        wechat_pay.openid({**config, "WECHAT_API_BASE": "http://127.0.0.1:9"}, code)


def test_the_home_page_lists_open_payments_to_pay_and_expired_ones_cannot_be(fake, receiver, config):
    c = charge(receiver, NATIVE, amount=705, title="Home page order")
    P.create(config, c)
    home = requests.get(fake.base + "/", timeout=5).text
    assert "Home page order" in home and "Pay ¥7.05" in home and c.reference in home
    paid = requests.post(f"{fake.base}/_fake/pay", data={"out_trade_no": c.reference}, allow_redirects=False,
                         timeout=5)
    assert paid.status_code == 303 and P.lookup(config, c).status == PAID
    assert c.reference not in requests.get(fake.base + "/", timeout=5).text
    late = charge(receiver, NATIVE, pay_by=int(time.time()) - 1)
    P.create(config, late)
    with pytest.raises(ValueError, match="expired"):
        fake.pay(late.reference)


def test_a_partial_refund_gives_back_only_that_part(fake, receiver, config):
    """A sponsor's unused balance (sponsors.close_for_refund): refund_minor of the whole payment."""
    import dataclasses

    c = charge(receiver, NATIVE)
    P.create(config, c)
    fake.pay(c.reference, notify=False)
    P.refund(config, dataclasses.replace(c, refund_minor=400))
    refund = fake.refunds[c.reference + "R"]
    assert refund["amount"]["refund"] == 400 and refund["amount"]["total"] == 1234

"""The Alipay provider against the fake gateway (real wire format: python-alipay-sdk signs, the fake
verifies and signs back): each flow's create, idempotency, lookup, close, refund, outages, and the
notices it accepts and refuses. No Flask app."""
from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from base64 import b64encode
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from app.fakes.alipay import FakeAlipay, public_pem, rsa2_verify, signing_string
from app.services.payments import alipay
from app.services.payments.provider import (
    DESKTOP,
    EXPIRED,
    KIOSK,
    PAID,
    PENDING,
    PHONE,
    PRECREATE,
    WAP,
    WECHAT,
    BadSignature,
    Charge,
    Context,
    NotConfigured,
    Payer,
    PaymentError,
)

PROVIDER = alipay.PROVIDER
IPHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"
WECHAT_UA = IPHONE + " MicroMessenger/8.0.49(0x18003129) NetType/WIFI"


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def open_url(url: str, data: dict | None = None) -> tuple[int, dict[str, str], str]:
    """GET (or POST a form to) a URL without following redirects: status, headers, body."""
    opener = urllib.request.build_opener(NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    try:
        with opener.open(url, data=body, timeout=5) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


class Merchant:
    """Our notify endpoint, as the app's route will be: parse_notice, then notice_reply."""

    def __init__(self, config: dict):
        self.received: list = []
        merchant = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                try:
                    merchant.received.append(PROVIDER.parse_notice(config, dict(self.headers.items()), body))
                    status, text, content_type = PROVIDER.notice_reply(True)
                except BadSignature:
                    status, text, content_type = PROVIDER.notice_reply(False)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.end_headers()
                self.wfile.write(text.encode())

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/alipay/notify"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeAlipay]:
    with FakeAlipay() as running:
        yield running


@pytest.fixture(scope="module")
def merchant(fake) -> Iterator[Merchant]:
    running = Merchant(fake.config())
    yield running
    running.server.shutdown()
    running.server.server_close()


@pytest.fixture
def config(fake) -> dict:
    fake.fail_next = 0
    return fake.config()


def charge(for_flow: str, merchant: Merchant | None = None, **fields) -> Charge:
    """A fresh order's charge for a flow (a new reference each time), fields overridden."""
    values = dict(order_id="ord_Ab-cd_EfGh12-34I", amount_minor=1234, currency="CNY",
                  reference=PROVIDER.new_reference("ord_Ab-cd_EfGh12-34I", for_flow),
                  title="Carbon credits 碳信用 (1 t)", return_url="https://carbondot.test/orders/o1",
                  cancel_url="https://carbondot.test/orders/o1/cancel", pay_by=int(time.time()) + 900,
                  notify_url=merchant.url if merchant else "http://127.0.0.1:9/unused", flow=for_flow)
    return Charge(**{**values, **fields})


def wap_params(url: str) -> dict:
    return dict(parse_qsl(urlsplit(url).query))


# --- configuration and choosing ------------------------------------------------------
def test_a_half_configuration_names_what_is_missing(config):
    with pytest.raises(NotConfigured, match="ALIPAY_PRIVATE_KEY, ALIPAY_PUBLIC_KEY are not set"):
        PROVIDER.check({"ALIPAY_APP_ID": "2021000000000001"})
    with pytest.raises(NotConfigured, match="ALIPAY_PUBLIC_KEY is not a usable RSA key"):
        PROVIDER.check({**config, "ALIPAY_PUBLIC_KEY": "not a key"})
    PROVIDER.check(config)
    PROVIDER.check({})  # not configured at all: fine (another provider, or the demo)
    assert PROVIDER.required == ("ALIPAY_APP_ID", "ALIPAY_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
    assert PROVIDER.optional == ("ALIPAY_GATEWAY",)
    assert PROVIDER.form_origins({}) == ("https://openapi.alipay.com",)
    assert PROVIDER.form_origins(config) == (config["ALIPAY_GATEWAY"].removesuffix("/gateway.do"),)


def test_keys_may_be_pem_text_a_pem_file_or_the_consoles_bare_base64(fake, config, tmp_path):
    public_der = fake.alipay_key.public_key().public_bytes(serialization.Encoding.DER,
                                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    (tmp_path / "app.pem").write_text(config["ALIPAY_PRIVATE_KEY"])
    other = {**config, "ALIPAY_PRIVATE_KEY": str(tmp_path / "app.pem"),
             "ALIPAY_PUBLIC_KEY": b64encode(public_der).decode()}
    PROVIDER.check(other)
    assert PROVIDER.create(other, charge(PRECREATE)).qr.startswith("https://qr.alipay.com/")
    with pytest.raises(NotConfigured, match="ALIPAY_PRIVATE_KEY"):
        PROVIDER.check({**config, "ALIPAY_PRIVATE_KEY": config["ALIPAY_PUBLIC_KEY"].split("\n", 1)[1]
                        .rsplit("-----END", 1)[0]})  # the public key's base64 where the private one goes


@pytest.mark.parametrize("user_agent, kind, score", [
    (IPHONE, "visitor", 3), ("Mozilla/5.0 (X11; Linux x86_64)", "visitor", 2), (IPHONE, "kiosk", 2),
    (WECHAT_UA, "visitor", None)])
def test_score_prefers_phones_and_leaves_wechats_browser_out(user_agent, kind, score):
    assert PROVIDER.score(Context(currency="CNY", kind=kind, user_agent=user_agent)) == score
    assert PROVIDER.score(Context(currency="EUR", kind=kind, user_agent=user_agent)) is None


def test_flows_by_device_and_references_that_say_their_flow():
    assert [PROVIDER.flow({}, Payer(device=d)) for d in (PHONE, DESKTOP, KIOSK, WECHAT)] == [
        WAP, PRECREATE, PRECREATE, None]
    first, second = (PROVIDER.new_reference("ord_Ab-cd_EfGh12-34I", WAP) for _ in range(2))
    assert first != second and len(first) == 27 and first.startswith("ord_Ab_cd_EfGh12_34IW")
    assert all(c.isalnum() or c == "_" for c in first)  # Alipay's out_trade_no takes no "-"
    assert PROVIDER.flow_of(first) == WAP
    assert PROVIDER.flow_of(PROVIDER.new_reference("ord_Ab-cd_EfGh12-34I", PRECREATE)) == PRECREATE
    with pytest.raises(ValueError):
        PROVIDER.flow_of("cs_test_123")


def test_yuan_and_fen_convert_exactly():
    assert alipay.yuan(1234) == "12.34" and alipay.yuan(5) == "0.05" and alipay.yuan(100) == "1.00"
    assert alipay.fen("12.34") == 1234 and alipay.fen("7") == 700 and alipay.fen("0.10") == 10
    for bad in ("12.345", "-1.00", "1e3", "NaN", "", " 1.00", "1,00"):
        with pytest.raises(ValueError):
            alipay.fen(bad)
    with pytest.raises(PaymentError):
        alipay.yuan(0)


# --- WAP ------------------------------------------------------------------------------
def test_wap_is_a_signed_gateway_url_the_payers_browser_opens(fake, config):
    c = charge(WAP)
    calls = len(fake.requests)
    checkout = PROVIDER.create(config, c)
    assert len(fake.requests) == calls  # signed locally: no call to Alipay
    assert checkout.reference == c.reference and checkout.qr is None and checkout.expires_at is None
    assert checkout.url.startswith(config["ALIPAY_GATEWAY"] + "?")
    params = wap_params(checkout.url)
    biz = json.loads(params["biz_content"])
    assert params["method"] == "alipay.trade.wap.pay" and params["sign_type"] == "RSA2"
    assert params["notify_url"] == c.notify_url and params["return_url"] == c.return_url
    assert biz == {"subject": "Carbon credits 碳信用 (1 t)", "out_trade_no": c.reference, "total_amount": "12.34",
                   "product_code": "QUICK_WAP_WAY", "quit_url": c.cancel_url,
                   "time_expire": alipay.shanghai_time(c.pay_by)}
    status, _, page = open_url(checkout.url)
    assert status == 200 and "Pay ¥12.34" in page and f'href="{c.cancel_url}"' in page
    # The same charge again: another signed URL, the same one trade.
    status, _, page = open_url(PROVIDER.create(config, c).url)
    assert status == 200 and list(fake.trades).count(c.reference) == 1
    assert PROVIDER.lookup(config, c).status == PENDING


def test_the_cashier_refuses_a_wap_url_changed_after_signing_or_for_another_amount(fake, config):
    c = charge(WAP)
    url = PROVIDER.create(config, c).url
    status, _, page = open_url(url.replace("12.34", "0.01"))
    assert status == 400 and "isv.invalid-signature" in page
    assert open_url(url)[0] == 200
    status, _, page = open_url(PROVIDER.create(config, charge(WAP, amount_minor=1, reference=c.reference)).url)
    assert status == 400 and "ACQ.CONTEXT_INCONSISTENT" in page


def test_paying_the_wap_cashier_notifies_us_and_returns_the_browser_signed(fake, config, merchant):
    c = charge(WAP, merchant)
    open_url(PROVIDER.create(config, c).url)
    status, headers, _ = open_url(f"{fake.base}/_fake/pay", {"out_trade_no": c.reference})
    assert status == 303
    location = headers["Location"]
    assert location.startswith(c.return_url + "?")
    back = wap_params(location)
    assert back["out_trade_no"] == c.reference and back["total_amount"] == "12.34"
    assert back["method"] == "alipay.trade.wap.pay.return" and back["app_id"] == config["ALIPAY_APP_ID"]
    sign = back.pop("sign")
    back.pop("sign_type")
    assert rsa2_verify(fake.alipay_key.public_key(), signing_string(back), sign)
    notice = merchant.received[-1]
    assert notice.outcome.reference == c.reference and notice.outcome.status == PAID
    assert notice.outcome.amount_minor == 1234 and notice.outcome.payment_id == back["trade_no"]
    assert fake.notices[-1]["status"] == 200 and fake.notices[-1]["reply"] == "success"
    outcome = PROVIDER.lookup(config, c)
    assert (outcome.status, outcome.amount_minor, outcome.payment_id) == (PAID, 1234, back["trade_no"])


# --- precreate --------------------------------------------------------------------------
def test_precreate_is_a_qr_code_and_the_same_request_gives_the_same_code(fake, config):
    c = charge(PRECREATE)
    checkout = PROVIDER.create(config, c)
    assert checkout.reference == c.reference and checkout.url is None
    assert checkout.qr.startswith("https://qr.alipay.com/") and fake.trades[c.reference]["qr_code"] == checkout.qr
    method, api, params = fake.requests[-1]
    assert (method, api, params["notify_url"]) == ("GET", "alipay.trade.precreate", c.notify_url)
    assert json.loads(params["biz_content"])["time_expire"] == alipay.shanghai_time(c.pay_by)
    assert PROVIDER.create(config, c).qr == checkout.qr
    with pytest.raises(PaymentError, match="ACQ.CONTEXT_INCONSISTENT"):
        PROVIDER.create(config, charge(PRECREATE, amount_minor=999, reference=c.reference))


def test_lookup_before_the_scan_after_the_scan_and_after_paying(fake, config, merchant):
    c = charge(PRECREATE, merchant)
    qr = PROVIDER.create(config, c).qr
    assert PROVIDER.lookup(config, c) == alipay.Outcome(status=PENDING, order_id=None, reference=c.reference,
                                                        currency="CNY")  # Alipay: ACQ.TRADE_NOT_EXIST
    assert fake.scan(qr, pay=False) is None
    assert PROVIDER.lookup(config, c).status == PENDING  # WAIT_BUYER_PAY
    assert fake.pay(c.reference) == 200
    outcome = PROVIDER.lookup(config, c)
    assert (outcome.status, outcome.amount_minor, outcome.currency) == (PAID, 1234, "CNY")
    assert outcome.payment_id == fake.trades[c.reference]["trade_no"] == merchant.received[-1].outcome.payment_id


def test_the_scan_endpoint_pays_a_precreate(fake, config, merchant):
    c = charge(PRECREATE, merchant)
    qr = PROVIDER.create(config, c).qr
    request = urllib.request.Request(f"{fake.base}/_fake/scan", data=json.dumps({"qr_code": qr}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = json.loads(response.read())
    assert answer == {"out_trade_no": c.reference, "trade_status": "TRADE_SUCCESS", "notify_status": 200}
    assert PROVIDER.lookup(config, c).status == PAID
    assert open_url(f"{fake.base}/_fake/scan", {"qr_code": qr})[0] == 409  # paid already


def test_the_index_lists_open_payments_with_pay_buttons(fake, config):
    c = charge(PRECREATE)
    PROVIDER.create(config, c)
    status, _, page = open_url(fake.base + "/")
    assert status == 200 and c.reference in page and "Pay ¥12.34" in page
    status, headers, _ = open_url(f"{fake.base}/_fake/pay", {"out_trade_no": c.reference})
    assert status == 303 and headers["Location"] == "/"
    assert c.reference not in open_url(fake.base + "/")[2]


# --- close, expiry, refund ---------------------------------------------------------------
def test_close_then_lookup_is_expired_and_closing_is_idempotent(fake, config):
    c = charge(WAP)
    open_url(PROVIDER.create(config, c).url)
    PROVIDER.close(config, c)
    assert fake.trades[c.reference]["status"] == "TRADE_CLOSED"
    assert PROVIDER.lookup(config, c).status == EXPIRED
    PROVIDER.close(config, c)  # closed already: fine
    PROVIDER.close(config, charge(PRECREATE))  # never opened: ACQ.TRADE_NOT_EXIST, fine
    with pytest.raises(Exception, match="TRADE_CLOSED"):
        fake.pay(c.reference, notify=False)


def test_a_qr_code_not_scanned_yet_cannot_be_closed_and_stays_payable(fake, config):
    """As on Alipay: before the scan the trade does not exist, so close is ACQ.TRADE_NOT_EXIST (no error)
    and the code can still be paid until its time_expire; the caller must look the payment up."""
    c = charge(PRECREATE)
    qr = PROVIDER.create(config, c).qr
    PROVIDER.close(config, c)
    assert fake.requests[-1][1] == "alipay.trade.close"
    fake.scan(qr, notify=False)
    assert PROVIDER.lookup(config, c).status == PAID


def test_the_gateway_also_takes_a_posted_form(fake, config):
    c = charge(PRECREATE)
    PROVIDER.create(config, c)
    sdk = alipay.client(config)
    form = sdk.sign_data(sdk.build_body("alipay.trade.query", {"out_trade_no": c.reference}))
    request = urllib.request.Request(config["ALIPAY_GATEWAY"], data=form.encode(), headers={
        "Content-Type": "application/x-www-form-urlencoded;charset=utf-8"})
    with urllib.request.urlopen(request, timeout=5) as response:
        answer = sdk._verify_and_return_sync_response(response.read().decode(), "alipay_trade_query_response")
    assert answer["sub_code"] == "ACQ.TRADE_NOT_EXIST" and fake.requests[-1][0] == "POST"


def test_closing_a_paid_payment_does_not_raise_and_it_stays_paid(fake, config):
    c = charge(PRECREATE)
    fake.scan(PROVIDER.create(config, c).qr, notify=False)
    PROVIDER.close(config, c)
    assert PROVIDER.lookup(config, c).status == PAID


def test_a_payment_past_its_time_expire_is_expired(fake, config):
    c = charge(WAP)
    open_url(PROVIDER.create(config, c).url)
    fake.expire(c.reference)
    assert PROVIDER.lookup(config, c).status == EXPIRED


def test_refund_gives_the_whole_amount_back_once(fake, config):
    c = charge(PRECREATE)
    fake.scan(PROVIDER.create(config, c).qr, notify=False)
    trade_no = fake.trades[c.reference]["trade_no"]
    refund_id = PROVIDER.refund(config, c)
    assert refund_id == f"{trade_no}:{c.reference}R"
    assert PROVIDER.refund(config, c, payment_id=trade_no) == refund_id
    trade = fake.trades[c.reference]
    assert list(trade["refunds"]) == [c.reference + "R"] and trade["refunded_minor"] == 1234
    answers = [json.loads(p["biz_content"]) for m, api, p in fake.requests if api == "alipay.trade.refund"][-2:]
    assert [a["refund_amount"] for a in answers] == ["12.34", "12.34"]
    # A fully refunded trade is TRADE_CLOSED on Alipay; it was paid, so it still reads PAID.
    assert trade["status"] == "TRADE_CLOSED" and PROVIDER.lookup(config, c).status == PAID


def test_refund_of_an_unpaid_payment_is_refused(config):
    c = charge(PRECREATE)
    PROVIDER.create(config, c)
    with pytest.raises(PaymentError, match="ACQ.TRADE_NOT_EXIST"):
        PROVIDER.refund(config, c)


# --- failures ------------------------------------------------------------------------------
def test_an_outage_is_a_payment_error_and_then_it_works_again(fake, config):
    c = charge(PRECREATE)
    fake.fail_next = 2
    with pytest.raises(PaymentError, match="500"):
        PROVIDER.create(config, c)
    with pytest.raises(PaymentError):
        PROVIDER.lookup(config, c)
    assert PROVIDER.create(config, c).qr
    with pytest.raises(PaymentError):
        PROVIDER.lookup({**config, "ALIPAY_GATEWAY": "http://127.0.0.1:9/gateway.do"}, c)  # nothing listens


def test_the_gateway_refuses_requests_signed_with_another_key_or_for_another_app(config):
    other = rsa.generate_private_key(65537, 2048)
    forged = {**config, "ALIPAY_PRIVATE_KEY": other.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()}
    with pytest.raises(PaymentError, match="isv.invalid-signature"):
        PROVIDER.create(forged, charge(PRECREATE))
    with pytest.raises(PaymentError, match="isv.invalid-app-id"):
        PROVIDER.lookup({**config, "ALIPAY_APP_ID": "2021000000000999"}, charge(PRECREATE))
    # An answer that does not verify with ALIPAY_PUBLIC_KEY (not Alipay's) is refused too.
    with pytest.raises(PaymentError, match="AliPayValidationError"):
        PROVIDER.lookup({**config, "ALIPAY_PUBLIC_KEY": public_pem(other)}, charge(PRECREATE))


def test_create_refuses_another_currency_and_a_charge_without_its_reference(config):
    with pytest.raises(PaymentError, match="CNY"):
        PROVIDER.create(config, charge(WAP, currency="EUR"))
    with pytest.raises(PaymentError, match="reference"):
        PROVIDER.create(config, charge(WAP, reference=None))
    with pytest.raises(PaymentError, match="is for precreate"):
        PROVIDER.create(config, charge(PRECREATE, flow=WAP))


# --- notices ---------------------------------------------------------------------------------
@pytest.fixture
def paid(fake, config) -> Charge:
    c = charge(PRECREATE)
    fake.scan(PROVIDER.create(config, c).qr, notify=False)
    return c


def test_a_notice_from_alipay_is_read(fake, config, paid):
    headers, body = fake.notice(paid.reference)
    notice = PROVIDER.parse_notice(config, headers, body)
    params = dict(parse_qsl(body.decode()))
    assert notice.id == params["notify_id"] and notice.provider == "alipay"
    assert notice.outcome == alipay.Outcome(status=PAID, order_id=None, reference=paid.reference, amount_minor=1234,
                                            currency="CNY", payment_id=fake.trades[paid.reference]["trade_no"])
    assert PROVIDER.notice_reply(True) == (200, "success", "text/plain")
    assert PROVIDER.notice_reply(False) == (400, "fail", "text/plain")


def test_a_notice_for_another_amount_parses_with_that_amount(fake, config, paid):
    notice = PROVIDER.parse_notice(config, *fake.notice(paid.reference, amount_minor=1))
    assert notice.outcome.amount_minor == 1  # the checkout refuses it: not the order's amount


@pytest.mark.parametrize("forgery, message", [
    ({"signing_key": rsa.generate_private_key(65537, 2048)}, "does not verify"),
    ({"tamper": True}, "does not verify"),
    ({"app_id": "2021000000000999"}, "not ours"),
    ({"sign_type": "RSA"}, "not RSA2"),
    ({"total_amount": "12.345"}, "total_amount"),
    ({"notify_id": None}, "notify_id missing"),
])
def test_forged_or_malformed_notices_are_refused(fake, config, paid, forgery, message):
    with pytest.raises(BadSignature, match=message):
        PROVIDER.parse_notice(config, *fake.notice(paid.reference, **forgery))


def test_unsigned_mangled_and_repeated_parameter_notices_are_refused(fake, config, paid):
    headers, body = fake.notice(paid.reference)
    params = parse_qsl(body.decode())
    assert b"&sign=" in body
    unsigned = urllib.parse.urlencode([(k, v) for k, v in params if k != "sign"]).encode()
    for bad, message in ((unsigned, "unsigned"), (body + b"&total_amount=0.01", "twice"),
                         (b"\xff\xfe", "UTF-8"), (body.replace(b"&sign=", b"&sign=AAAA"), "signature")):
        with pytest.raises(BadSignature, match=message):
            PROVIDER.parse_notice(config, headers, bad)


@pytest.mark.parametrize("overrides, status", [
    ({"trade_status": "TRADE_FINISHED"}, PAID),
    ({"trade_status": "WAIT_BUYER_PAY"}, PENDING),
    ({"trade_status": "TRADE_CLOSED"}, EXPIRED),
    ({"refund_fee": "1.00", "gmt_refund": "2026-12-04 10:00:00.123"}, PAID),  # a partial refund: still paid
    ({"trade_status": "TRADE_CLOSED", "refund_fee": "12.34", "gmt_refund": "2026-12-04 10:00:00.123"}, None),
])
def test_each_trade_status_in_a_notice(fake, config, paid, overrides, status):
    notice = PROVIDER.parse_notice(config, *fake.notice(paid.reference, **overrides))
    assert (notice.outcome.status if notice else None) == status


def test_a_partial_refund_gives_back_only_that_part(fake, config):
    """A sponsor's unused balance (sponsors.close_for_refund): refund_minor of the whole payment."""
    import dataclasses

    c = charge(PRECREATE)
    fake.scan(PROVIDER.create(config, c).qr, notify=False)
    PROVIDER.refund(config, dataclasses.replace(c, refund_minor=400))
    trade = fake.trades[c.reference]
    assert trade["refunded_minor"] == 400 and trade["status"] != "TRADE_CLOSED"

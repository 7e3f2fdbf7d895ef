"""Alipay (open platform, direct merchant, RSA2): WAP pay in a phone's browser, precreate (a QR code)
on a desktop or kiosk, looked up, closed and refunded through the gateway, and its signed notices read.

The only module that knows Alipay's words: everything it returns is a provider value. It speaks
through python-alipay-sdk (`AliPay`), which signs each request with the app's private key and
verifies each response with Alipay's public key; ALIPAY_GATEWAY points it at a fake in tests
and development.

Amounts: Alipay speaks yuan strings ("12.34"); we keep fen, converted exactly both ways.
"""
from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from alipay import AliPay
from alipay.utils import AliPayConfig
from Cryptodome.PublicKey import RSA

from ..languages import N_
from .provider import (
    DESKTOP,
    EXPIRED,
    KIOSK,
    PAID,
    PENDING,
    PHONE,
    PRECREATE,
    WAP,
    BadSignature,
    Charge,
    Checkout,
    Config,
    Context,
    NotConfigured,
    Notice,
    Outcome,
    Payer,
    PaymentError,
    PaymentProvider,
    Receiver,
    Split,
    SplitRecord,
)

DEFAULT_GATEWAY = "https://openapi.alipay.com/gateway.do"
SHANGHAI = timezone(timedelta(hours=8), "Asia/Shanghai")  # China keeps no summer time: a fixed +08:00
SUCCESS = "10000"  # the gateway's code for a request that did what it asked

# A payment number says its flow (one capital before the 6 lowercase random characters).
FLOW_CODES = {WAP: "W", PRECREATE: "Q"}
_FLOWS_BY_CODE = {code: flow for flow, code in FLOW_CODES.items()}
_RANDOM = "0123456789abcdefghijklmnopqrstuvwxyz"

TRADE_STATUSES = {
    "TRADE_SUCCESS": PAID,
    "TRADE_FINISHED": PAID,  # paid, and past the refund window
    "WAIT_BUYER_PAY": PENDING,
    "TRADE_CLOSED": EXPIRED,  # unpaid and closed (or timed out), or paid and then refunded in full
}
_AMOUNT = re.compile(r"\d{1,12}(\.\d{1,12})?")


# --- money and time ------------------------------------------------------------
def yuan(amount_minor: int) -> str:
    """Fen as Alipay's yuan string: 1234 -> "12.34"."""
    if amount_minor <= 0:
        raise PaymentError(f"Alipay takes a positive amount, not {amount_minor} fen")
    return f"{amount_minor // 100}.{amount_minor % 100:02d}"


def fen(text: str) -> int:
    """Alipay's yuan string as fen, exactly; ValueError for anything not a whole number of fen."""
    if not isinstance(text, str) or not _AMOUNT.fullmatch(text):
        raise ValueError(f"not a yuan amount: {text!r}")
    try:
        minor = Decimal(text) * 100
    except InvalidOperation:
        raise ValueError(f"not a yuan amount: {text!r}") from None
    if minor != minor.to_integral_value():
        raise ValueError(f"not a whole number of fen: {text!r}")
    return int(minor)


def shanghai_time(unix: int) -> str:
    """Alipay's "yyyy-MM-dd HH:mm:ss", read in Beijing time."""
    return datetime.fromtimestamp(unix, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


# --- the client ---------------------------------------------------------------
def pem(value: str, private: bool) -> str:
    """A key setting as PEM text the SDK loads: PEM text, a path to a PEM file, or the bare base64
    Alipay's console shows (a DER key without the PEM lines)."""
    value = value.strip()
    if "-----BEGIN" in value:
        return value
    if "\n" not in value and _is_file(value):
        return Path(value).read_text()
    try:
        der = base64.b64decode("".join(value.split()), validate=True)
        key = RSA.import_key(der)
    except (binascii.Error, ValueError, IndexError, TypeError) as exc:
        raise ValueError(f"neither PEM text, a PEM file nor a base64 key ({exc})") from None
    if private != key.has_private():
        raise ValueError("a public key where a private one is needed" if private else "a private key")
    return key.export_key().decode()


def _is_file(value: str) -> bool:
    # A bare base64 key is one long name: some file systems say ENAMETOOLONG rather than "no such file".
    try:
        return Path(value).is_file()
    except OSError:
        return False


def gateway(config: Config) -> str:
    return config.get("ALIPAY_GATEWAY") or DEFAULT_GATEWAY


def client(config: Config) -> AliPay:
    try:
        return _client(config["ALIPAY_APP_ID"], config["ALIPAY_PRIVATE_KEY"], config["ALIPAY_PUBLIC_KEY"],
                       gateway(config))
    except (KeyError, ValueError, OSError, TypeError) as exc:
        raise PaymentError(f"Alipay is not configured right: {exc}") from exc


@lru_cache(maxsize=8)  # parsing two RSA keys per call is wasted work; the settings rarely change
def _client(app_id: str, private_key: str, public_key: str, url: str) -> AliPay:
    alipay = AliPay(appid=app_id, app_notify_url=None,
                    app_private_key_string=pem(private_key, private=True),
                    alipay_public_key_string=pem(public_key, private=False),
                    sign_type="RSA2", config=AliPayConfig(timeout=15))
    # The SDK takes no gateway (only debug= for the sandbox) and keeps it in `_gateway`: the one
    # place we point it elsewhere (the fake in tests and development).
    alipay._gateway = url
    return alipay


def call(config: Config, api: str, tolerate: tuple[str, ...] = (), **kwargs: Any) -> dict:
    """One signed gateway call (`api` an AliPay method); its verified response. PaymentError for a
    network failure, a response that does not verify, or a refusal whose sub_code is not tolerated."""
    try:
        response = getattr(client(config), api)(**kwargs)
    except PaymentError:
        raise
    except Exception as exc:  # the SDK raises its own, urllib's, json's and Cryptodome's errors
        raise PaymentError(f"Alipay {api}: {type(exc).__name__}: {exc}") from exc
    if not isinstance(response, dict):
        raise PaymentError(f"Alipay {api}: unexpected response {response!r}")
    if response.get("code") != SUCCESS and response.get("sub_code") not in tolerate:
        raise PaymentError(f"Alipay {api}: {response.get('code')} {response.get('msg')} "
                           f"{response.get('sub_code') or ''} {response.get('sub_msg') or ''}".strip())
    return response


def subject(charge: Charge) -> str:
    # Alipay refuses "/", "=" and "&" in a subject, and takes at most 256 characters.
    return re.sub(r"[/=&]", " ", charge.title or charge.order_id).strip()[:256] or charge.order_id


class AlipayProvider(PaymentProvider):
    name = "alipay"
    title = "Alipay"
    label = N_("Alipay")
    required = ("ALIPAY_APP_ID", "ALIPAY_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
    optional = ("ALIPAY_GATEWAY",)
    names_payments = True

    def check(self, config: Config) -> None:
        """Also refuse keys that do not load, naming the setting (at start, not at the first payment)."""
        super().check(config)
        if not self.available(config):
            return
        for key, private in (("ALIPAY_PRIVATE_KEY", True), ("ALIPAY_PUBLIC_KEY", False)):
            try:
                pem(config[key], private)
            except (ValueError, OSError) as exc:
                raise NotConfigured(f"{self.title}: {key} is not a usable RSA key: {exc}") from None

    def form_origins(self, config: Config) -> tuple[str, ...]:
        # The checkout form's POST is answered with a redirect to the gateway (WAP pay).
        parts = urlsplit(gateway(config))
        return (f"{parts.scheme}://{parts.netloc}",)

    # --- choosing ------------------------------------------------------------
    def score(self, context: Context) -> int | None:
        if context.currency != "CNY":
            return None
        return {PHONE: 3, DESKTOP: 2, KIOSK: 2}.get(context.device)  # WeChat's browser blocks Alipay's pages

    def flow(self, config: Config, payer: Payer) -> str | None:
        # A phone's browser opens Alipay's WAP cashier (which hands over to the Alipay app); a desktop
        # or kiosk shows a QR code for the payer's own phone; WeChat's in-app browser blocks Alipay.
        return {PHONE: WAP, DESKTOP: PRECREATE, KIOSK: PRECREATE}.get(payer.device)

    def new_reference(self, order_id: str, flow: str) -> str:
        # out_trade_no: at most 64 letters, digits and underscores, so an order id's "-" becomes "_"
        # (the order is found by the stored reference, never by parsing it).
        suffix = "".join(secrets.choice(_RANDOM) for _ in range(6))
        return order_id.replace("-", "_") + FLOW_CODES[flow] + suffix

    def flow_of(self, reference: str) -> str:
        try:
            return _FLOWS_BY_CODE[reference[-7]]
        except (IndexError, KeyError):
            raise ValueError(f"not an Alipay payment number: {reference!r}") from None

    # --- paying --------------------------------------------------------------
    def create(self, config: Config, charge: Charge) -> Checkout:
        """WAP: the gateway URL with the signed alipay.trade.wap.pay (no call: the payer's browser
        opens it). Precreate: alipay.trade.precreate's qr_code. Both idempotent: Alipay keeps one
        trade per out_trade_no and answers the same request again alike."""
        if not charge.reference:
            raise PaymentError("an Alipay payment needs its reference (new_reference) before create")
        if charge.currency != "CNY":
            raise PaymentError(f"Alipay takes CNY only, not {charge.currency}")
        flow = self.flow_of(charge.reference)
        if charge.flow and charge.flow != flow:
            raise PaymentError(f"reference {charge.reference} is for {flow}, not {charge.flow}")
        biz: dict[str, Any] = {"subject": subject(charge), "out_trade_no": charge.reference,
                               "total_amount": yuan(charge.amount_minor)}
        if charge.pay_by:
            biz["time_expire"] = shanghai_time(charge.pay_by)
        if flow == WAP:
            biz["product_code"] = "QUICK_WAP_WAY"  # Alipay's code for WAP pay (the SDK's default says QUICK_WAP_PAY)
            if charge.cancel_url:
                biz["quit_url"] = charge.cancel_url
            try:
                query = client(config).api_alipay_trade_wap_pay(
                    return_url=charge.return_url or None, notify_url=charge.notify_url or None, **biz)
            except PaymentError:
                raise
            except Exception as exc:
                raise PaymentError(f"Alipay wap pay: {type(exc).__name__}: {exc}") from exc
            return Checkout(reference=charge.reference, url=gateway(config) + "?" + query)
        response = call(config, "api_alipay_trade_precreate", notify_url=charge.notify_url or None, **biz)
        if not response.get("qr_code"):
            raise PaymentError(f"Alipay precreate for {charge.reference} returned no qr_code")
        return Checkout(reference=charge.reference, qr=response["qr_code"])

    def lookup(self, config: Config, charge: Charge) -> Outcome:
        """alipay.trade.query. A trade Alipay does not know yet (a QR code not scanned, a WAP page
        not opened) is PENDING; a trade closed after it was paid (a full refund) is still PAID."""
        if not charge.reference:
            return Outcome(status=PENDING, order_id=None)
        response = call(config, "api_alipay_trade_query", tolerate=("ACQ.TRADE_NOT_EXIST",),
                        out_trade_no=charge.reference)
        if response.get("sub_code") == "ACQ.TRADE_NOT_EXIST":
            return Outcome(status=PENDING, order_id=None, reference=charge.reference, currency="CNY")
        trade_status = response.get("trade_status")
        if trade_status not in TRADE_STATUSES:
            raise PaymentError(f"Alipay query for {charge.reference}: unknown trade_status {trade_status!r}")
        status = TRADE_STATUSES[trade_status]
        if trade_status == "TRADE_CLOSED" and response.get("send_pay_date"):
            status = PAID  # paid (Alipay paid the seller at send_pay_date), then refunded in full
        try:
            amount = fen(response.get("total_amount", ""))
        except ValueError as exc:
            raise PaymentError(f"Alipay query for {charge.reference}: {exc}") from exc
        return Outcome(status=status, order_id=None, reference=response.get("out_trade_no") or charge.reference,
                       amount_minor=amount, currency="CNY", payment_id=response.get("trade_no"))

    def close(self, config: Config, charge: Charge) -> None:
        """alipay.trade.close. Alipay does not know an unscanned QR code (TRADE_NOT_EXIST) and refuses
        a paid or closed trade (TRADE_STATUS_ERROR): fine, the caller looks the payment up next.
        Beware: a precreate QR code not scanned yet cannot be closed; it stays payable until its time_expire."""
        if not charge.reference:
            return
        call(config, "api_alipay_trade_close", out_trade_no=charge.reference,
             tolerate=("ACQ.TRADE_NOT_EXIST", "ACQ.TRADE_STATUS_ERROR", "ACQ.TRADE_HAS_CLOSE",
                       "ACQ.TRADE_HAS_FINISHED", "ACQ.REASON_TRADE_STATUS_INVALID", "ACQ.REASON_ILLEGAL_STATUS"))

    def refund(self, config: Config, charge: Charge, payment_id: str | None = None) -> str:
        """alipay.trade.refund of the whole amount, out_request_no = reference + "R" (Alipay answers a
        repeat with the same refund, fund_change "N"). Alipay gives a refund no id of its own: the
        returned id is "<trade_no>:<out_request_no>", what alipay.trade.fastpay.refund.query takes."""
        if not charge.reference:
            raise PaymentError(f"No Alipay payment to refund for {charge.order_id}")
        out_request_no = charge.reference + "R"
        kwargs: dict[str, Any] = {"out_trade_no": charge.reference, "out_request_no": out_request_no}
        if payment_id:
            kwargs["trade_no"] = payment_id
        response = call(config, "api_alipay_trade_refund", refund_amount=yuan(charge.refund_amount), **kwargs)
        trade_no = response.get("trade_no") or payment_id
        if not trade_no:
            raise PaymentError(f"Alipay refund for {charge.reference} returned no trade_no")
        return f"{trade_no}:{out_request_no}"

    # --- money to owners: royalty settlement (分账), in alipay_splits.py ---------------------------
    # (imported when called: alipay_splits builds on this module's call, yuan and fen)
    splits = True
    records_utc_offset = 8  # its bills keep Beijing's days
    receiver_kinds = ("userId", "loginName")

    def add_receiver(self, config: Config, receiver: Receiver) -> None:
        """alipay.trade.royalty.relation.bind."""
        from . import alipay_splits
        alipay_splits.add_receiver(config, receiver)

    def split(self, config: Config, split: Split) -> str:
        """alipay.trade.order.settle (out_request_no = split_no); Alipay's settle_no."""
        from . import alipay_splits
        return alipay_splits.settle(config, split)

    def return_split(self, config: Config, split: Split, split_id: str) -> str:
        """A royalty-only alipay.trade.refund (refund_royalty_parameters, out_request_no = split_no + "R");
        "<trade_no>:<out_request_no>". See alipay_splits for how far real Alipay takes it."""
        from . import alipay_splits
        return alipay_splits.return_split(config, split, split_id)

    def split_records(self, config: Config, day: str) -> list[SplitRecord]:
        """The day's settles, from the bill alipay.data.dataservice.bill.downloadurl.query points to."""
        from . import alipay_splits
        return alipay_splits.split_records(config, day)

    # --- notices -------------------------------------------------------------
    def parse_notice(self, config: Config, headers: Mapping[str, str], body: bytes) -> Notice | None:
        """An asynchronous notice (a form POST): verified with Alipay's public key over every other
        parameter sorted (sign and sign_type left out), for our app. A refund notice of a fully
        refunded trade (TRADE_CLOSED with refund_fee / gmt_refund) changes no order: None."""
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=True)
        except (UnicodeDecodeError, ValueError) as exc:
            raise BadSignature(f"Alipay notice: not a UTF-8 form body ({exc})") from None
        params = dict(pairs)
        if len(params) != len(pairs):
            raise BadSignature("Alipay notice: a parameter given twice")
        sign, sign_type = params.pop("sign", ""), params.pop("sign_type", "")
        if not sign:
            raise BadSignature("Alipay notice: unsigned")
        if sign_type != "RSA2":
            raise BadSignature(f"Alipay notice: sign_type {sign_type!r}, not RSA2")
        alipay = client(config)
        try:
            verified = alipay.verify(dict(params), sign)
        except Exception as exc:  # a malformed signature (base64, length) is a bad one
            raise BadSignature(f"Alipay notice: signature unreadable ({type(exc).__name__}: {exc})") from None
        if not verified:
            raise BadSignature("Alipay notice: signature does not verify with ALIPAY_PUBLIC_KEY")
        if params.get("app_id") != str(config["ALIPAY_APP_ID"]):
            raise BadSignature(f"Alipay notice: for app {params.get('app_id')!r}, not ours")
        missing = [k for k in ("notify_id", "out_trade_no", "trade_no", "trade_status", "total_amount")
                   if not params.get(k)]
        if missing:
            raise BadSignature(f"Alipay notice: {', '.join(missing)} missing")
        try:
            amount = fen(params["total_amount"])
        except ValueError as exc:
            raise BadSignature(f"Alipay notice: total_amount {exc}") from None
        trade_status = params["trade_status"]
        refunded = bool(params.get("refund_fee") or params.get("gmt_refund"))
        if trade_status not in TRADE_STATUSES or (trade_status == "TRADE_CLOSED" and refunded):
            return None
        # TRADE_SUCCESS with refund_fee (a partial refund's notice) still reports a paid trade.
        return Notice(id=params["notify_id"], provider=self.name, outcome=Outcome(
            status=TRADE_STATUSES[trade_status], order_id=None, reference=params["out_trade_no"],
            amount_minor=amount, currency="CNY", payment_id=params["trade_no"]))

    def notice_reply(self, accepted: bool) -> tuple[int, str, str]:
        # Alipay stops resending only when the body is exactly "success".
        return (200, "success", "text/plain") if accepted else (400, "fail", "text/plain")


PROVIDER = AlipayProvider()

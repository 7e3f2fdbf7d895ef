"""WeChat Pay API v3 for a direct merchant, through the `wechatpayv3` SDK: JSAPI inside WeChat's
own browser (the page calls WeixinJSBridge with the parameters we sign), H5 in any other phone
browser (WeChat's page, which sends the payer back to our return URL) and Native everywhere
else (a QR code the payer scans with WeChat).

The SDK runs in platform public-key mode (WECHATPAY_PUBLIC_KEY and its id): it verifies every
response and notice with that key and never downloads platform certificates. WECHATPAY_API_BASE,
WECHAT_OAUTH_BASE and WECHAT_API_BASE point it (and the JSAPI OAuth) at a fake in tests and
development. Amounts are fen, the only currency is CNY. Profit sharing (the owners' splits) is in
wechat_pay_splits.py, imported by the methods that delegate to it (it imports this module).
"""
from __future__ import annotations

import json
import secrets
import string
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from wechatpayv3 import WeChatPay, WeChatPayType

from ..languages import N_
from .provider import (
    DESKTOP,
    EXPIRED,
    FAILED,
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
    Checkout,
    Config,
    Context,
    Notice,
    Outcome,
    Payer,
    PaymentError,
    PaymentProvider,
    Receiver,
    Split,
    SplitRecord,
    header,
)

API_BASE = "https://api.mch.weixin.qq.com"
H5_ORIGIN = "https://wx.tenpay.com"  # where an h5_url leads
OAUTH_BASE = "https://open.weixin.qq.com"
WECHAT_API_BASE = "https://api.weixin.qq.com"
TIMEOUT = (5, 20)  # connect, read (seconds): the SDK has none by default
NOTICE_MAX_SKEW = 300  # seconds between a notice's timestamp and now; older is stale (or replayed)
CHINA = timezone(timedelta(hours=8))  # time_expire is RFC 3339 in Beijing time

# One letter in the reference says which flow the payment was opened for (flow_of reads it back).
FLOW_CODES = {JSAPI: "J", H5: "H", NATIVE: "N"}
SDK_TYPES = {JSAPI: WeChatPayType.JSAPI, H5: WeChatPayType.H5, NATIVE: WeChatPayType.NATIVE}
DEVICE_FLOWS = {PHONE: H5, DESKTOP: NATIVE, KIOSK: NATIVE}
_SUFFIX_CHARS = string.digits + string.ascii_lowercase

# trade_state -> what the order sees; REFUND is a paid payment since refunded.
STATES = {"SUCCESS": PAID, "REFUND": PAID, "NOTPAY": PENDING, "USERPAYING": PENDING, "ACCEPT": PENDING,
          "PAYERROR": FAILED, "CLOSED": EXPIRED, "REVOKED": EXPIRED}
# A close that found nothing left open: never made, already closed, or paid (the caller looks it up).
CLOSE_OK = frozenset({"ORDER_NOT_EXIST", "RESOURCE_NOT_EXISTS", "ORDER_CLOSED", "ORDERPAID"})
NOTICE_HEADERS = ("Wechatpay-Signature", "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Serial",
                  "Wechatpay-Signature-Type")


def origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def pem(value: str) -> str:
    """PEM text, or the text of the PEM file the value names."""
    return value if "-----BEGIN" in value else Path(value).read_text()


def _sdk_private_key(text: str) -> str:
    # The SDK only reads PKCS#8 ("BEGIN PRIVATE KEY", what WeChat's tool writes); convert a PKCS#1 one.
    if "-----BEGIN PRIVATE KEY-----" in text:
        return text
    key = serialization.load_pem_private_key(text.encode(), password=None)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def _sdk_public_key(text: str) -> str:
    # Likewise SubjectPublicKeyInfo only ("BEGIN PUBLIC KEY", WeChat's pub_key.pem).
    if "-----BEGIN PUBLIC KEY-----" in text:
        return text
    key = serialization.load_pem_public_key(text.encode())
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def set_gateway(client: WeChatPay, base: str) -> None:
    """Point the SDK at another API base (the fake): it has no option for it, only this attribute."""
    client._core._gate_way = base.rstrip("/")


@lru_cache(maxsize=8)
def _client(mchid: str, appid: str, apiv3_key: str, private_key: str, serial: str, public_key: str,
            public_key_id: str, base: str) -> WeChatPay:
    # The pay type given here is only the SDK's default: every pay() names its own.
    client = WeChatPay(wechatpay_type=WeChatPayType.NATIVE, mchid=mchid, private_key=_sdk_private_key(private_key),
                       cert_serial_no=serial, appid=appid, apiv3_key=apiv3_key, timeout=TIMEOUT,
                       public_key=_sdk_public_key(public_key), public_key_id=public_key_id)
    set_gateway(client, base)
    return client


def client(config: Config) -> WeChatPay:
    """The SDK client for this configuration (cached: it parses two RSA keys)."""
    try:
        return _client(config["WECHATPAY_MCHID"], config["WECHATPAY_APPID"], config["WECHATPAY_APIV3_KEY"],
                       pem(config["WECHATPAY_PRIVATE_KEY"]), config["WECHATPAY_CERT_SERIAL"],
                       pem(config["WECHATPAY_PUBLIC_KEY"]), config["WECHATPAY_PUBLIC_KEY_ID"],
                       config.get("WECHATPAY_API_BASE") or API_BASE)
    except Exception as exc:  # a missing key, an unreadable PEM file or key
        raise PaymentError(f"WeChat Pay is misconfigured: {exc}") from exc


def call(what: str, method: Callable[..., tuple[int, Any]], *args: Any, **kwargs: Any) -> tuple[int, dict]:
    """One SDK call: (HTTP status, the JSON answer). PaymentError when WeChat Pay cannot be reached
    or its answer does not verify (the SDK raises plain Exceptions)."""
    try:
        status, text = method(*args, **kwargs)
    except Exception as exc:
        raise PaymentError(f"WeChat Pay {what}: {exc}") from exc
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        data = {}
    return status, data if isinstance(data, dict) else {}


def refusal(what: str, status: int, data: dict) -> PaymentError:
    return PaymentError(f"WeChat Pay {what} refused ({status}): {data.get('code')} {data.get('message')}")


def time_expire(pay_by: int) -> str | None:
    if not pay_by:
        return None
    return datetime.fromtimestamp(pay_by, CHINA).isoformat(timespec="seconds")


def bridge(config: Config, prepay_id: str) -> dict[str, str]:
    """getBrandWCPayRequest's parameters, signed (RSA-SHA256 over appId, timeStamp, nonceStr, package)."""
    params = {"appId": config["WECHATPAY_APPID"], "timeStamp": str(int(time.time())),
              "nonceStr": secrets.token_hex(16), "package": f"prepay_id={prepay_id}", "signType": "RSA"}
    sdk = client(config)
    try:
        params["paySign"] = sdk.sign([params["appId"], params["timeStamp"], params["nonceStr"], params["package"]])
    except Exception as exc:
        raise PaymentError(f"WeChat Pay: could not sign the JSAPI request: {exc}") from exc
    return params


def _outcome(charge: Charge, data: dict) -> Outcome:
    amount = data.get("amount") or {}
    return Outcome(status=STATES.get(data.get("trade_state", ""), PENDING), order_id=None,
                   reference=data.get("out_trade_no") or charge.reference, amount_minor=amount.get("total"),
                   currency=amount.get("currency") or "CNY", payment_id=data.get("transaction_id"))


class WeChatPayProvider(PaymentProvider):
    name = "wechat_pay"
    title = "WeChat Pay"
    label = N_("WeChat Pay")
    required = ("WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_APIV3_KEY", "WECHATPAY_PRIVATE_KEY",
                "WECHATPAY_CERT_SERIAL", "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID")
    optional = ("WECHATPAY_API_BASE", "WECHAT_APP_SECRET", "WECHAT_OAUTH_BASE", "WECHAT_API_BASE")
    names_payments = True

    def form_origins(self, config: Config) -> tuple[str, ...]:
        # The pay buttons are forms whose answer redirects to WeChat: its H5 page and its OAuth.
        h5 = origin(config["WECHATPAY_API_BASE"]) if config.get("WECHATPAY_API_BASE") else H5_ORIGIN
        return h5, origin(config.get("WECHAT_OAUTH_BASE") or OAUTH_BASE)

    # --- choosing ------------------------------------------------------------
    def score(self, context: Context) -> int | None:
        if context.currency != "CNY":
            return None
        return 3 if context.device == WECHAT else 2

    def flow(self, config: Config, payer: Payer) -> str | None:
        if payer.device == WECHAT:
            # H5 does not open inside WeChat; JSAPI needs the payer's openid, from OAuth with the AppSecret.
            return JSAPI if config.get("WECHAT_APP_SECRET") else None
        return DEVICE_FLOWS.get(payer.device)

    def new_reference(self, order_id: str, flow: str) -> str:
        # A new out_trade_no per attempt: WeChat refuses to reopen a closed one or change its parameters.
        suffix = "".join(secrets.choice(_SUFFIX_CHARS) for _ in range(6))
        return f"{order_id}{FLOW_CODES[flow]}{suffix}"

    def flow_of(self, reference: str) -> str:
        code = reference[-7:-6]
        for flow, letter in FLOW_CODES.items():
            if letter == code:
                return flow
        raise ValueError(f"{reference!r} is not a WeChat Pay reference")

    # --- paying --------------------------------------------------------------
    def create(self, config: Config, charge: Charge) -> Checkout:
        """Open the payment (`charge.reference` is its out_trade_no); the same charge again gets the
        same payment back, as WeChat Pay answers an identical repeated order."""
        if not charge.reference:
            raise PaymentError("WeChat Pay payments are named before they are opened (new_reference)")
        if charge.currency != "CNY":
            raise PaymentError(f"WeChat Pay takes CNY only, not {charge.currency}")
        flow = charge.flow or self.flow_of(charge.reference)
        if flow not in SDK_TYPES:
            raise PaymentError(f"WeChat Pay has no {flow!r} flow")
        params: dict[str, Any] = {}
        if flow == JSAPI:
            if not charge.payer.openid:
                raise PaymentError("WeChat Pay JSAPI needs the payer's openid")
            params["payer"] = {"openid": charge.payer.openid}
        if flow == H5:
            if not charge.payer.client_ip:
                raise PaymentError("WeChat Pay H5 needs the payer's IP address")
            params["scene_info"] = {"payer_client_ip": charge.payer.client_ip, "h5_info": {"type": "Wap"}}
        if charge.split_later:  # the money stays frozen until the owner's share is split off
            params["settle_info"] = {"profit_sharing": True}
        sdk = client(config)
        status, data = call("order", sdk.pay, pay_type=SDK_TYPES[flow], out_trade_no=charge.reference,
                            description=(charge.title or charge.order_id)[:127], attach=charge.order_id,
                            amount={"total": charge.amount_minor, "currency": "CNY"},
                            time_expire=time_expire(charge.pay_by), notify_url=charge.notify_url, **params)
        if status not in (200, 201):
            raise refusal("order", status, data)
        try:
            if flow == JSAPI:
                return Checkout(reference=charge.reference, bridge=bridge(config, data["prepay_id"]))
            if flow == H5:
                # WeChat's H5 page sends the payer to redirect_url afterwards (paid or not).
                url = data["h5_url"] + "&redirect_url=" + quote(charge.return_url, safe="")
                return Checkout(reference=charge.reference, url=url)
            return Checkout(reference=charge.reference, qr=data["code_url"])
        except KeyError as exc:
            raise PaymentError(f"WeChat Pay order: no {exc} in its answer") from exc

    def lookup(self, config: Config, charge: Charge) -> Outcome:
        if not charge.reference:
            return Outcome(status=PENDING, order_id=charge.order_id)  # nothing opened yet
        status, data = call("query", client(config).query, out_trade_no=charge.reference)
        if status == 404 and data.get("code") == "ORDER_NOT_EXIST":
            return Outcome(status=PENDING, order_id=None, reference=charge.reference, currency="CNY")
        if status != 200:
            raise refusal("query", status, data)
        return _outcome(charge, data)

    def close(self, config: Config, charge: Charge) -> None:
        if not charge.reference:
            return
        status, data = call("close", client(config).close, out_trade_no=charge.reference)
        if not (200 <= status < 300 or data.get("code") in CLOSE_OK):
            raise refusal("close", status, data)

    def refund(self, config: Config, charge: Charge, payment_id: str | None = None) -> str:
        """Refund the whole payment; out_refund_no is the reference + "R", so asking twice refunds once."""
        if not charge.reference:
            raise PaymentError(f"No WeChat Pay payment to refund for {charge.order_id}")
        amount = {"refund": charge.refund_amount, "total": charge.amount_minor, "currency": "CNY"}
        status, data = call("refund", client(config).refund, out_refund_no=charge.reference + "R",
                            out_trade_no=charge.reference, amount=amount)
        if status not in (200, 201) or not data.get("refund_id"):
            raise refusal("refund", status, data)
        return data["refund_id"]

    # --- money to owners: profit sharing (wechat_pay_splits) -------------------
    splits = True
    records_utc_offset = 8  # its bills keep Beijing's days
    receiver_kinds = ("MERCHANT_ID", "PERSONAL_OPENID")

    def add_receiver(self, config: Config, receiver: Receiver) -> None:
        from . import wechat_pay_splits
        wechat_pay_splits.add_receiver(config, receiver)

    def split(self, config: Config, split: Split) -> str:
        from . import wechat_pay_splits
        return wechat_pay_splits.split(config, split)

    def return_split(self, config: Config, split: Split, split_id: str) -> str:
        from . import wechat_pay_splits
        return wechat_pay_splits.return_split(config, split, split_id)

    def split_records(self, config: Config, day: str) -> list[SplitRecord]:
        from . import wechat_pay_splits
        return wechat_pay_splits.split_records(config, day)

    # --- notices -------------------------------------------------------------
    def parse_notice(self, config: Config, headers: Mapping[str, str], body: bytes) -> Notice | None:
        """Verify a payment notice (platform key signature, fresh timestamp) and decrypt it."""
        found = {name: header(headers, name) or "" for name in NOTICE_HEADERS}
        # Checked before the SDK sees it: for a serial other than the public key id it fetches certificates.
        if found["Wechatpay-Serial"] != config.get("WECHATPAY_PUBLIC_KEY_ID"):
            raise BadSignature(f"WeChat Pay notice signed by {found['Wechatpay-Serial']!r}, not our platform key")
        try:
            skew = abs(time.time() - int(found["Wechatpay-Timestamp"]))
        except ValueError:
            raise BadSignature("WeChat Pay notice without a timestamp") from None
        if skew > NOTICE_MAX_SKEW:
            raise BadSignature(f"WeChat Pay notice timestamp is {int(skew)} s from now (stale or replayed)")
        sdk = client(config)
        try:
            data = sdk.callback(found, body)
        except Exception as exc:  # a malformed body, an unknown algorithm, a broken ciphertext
            raise BadSignature(f"WeChat Pay notice unreadable: {exc!r}") from exc
        if not data or not isinstance(data.get("resource"), dict):
            raise BadSignature("WeChat Pay notice signature or decryption failed")
        resource, event = data["resource"], str(data.get("event_type", ""))
        if resource.get("mchid") != config["WECHATPAY_MCHID"]:
            raise BadSignature(f"WeChat Pay notice for merchant {resource.get('mchid')!r}")
        if event.startswith("TRANSACTION.") and resource.get("appid") != config["WECHATPAY_APPID"]:
            raise BadSignature(f"WeChat Pay notice for app {resource.get('appid')!r}")
        if event != "TRANSACTION.SUCCESS":
            return None  # refund notices and the like change no order
        amount = resource.get("amount") or {}
        return Notice(id=str(data.get("id")), provider=self.name, outcome=Outcome(
            status=PAID, order_id=None, reference=resource.get("out_trade_no"), amount_minor=amount.get("total"),
            currency=amount.get("currency") or "CNY", payment_id=resource.get("transaction_id")))

    def notice_reply(self, accepted: bool) -> tuple[int, str, str]:
        # WeChat Pay wants 200/204 and no body for a notice taken; 4xx/5xx with code FAIL to send it again.
        if accepted:
            return 204, "", "text/plain"
        return 401, '{"code": "FAIL", "message": "signature did not verify"}', "application/json"


PROVIDER = WeChatPayProvider()


# --- JSAPI: the payer's openid, from WeChat's OAuth (snsapi_base: silent, no consent page) ----------
def oauth_url(config: Config, redirect_uri: str, state: str) -> str:
    """Where to send a payer inside WeChat to learn their openid; WeChat comes back to
    redirect_uri?code=...&state=..."""
    query = urlencode({"appid": config["WECHATPAY_APPID"], "redirect_uri": redirect_uri, "response_type": "code",
                       "scope": "snsapi_base", "state": state})
    base = (config.get("WECHAT_OAUTH_BASE") or OAUTH_BASE).rstrip("/")
    return f"{base}/connect/oauth2/authorize?{query}#wechat_redirect"


def openid(config: Config, code: str) -> str:
    """The payer's openid for an OAuth code (each code works once); raises PaymentError."""
    base = (config.get("WECHAT_API_BASE") or WECHAT_API_BASE).rstrip("/")
    params = {"appid": config["WECHATPAY_APPID"], "secret": config.get("WECHAT_APP_SECRET") or "",
              "code": code, "grant_type": "authorization_code"}
    try:
        response = requests.get(f"{base}/sns/oauth2/access_token", params=params, timeout=10)
        data = response.json()  # WeChat answers text/plain, JSON inside
    except (requests.RequestException, ValueError) as exc:
        raise PaymentError(f"WeChat OAuth: {exc}") from exc
    if not isinstance(data, dict) or data.get("errcode") or not data.get("openid"):
        error = data if isinstance(data, dict) else {}
        raise PaymentError(f"WeChat OAuth refused the code: {error.get('errcode')} {error.get('errmsg')}")
    return str(data["openid"])

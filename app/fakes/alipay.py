"""A fake of Alipay's open platform gateway (RSA2, direct merchant) on loopback, for tests and `make run`.

It speaks the real protocol at one path, /gateway.do:
- server APIs (GET with the signed query, as python-alipay-sdk sends them, or a POSTed form):
  alipay.trade.precreate, .query, .close and .refund. Each request's RSA2 signature is verified
  with the app's public key over its parameters sorted as "k=v&..." (all but `sign`); each answer is
  {"<method>_response": {...}, "sign": RSA2 over that exact JSON text with Alipay's private key};
  refusals keep Alipay's shapes (40002 isv.invalid-signature, 40004 ACQ.TRADE_NOT_EXIST, ...).
- alipay.trade.wap.pay: the payer's browser opens the signed URL and gets a cashier page.
- royalty settlement (分账: relation.bind, order.settle, royalty returns, the bill): alipay_splits.py.

It also plays the payer's phone: `pay(reference)`, `scan(qr_code)`, POST /_fake/pay and
/_fake/scan, and a GET / page listing open payments. Paying POSTs the signed asynchronous notice to
the payment's notify_url (synchronously) and, for WAP, sends the browser to return_url with the
signed synchronous parameters. As on Alipay, a precreate trade exists only once its QR code is
scanned: before that, query and close answer ACQ.TRADE_NOT_EXIST.

Stdlib and `cryptography` only; never started in production.
"""
from __future__ import annotations

import base64
import html
import json
import re
import secrets
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from .alipay_splits import BILL_PATH, ROYALTY_APIS, RoyaltyMixin

SHANGHAI = timezone(timedelta(hours=8))
SERVER_APIS = ("alipay.trade.precreate", "alipay.trade.query", "alipay.trade.close", "alipay.trade.refund")
WAP_PRODUCT = "QUICK_WAP_WAY"
_OUT_TRADE_NO = re.compile(r"[A-Za-z0-9_]{1,64}")
_AMOUNT = re.compile(r"(0|[1-9]\d{0,8})(\.\d{1,2})?")

Reply = tuple[int, str, bytes, dict[str, str]]  # status, content type, body, extra headers


class FakeError(Exception):
    """A refusal, in Alipay's words (sub_code and sub_msg)."""

    def __init__(self, sub_code: str, sub_msg: str, code: str = "40004", msg: str = "Business Failed"):
        super().__init__(f"{sub_code}: {sub_msg}")
        self.code, self.msg, self.sub_code, self.sub_msg = code, msg, sub_code, sub_msg

    def content(self) -> dict:
        return {"code": self.code, "msg": self.msg, "sub_code": self.sub_code, "sub_msg": self.sub_msg}


def private_key(key: Any) -> rsa.RSAPrivateKey:
    if isinstance(key, rsa.RSAPrivateKey):
        return key
    loaded = serialization.load_pem_private_key(key.encode() if isinstance(key, str) else key, None)
    assert isinstance(loaded, rsa.RSAPrivateKey)
    return loaded


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def signing_string(params: dict[str, str], leave_out: tuple[str, ...] = ("sign",)) -> str:
    """Alipay's string to sign: the parameters sorted by name, "k=v" joined by "&", raw (unquoted)."""
    return "&".join(f"{k}={v}" for k, v in sorted(params.items()) if k not in leave_out)


def rsa2_sign(key: rsa.RSAPrivateKey, text: str) -> str:
    return base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def rsa2_verify(key: rsa.RSAPublicKey, text: str, sign: str) -> bool:
    try:
        key.verify(base64.b64decode(sign, validate=True), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def minor(amount: str) -> int:
    """A yuan string already matched by _AMOUNT as fen (exact)."""
    return int(Decimal(amount) * 100)


def yuan(amount_minor: int) -> str:
    return f"{amount_minor // 100}.{amount_minor % 100:02d}"


def beijing(unix: float) -> str:
    return datetime.fromtimestamp(unix, SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")


def page(title: str, body: str, status: int = 200) -> Reply:
    text = (f'<!doctype html><html lang="en"><meta charset="utf-8"><meta name="viewport" '
            f'content="width=device-width"><title>{html.escape(title)}</title>'
            f'<body style="font-family:sans-serif;max-width:32em;margin:2em auto">'
            f'<p style="color:#b00">Fake Alipay (local development): no money moves.</p>{body}</body></html>')
    return status, "text/html; charset=utf-8", text.encode(), {}


class FakeAlipay(RoyaltyMixin):
    Refusal = FakeError  # what the royalty mixin raises

    def __init__(self, app_id: str = "2021000000000001", app_key: Any = None, alipay_key: Any = None,
                 seller_id: str = "2088000000000001"):
        self.app_id, self.seller_id = app_id, seller_id
        # The app's key pair (it signs requests) and Alipay's (it signs answers and notices).
        self.app_key = private_key(app_key) if app_key else rsa.generate_private_key(65537, 2048)
        self.alipay_key = private_key(alipay_key) if alipay_key else rsa.generate_private_key(65537, 2048)
        self.trades: dict[str, dict] = {}  # by out_trade_no
        self.requests: list[tuple[str, str, dict]] = []  # HTTP method, API method (or path), parameters
        self.notices: list[dict] = []  # sent: url, params, status, reply
        self.fail_next = 0  # answer that many server API requests with a 500
        self.clock = time.time  # a test may move time on
        self.base = ""
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._init_royalty()  # receivers, splits, returns, bills (alipay_splits.py)

    # --- running -------------------------------------------------------------
    def start(self) -> str:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, reply: Reply) -> None:
                status, content_type, body, headers = reply
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                self._send(fake.handle("GET", self.path, {}, b""))

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self._send(fake.handle("POST", self.path, dict(self.headers.items()), body))

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self.base

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeAlipay:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def config(self) -> dict[str, str]:
        """The app settings that point the Alipay provider at this fake."""
        return {"ALIPAY_APP_ID": self.app_id, "ALIPAY_PRIVATE_KEY": private_pem(self.app_key),
                "ALIPAY_PUBLIC_KEY": public_pem(self.alipay_key), "ALIPAY_GATEWAY": f"{self.base}/gateway.do"}

    # --- HTTP ------------------------------------------------------------------
    def handle(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        parts = urlsplit(target)
        params = dict(parse_qsl(parts.query, keep_blank_values=True))
        content_type = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if method == "POST" and body:
            if "json" in content_type:
                try:
                    params.update({k: str(v) for k, v in json.loads(body).items()})
                except (ValueError, AttributeError):
                    return 400, "application/json", b'{"error": "not a JSON object"}', {}
            else:
                params.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        with self._lock:
            self.requests.append((method, params.get("method") or parts.path, dict(params)))
        if parts.path == "/gateway.do":
            return self.gateway(params)
        if method == "GET" and parts.path == "/":
            return self.index()
        if method == "GET" and parts.path == BILL_PATH:
            return self._bill_download(params)
        if method == "POST" and parts.path == "/_fake/pay":
            return self._pay_form(params.get("out_trade_no", ""))
        if method == "POST" and parts.path == "/_fake/scan":
            return self._scan_form(params.get("qr_code", ""), as_json="json" in content_type)
        return 404, "text/plain", b"Not Found", {}

    def gateway(self, params: dict[str, str]) -> Reply:
        api = params.get("method", "")
        if api == "alipay.trade.wap.pay":
            return self._wap(params)
        with self._lock:
            if self.fail_next:
                self.fail_next -= 1
                return 500, "text/html", b"<h1>500 Internal Server Error</h1>", {}
            try:
                self._authenticate(params)
                if api not in SERVER_APIS and api not in ROYALTY_APIS:
                    raise FakeError("isv.invalid-method", "不存在的方法名", "40002", "Invalid Arguments")
                biz = self._biz(params)
                content = getattr(self, ROYALTY_APIS.get(api) or "_" + api.rsplit(".", 1)[1])(params, biz)
                content = {"code": "10000", "msg": "Success", **content}
            except FakeError as refusal:
                content = refusal.content()
                if refusal.sub_code == "isv.invalid-app-id":
                    return self._answer(api, content, signed=False)  # no app, no key to answer for
        return self._answer(api, content)

    def _answer(self, api: str, content: dict, signed: bool = True) -> Reply:
        # The SDK verifies the signature over the exact text between the response key's braces.
        name = (api or "error").replace(".", "_") + "_response"
        inner = json.dumps(content, ensure_ascii=False, separators=(",", ":"))
        text = f'{{"{name}":{inner}'
        text += f',"sign":"{rsa2_sign(self.alipay_key, inner)}"}}' if signed else "}"
        return 200, "application/json; charset=utf-8", text.encode(), {}

    def _authenticate(self, params: dict[str, str]) -> None:
        for name in ("app_id", "method", "sign_type", "sign", "timestamp", "version", "charset"):
            if not params.get(name):
                raise FakeError(f"isv.missing-{name.replace('_', '-')}", f"缺少{name}参数", "40001",
                                "Missing Required Arguments")
        if params["app_id"] != self.app_id:
            raise FakeError("isv.invalid-app-id", "无效的AppID参数", "40002", "Invalid Arguments")
        if params["sign_type"] != "RSA2":
            raise FakeError("isv.invalid-signature-type", "无效的签名类型", "40002", "Invalid Arguments")
        if not rsa2_verify(self.app_key.public_key(), signing_string(params), params["sign"]):
            raise FakeError("isv.invalid-signature", "验签出错", "40002", "Invalid Arguments")

    @staticmethod
    def _biz(params: dict[str, str]) -> dict:
        try:
            biz = json.loads(params.get("biz_content") or "{}")
        except ValueError:
            biz = None
        if not isinstance(biz, dict):
            raise FakeError("isv.invalid-parameter", "biz_content 不是 JSON 对象", "40002", "Invalid Arguments")
        return biz

    # --- trades ----------------------------------------------------------------
    def _find(self, biz: dict, must_be_known: bool = True) -> dict:
        """The trade a request names (out_trade_no and/or trade_no); a precreate trade whose QR code
        was never scanned is not one Alipay knows."""
        trade = self.trades.get(biz.get("out_trade_no", ""))
        if biz.get("trade_no"):
            trade = next((t for t in self.trades.values() if t["trade_no"] == biz["trade_no"]), None)
            if trade and biz.get("out_trade_no") not in (None, trade["out_trade_no"]):
                trade = None
        if trade is None or (must_be_known and not trade["opened"]):
            raise FakeError("ACQ.TRADE_NOT_EXIST", "交易不存在")
        self._expire_if_due(trade)
        return trade

    def _expire_if_due(self, trade: dict) -> None:
        if trade["status"] == "WAIT_BUYER_PAY" and trade["time_expire"] and self.clock() > trade["time_expire"]:
            trade["status"] = "TRADE_CLOSED"

    def _open(self, params: dict[str, str], biz: dict, product: str) -> dict:
        """A new trade, or the same one again for an identical request (out_trade_no is idempotent)."""
        out_trade_no, subject = biz.get("out_trade_no", ""), biz.get("subject")
        amount = str(biz.get("total_amount", ""))
        if not _OUT_TRADE_NO.fullmatch(str(out_trade_no)):
            raise FakeError("ACQ.INVALID_PARAMETER", "out_trade_no 只能包含字母、数字、下划线, 64 个字符以内")
        if not _AMOUNT.fullmatch(str(amount)) or not 1 <= minor(amount) <= 10_000_000_000:
            raise FakeError("ACQ.INVALID_PARAMETER", "total_amount 取值范围 [0.01,100000000]")
        if not subject:
            raise FakeError("ACQ.INVALID_PARAMETER", "缺少 subject")
        expires = None
        if biz.get("time_expire"):
            try:
                expires = datetime.strptime(biz["time_expire"], "%Y-%m-%d %H:%M:%S").replace(
                    tzinfo=SHANGHAI).timestamp()
            except ValueError:
                raise FakeError("ACQ.INVALID_PARAMETER", "time_expire 格式为 yyyy-MM-dd HH:mm:ss") from None
        trade = self.trades.get(out_trade_no)
        if trade is not None:
            self._expire_if_due(trade)
            if trade["status"] == "TRADE_SUCCESS" or trade["refunds"]:
                raise FakeError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
            if trade["status"] == "TRADE_CLOSED":
                raise FakeError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
            if (trade["total_amount"], trade["subject"], trade["product"]) != (amount, subject, product):
                raise FakeError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            return trade
        trade = {
            "out_trade_no": out_trade_no, "total_amount": amount, "amount_minor": minor(amount),
            "subject": subject, "product": product, "time_expire": expires, "status": "WAIT_BUYER_PAY",
            "opened": False,  # Alipay knows the trade once the payer is there (page opened, code scanned)
            "trade_no": datetime.now(SHANGHAI).strftime("%Y%m%d") + "22001" + "".join(
                secrets.choice("0123456789") for _ in range(15)),
            "qr_code": "https://qr.alipay.com/bax0" + secrets.token_hex(10) if product == "precreate" else None,
            "notify_url": params.get("notify_url"), "return_url": params.get("return_url"),
            "quit_url": biz.get("quit_url"), "gmt_create": beijing(self.clock()), "gmt_payment": None,
            "buyer_id": "2088" + "".join(secrets.choice("0123456789") for _ in range(12)),
            "refunds": {}, "refunded_minor": 0,
        }
        self.trades[out_trade_no] = trade
        return trade

    def _precreate(self, params: dict[str, str], biz: dict) -> dict:
        trade = self._open(params, biz, "precreate")
        return {"out_trade_no": trade["out_trade_no"], "qr_code": trade["qr_code"]}

    def _query(self, params: dict[str, str], biz: dict) -> dict:
        trade = self._find(biz)
        paid = bool(trade["gmt_payment"])
        content = {"trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"],
                   "buyer_logon_id": "159****5620", "trade_status": trade["status"],
                   "total_amount": trade["total_amount"], "buyer_user_id": trade["buyer_id"],
                   "buyer_pay_amount": trade["total_amount"] if paid else "0.00",
                   "receipt_amount": trade["total_amount"] if paid else "0.00", "point_amount": "0.00",
                   "invoice_amount": trade["total_amount"] if paid else "0.00"}
        if paid:
            content["send_pay_date"] = trade["gmt_payment"]
        return content

    def _close(self, params: dict[str, str], biz: dict) -> dict:
        trade = self._find(biz)
        if trade["status"] != "WAIT_BUYER_PAY":
            raise FakeError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        trade["status"] = "TRADE_CLOSED"
        return {"trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"]}

    def _refund(self, params: dict[str, str], biz: dict) -> dict:
        if "refund_royalty_parameters" in biz:  # a royalty taken back (alipay_splits.py)
            return self._royalty_return(params, biz)
        trade = self._find(biz)
        if not trade["gmt_payment"]:
            raise FakeError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法")
        amount = str(biz.get("refund_amount", ""))
        if not _AMOUNT.fullmatch(amount) or minor(amount) < 1:
            raise FakeError("ACQ.INVALID_PARAMETER", "refund_amount 无效")
        refund_minor = minor(amount)
        request_no = biz.get("out_request_no") or trade["out_trade_no"]
        done = trade["refunds"].get(request_no)
        if done is not None:  # the same refund again: the same answer, and no money moves
            if done["refund_minor"] != refund_minor:
                raise FakeError("ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改")
            return {**done["content"], "fund_change": "N"}
        if refund_minor > trade["amount_minor"] - trade["refunded_minor"]:
            raise FakeError("ACQ.REFUND_AMT_NOT_EQUAL_TOTAL", "退款金额超限")
        trade["refunded_minor"] += refund_minor
        if trade["refunded_minor"] == trade["amount_minor"]:
            trade["status"] = "TRADE_CLOSED"  # a full refund closes the trade
        content = {"trade_no": trade["trade_no"], "out_trade_no": trade["out_trade_no"],
                   "buyer_logon_id": "159****5620", "buyer_user_id": trade["buyer_id"], "fund_change": "Y",
                   "refund_fee": yuan(trade["refunded_minor"]), "gmt_refund_pay": beijing(self.clock())}
        trade["refunds"][request_no] = {"refund_minor": refund_minor, "content": content}
        return content

    # --- the payer ---------------------------------------------------------------
    def _wap(self, params: dict[str, str]) -> Reply:
        """The payer's browser opens the signed alipay.trade.wap.pay URL: Alipay's cashier page."""
        with self._lock:
            try:
                self._authenticate(params)
                biz = self._biz(params)
                if biz.get("product_code") != WAP_PRODUCT:
                    raise FakeError("ACQ.INVALID_PARAMETER", f"product_code 应为 {WAP_PRODUCT}")
                trade = self._open(params, biz, "wap")
                trade["opened"] = True
            except FakeError as refusal:
                return page("Alipay: error", f"<h1>Error</h1><p>{html.escape(refusal.sub_code)}: "
                            f"{html.escape(refusal.sub_msg)}</p>", 400)
        return page("Alipay", self._pay_button(trade) + (
            f'<p><a href="{html.escape(trade["quit_url"])}">Cancel</a></p>' if trade["quit_url"] else ""))

    @staticmethod
    def _pay_button(trade: dict) -> str:
        return (f'<h1>{html.escape(trade["subject"])}</h1><form method="post" action="/_fake/pay">'
                f'<input type="hidden" name="out_trade_no" value="{html.escape(trade["out_trade_no"])}">'
                f'<button style="font-size:2em;padding:.5em 1em">Pay ¥{html.escape(trade["total_amount"])}'
                f"</button></form>")

    def index(self) -> Reply:
        with self._lock:
            for trade in self.trades.values():
                self._expire_if_due(trade)
            open_trades = [t for t in self.trades.values() if t["status"] == "WAIT_BUYER_PAY"]
        items = "".join(f'<li><p>{html.escape(t["product"])} {html.escape(t["out_trade_no"])}</p>'
                        f"{self._pay_button(t)}</li>" for t in open_trades)
        return page("Fake Alipay", "<h1>Open payments</h1>" + (f"<ul>{items}</ul>" if items else "<p>None.</p>"))

    def _pay_form(self, out_trade_no: str) -> Reply:
        try:
            self.pay(out_trade_no)
        except (KeyError, FakeError) as exc:
            return page("Alipay: error", f"<p>{html.escape(str(exc))}</p>", 409)
        with self._lock:
            trade = self.trades[out_trade_no]
            location = self._return_url(trade) if trade["product"] == "wap" and trade["return_url"] else "/"
        return 303, "text/plain", b"", {"Location": location}

    def _scan_form(self, qr_code: str, as_json: bool) -> Reply:
        try:
            status = self.scan(qr_code)
        except (KeyError, FakeError) as exc:
            return 409, "application/json", json.dumps({"error": str(exc)}).encode(), {}
        if not as_json:
            return 303, "text/plain", b"", {"Location": "/"}
        trade = next(t for t in self.trades.values() if t["qr_code"] == qr_code)
        return 200, "application/json", json.dumps({"out_trade_no": trade["out_trade_no"],
                                                    "trade_status": trade["status"],
                                                    "notify_status": status}).encode(), {}

    def _return_url(self, trade: dict) -> str:
        """Where the payer's browser goes after paying, with Alipay's signed synchronous parameters."""
        params = {"charset": "utf-8", "out_trade_no": trade["out_trade_no"], "method": "alipay.trade.wap.pay.return",
                  "total_amount": trade["total_amount"], "trade_no": trade["trade_no"], "auth_app_id": self.app_id,
                  "version": "1.0", "app_id": self.app_id, "seller_id": self.seller_id,
                  "timestamp": beijing(self.clock())}
        params["sign"] = rsa2_sign(self.alipay_key, signing_string(params))
        params["sign_type"] = "RSA2"
        return trade["return_url"] + ("&" if "?" in trade["return_url"] else "?") + urlencode(params)

    def scan(self, qr_code: str, pay: bool = True, notify: bool = True) -> int | None:
        """The payer scans a precreate QR code (Alipay now knows the trade) and, unless pay=False, pays;
        the notify response's status (None when not sent)."""
        with self._lock:
            trade = next((t for t in self.trades.values() if t["qr_code"] == qr_code), None)
            if trade is None:
                raise KeyError(f"no payment has QR code {qr_code!r}")
            self._expire_if_due(trade)
            if trade["status"] != "WAIT_BUYER_PAY":
                raise FakeError("ACQ.TRADE_STATUS_ERROR", f"trade is {trade['status']}")
            trade["opened"] = True
        return self.pay(trade["out_trade_no"], notify) if pay else None

    def pay(self, reference: str, notify: bool = True) -> int | None:
        """The payer pays (WAP, or a precreate as if scanned); if notify, the signed notice is POSTed to
        the notify_url now. The notify response's status (None when none was sent or it failed)."""
        with self._lock:
            trade = self.trades.get(reference)
            if trade is None:
                raise KeyError(f"no payment {reference!r}")
            self._expire_if_due(trade)
            if trade["status"] != "WAIT_BUYER_PAY":
                raise FakeError("ACQ.TRADE_STATUS_ERROR", f"trade is {trade['status']}")
            trade.update(opened=True, status="TRADE_SUCCESS", gmt_payment=beijing(self.clock()))
            url, params = trade["notify_url"], self._notice_params(trade)
        return self._send_notice(url, params) if notify and url else None

    def expire(self, reference: str) -> None:
        """Time runs out for an open payment (its time_expire passes)."""
        with self._lock:
            trade = self.trades[reference]
            trade["time_expire"] = self.clock() - 1
            self._expire_if_due(trade)

    # --- notices -------------------------------------------------------------------
    def _notice_params(self, trade: dict, signing_key: rsa.RSAPrivateKey | None = None, **overrides: Any) -> dict:
        amount = trade["total_amount"]
        params: dict[str, Any] = {
            "notify_time": beijing(self.clock()), "notify_type": "trade_status_sync",
            "notify_id": secrets.token_hex(16), "app_id": self.app_id, "auth_app_id": self.app_id,
            "charset": "utf-8", "version": "1.0", "trade_no": trade["trade_no"],
            "out_trade_no": trade["out_trade_no"], "trade_status": "TRADE_SUCCESS", "total_amount": amount,
            "receipt_amount": amount, "invoice_amount": amount, "buyer_pay_amount": amount, "point_amount": "0.00",
            "buyer_id": trade["buyer_id"], "buyer_logon_id": "159****5620", "seller_id": self.seller_id,
            "subject": trade["subject"], "gmt_create": trade["gmt_create"],
            "gmt_payment": trade["gmt_payment"] or beijing(self.clock()),
            "fund_bill_list": json.dumps([{"amount": amount, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")),
        }
        params.update(overrides)
        params = {k: str(v) for k, v in params.items() if v is not None}
        # The notice's signature leaves out sign and sign_type.
        params["sign"] = rsa2_sign(signing_key or self.alipay_key, signing_string(params, ("sign", "sign_type")))
        params["sign_type"] = "RSA2"
        return params

    def notice(self, reference: str, amount_minor: int | None = None, signing_key: Any = None,
               tamper: bool = False, sign_type: str = "RSA2", **overrides: Any) -> tuple[dict[str, str], bytes]:
        """A notice for a payment, signed as Alipay signs it, as (headers, body). Forgeries:
        amount_minor= (another amount, correctly signed), app_id= (another app), signing_key= (another
        private key), tamper=True (total_amount changed after signing), sign_type= (claimed after
        signing); any other parameter by name (trade_status=, refund_fee=, ...; None leaves it out)."""
        with self._lock:
            trade = self.trades[reference]
            if amount_minor is not None:
                overrides.update(total_amount=yuan(amount_minor), receipt_amount=yuan(amount_minor))
            key = private_key(signing_key) if signing_key is not None else None
            params = self._notice_params(trade, key, **overrides)
        if tamper:
            params["total_amount"] = yuan(minor(params["total_amount"]) + 1)
        params["sign_type"] = sign_type
        return ({"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
                urlencode(params).encode())

    def _send_notice(self, url: str, params: dict[str, str]) -> int | None:
        """POST the notice as Alipay does; Alipay stops resending only on a body of exactly "success"."""
        request = urllib.request.Request(url, data=urlencode(params).encode(), method="POST", headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        status: int | None
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                status, reply = response.status, response.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as exc:
            status, reply = exc.code, exc.read().decode("utf-8", "replace")
        except OSError as exc:
            status, reply = None, str(exc)
        with self._lock:
            self.notices.append({"url": url, "params": params, "status": status, "reply": reply})
        return status

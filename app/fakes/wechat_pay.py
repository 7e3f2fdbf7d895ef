"""A fake of WeChat Pay API v3 (direct merchant) and of the payer's WeChat, on loopback, speaking
the real protocol so the `wechatpayv3` SDK talks to it unchanged.

The API (/v3/...): every request's Authorization header is verified with the merchant's public
key (WECHATPAY2-SHA256-RSA2048; 401 SIGN_ERROR otherwise) and every answer is signed with the
platform key (Wechatpay-* headers), as the SDK checks. Endpoints: POST /v3/pay/transactions/
{jsapi,h5,native}, GET and POST .../out-trade-no/{no}[/close], POST /v3/refund/domestic/refunds; profit
sharing (receivers, splits, returns, the bill and its download) in wechat_pay_splits.py.

The payer: `pay()` and `scan()` in Python; /h5pay (WeChat's H5 page), POST /_fake/scan (a Native
QR code scanned), POST /_fake/jsapi and /bridge.js (WeixinJSBridge inside WeChat), and WeChat's
OAuth (/connect/oauth2/authorize, /sns/oauth2/access_token). A paid payment's notice (AES-GCM
encrypted with the APIv3 key, signed) is posted to its notify_url synchronously. GET / lists the
open payments with pay buttons, for `make run`.
"""
from __future__ import annotations

import base64
import html
import json
import re
import secrets
import string
import threading
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from .wechat_pay_splits import SplitsMixin

SIGNATURE_TYPE = "WECHATPAY2-SHA256-RSA2048"
MAX_SKEW = 300  # seconds: WeChat Pay refuses an older Authorization timestamp
CHINA = timezone(timedelta(hours=8))
OUT_TRADE_NO = re.compile(r"[0-9A-Za-z_\-*|]{6,32}")
TRADE_TYPES = {"jsapi": "JSAPI", "h5": "MWEB", "native": "NATIVE"}
STATE_DESC = {"NOTPAY": "订单未支付", "SUCCESS": "支付成功", "CLOSED": "订单已关闭", "REFUND": "转入退款"}
ALNUM = string.ascii_letters + string.digits
Reply = tuple[int, dict[str, str], bytes]
CORS = {"Access-Control-Allow-Origin": "*", "Access-Control-Allow-Methods": "POST, OPTIONS",
        "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def private_pem(key: rsa.RSAPrivateKey) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key: rsa.RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def sign(key: rsa.RSAPrivateKey, message: str) -> str:
    return base64.b64encode(key.sign(message.encode(), padding.PKCS1v15(), hashes.SHA256())).decode()


def verify(key: rsa.RSAPrivateKey, message: str, signature: str) -> bool:
    try:
        key.public_key().verify(base64.b64decode(signature, validate=True), message.encode(),
                                padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def rand(n: int, chars: str = ALNUM) -> str:
    return "".join(secrets.choice(chars) for _ in range(n))


def rfc3339(at: float | None = None) -> str:
    return datetime.fromtimestamp(time.time() if at is None else at, CHINA).isoformat(timespec="seconds")


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def with_query(url: str, params: dict[str, str]) -> str:
    return url + ("&" if "?" in url else "?") + urlencode(params)


def page(title: str, body: str, status: int = 200) -> Reply:
    text = (f"<!doctype html><html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width'>"
            f"<title>{html.escape(title)}</title><style>body{{font:18px sans-serif;max-width:34em;margin:2em auto}}"
            f"button{{font-size:1.4em;padding:.6em 1.4em;background:#07c160;color:#fff;border:0;border-radius:6px}}"
            f"</style></head><body><h1>{html.escape(title)}</h1>{body}</body></html>")
    return status, {"Content-Type": "text/html; charset=utf-8"}, text.encode()


def as_json(status: int, data: Any, headers: dict[str, str] | None = None) -> Reply:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(data).encode()


def redirect(location: str, status: int = 303) -> Reply:
    return status, {"Location": location}, b""


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class FakeWeChatPay(SplitsMixin):
    """One merchant (mchid, appid) and one payer (`openid`) on WeChat Pay."""

    def __init__(self, mchid: str = "1900009191", appid: str = "wxd678efh567hg6787", *,
                 apiv3_key: str | None = None, app_secret: str | None = None,
                 merchant_key: rsa.RSAPrivateKey | None = None, platform_key: rsa.RSAPrivateKey | None = None):
        self.mchid, self.appid = mchid, appid
        self.apiv3_key = apiv3_key or rand(32)
        self.app_secret = app_secret or secrets.token_hex(16)
        self.merchant_key = merchant_key or new_key()  # the merchant's API key pair (apiclient_key.pem)
        self.platform_key = platform_key or new_key()  # WeChat Pay's platform key pair (pub_key.pem)
        self.cert_serial = secrets.token_hex(20).upper()
        self.public_key_id = "PUB_KEY_ID_" + rand(22, string.digits)
        self.openid = "o" + rand(27, ALNUM + "-_")  # the payer
        self.payments: dict[str, dict[str, Any]] = {}  # by out_trade_no
        self.refunds: dict[str, dict[str, Any]] = {}  # by out_refund_no
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []  # method, path, headers, body
        self.notices: list[tuple[str, int]] = []  # out_trade_no, the notify_url's answer (0: unreachable)
        self.fail_next = 0  # answer this many API requests with a 500
        self.bridge_answer = "ok"  # the JSAPI payment sheet: "ok" pays, "cancel" backs out
        self._codes: dict[str, tuple[str, str, float]] = {}  # OAuth code -> openid, scope, issued
        self._lock = threading.Lock()
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy
        self._init_splits()
        self.add_known_openid(self.openid)
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _handle(self, method: str) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status, headers, data = fake.dispatch(method, self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(data))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                self._handle("GET")

            def do_POST(self) -> None:
                self._handle("POST")

            def do_OPTIONS(self) -> None:
                self._handle("OPTIONS")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # --- life ----------------------------------------------------------------
    def start(self) -> str:
        self._thread.start()
        return self.base

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeWeChatPay:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def config(self) -> dict[str, str]:
        """The app configuration that points the provider (and the JSAPI OAuth) at this fake."""
        return {
            "WECHATPAY_MCHID": self.mchid, "WECHATPAY_APPID": self.appid, "WECHATPAY_APIV3_KEY": self.apiv3_key,
            "WECHATPAY_PRIVATE_KEY": private_pem(self.merchant_key), "WECHATPAY_CERT_SERIAL": self.cert_serial,
            "WECHATPAY_PUBLIC_KEY": public_pem(self.platform_key), "WECHATPAY_PUBLIC_KEY_ID": self.public_key_id,
            "WECHATPAY_API_BASE": self.base, "WECHAT_APP_SECRET": self.app_secret,
            "WECHAT_OAUTH_BASE": self.base, "WECHAT_API_BASE": self.base,
        }

    # --- HTTP ----------------------------------------------------------------
    def dispatch(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        headers = {k.lower(): v for k, v in headers.items()}
        with self._lock:
            self.requests.append((method, target, headers, body))
        url = urlsplit(target)
        if url.path == "/v3/billdownload/file":
            with self._lock:
                return self._download(method, target, headers, body)
        if url.path.startswith("/v3/"):
            return self._api(method, target, headers, body)
        query = dict(parse_qsl(url.query))
        form = dict(parse_qsl(body.decode(errors="replace"))) if method == "POST" else {}
        route = (method, url.path)
        if route == ("GET", "/"):
            return self._home()
        if route == ("GET", "/h5pay"):
            return self._h5_page(query.get("prepay_id", ""), query.get("redirect_url", ""))
        if route in (("POST", "/h5pay"), ("POST", "/_fake/pay")):
            with self._lock:
                payment = self._find("prepay_id", form.get("prepay_id")) or self.payments.get(
                    form.get("out_trade_no", ""))
            if payment is None:
                return page("Unknown payment", "<p>No such payment.</p>", 404)
            try:
                self.pay(payment["out_trade_no"])
            except ValueError as exc:
                return page("Not paid", f"<p>{html.escape(str(exc))}</p>", 409)
            return redirect(form.get("redirect_url") or "/")
        if route == ("POST", "/_fake/scan"):
            return self._scan_http(headers, body, form)
        if url.path == "/_fake/jsapi":
            if method == "OPTIONS":
                return 204, dict(CORS), b""
            try:
                params = json.loads(body)
            except ValueError:
                params = {}
            return as_json(200, self.jsapi(params if isinstance(params, dict) else {}), CORS)
        if route == ("GET", "/bridge.js"):
            return 200, {"Content-Type": "application/javascript", **CORS}, self.bridge_script().encode()
        if route == ("GET", "/connect/oauth2/authorize"):
            return self._authorize(query)
        if route == ("GET", "/sns/oauth2/access_token"):
            return as_json(200, self._access_token(query))
        return page("Not found", f"<p>{html.escape(method)} {html.escape(url.path)}</p>", 404)

    # --- the API -------------------------------------------------------------
    def _api(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Reply:
        data: dict[str, Any] | None
        with self._lock:
            problem = self._check_authorization(method, target, headers, body)
            if problem:
                status, data = 401, {"code": "SIGN_ERROR", "message": problem}
            elif self.fail_next:
                self.fail_next -= 1
                status, data = 500, {"code": "SYSTEM_ERROR", "message": "系统错误"}
            else:
                try:
                    url = urlsplit(target)
                    status, data = (self._profitsharing(method, url, headers, body)
                                    if url.path.startswith("/v3/profitsharing/") else self._route(method, url, body))
                except ApiError as exc:
                    status, data = exc.status, {"code": exc.code, "message": exc.message}
        return self._signed(status, data)

    def _check_authorization(self, method: str, target: str, headers: dict[str, str], body: bytes) -> str | None:
        scheme, _, rest = headers.get("authorization", "").partition(" ")
        if scheme != SIGNATURE_TYPE:
            return "Authorization头不合法 (expected WECHATPAY2-SHA256-RSA2048)"
        fields = dict(re.findall(r'(\w+)="([^"]*)"', rest))
        if fields.get("mchid") != self.mchid:
            return "商户号不存在"
        if fields.get("serial_no") != self.cert_serial:
            return "商户API证书序列号错误"
        if not fields.get("timestamp", "").isdigit() or abs(time.time() - int(fields["timestamp"])) > MAX_SKEW:
            return "请求时间戳已过期"
        message = f"{method}\n{target}\n{fields['timestamp']}\n{fields.get('nonce_str', '')}\n{body.decode()}\n"
        if not verify(self.merchant_key, message, fields.get("signature", "")):
            return "签名错误，请检查后再试"
        return None

    def _signed(self, status: int, data: dict[str, Any] | None) -> Reply:
        """An API answer signed with the platform key, as WeChat Pay signs every answer."""
        text = "" if data is None else json.dumps(data, ensure_ascii=False)
        timestamp, nonce = str(int(time.time())), rand(32)
        headers = {"Request-ID": rand(24), "Wechatpay-Timestamp": timestamp, "Wechatpay-Nonce": nonce,
                   "Wechatpay-Signature": sign(self.platform_key, f"{timestamp}\n{nonce}\n{text}\n"),
                   "Wechatpay-Serial": self.public_key_id, "Wechatpay-Signature-Type": SIGNATURE_TYPE}
        if text:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return status, headers, text.encode()

    def _route(self, method: str, url: Any, body: bytes) -> tuple[int, dict[str, Any] | None]:
        try:
            req = json.loads(body) if body else {}
        except ValueError:
            raise ApiError(400, "PARAM_ERROR", "请求体不是合法的JSON") from None
        if not isinstance(req, dict):
            raise ApiError(400, "PARAM_ERROR", "请求体不是JSON对象")
        path, query = url.path, dict(parse_qsl(url.query))
        if method == "POST" and (m := re.fullmatch(r"/v3/pay/transactions/(jsapi|h5|native)", path)):
            return 200, self._order(m[1], req)
        if m := re.fullmatch(r"/v3/pay/transactions/out-trade-no/([^/]+)(/close)?", path):
            if (query if method == "GET" else req).get("mchid") != self.mchid:
                raise ApiError(400, "PARAM_ERROR", "mchid与请求商户号不一致")
            payment = self.payments.get(m[1])
            if payment is None:
                raise ApiError(404, "ORDER_NOT_EXIST", "订单不存在")
            if method == "GET" and not m[2]:
                return 200, self._transaction(payment)
            if method == "POST" and m[2]:
                if payment["trade_state"] in ("SUCCESS", "REFUND"):
                    raise ApiError(400, "ORDERPAID", "订单已支付")
                payment["trade_state"] = "CLOSED"
                return 204, None
        if method == "POST" and path == "/v3/refund/domestic/refunds":
            return 200, self._refund(req)
        raise ApiError(404, "NOT_FOUND", "无效的请求URL")

    def _order(self, kind: str, req: dict[str, Any]) -> dict[str, Any]:
        amount = req.get("amount") or {}
        if req.get("appid") != self.appid or req.get("mchid") != self.mchid:
            raise ApiError(400, "PARAM_ERROR", "appid和mch_id不匹配")
        if not OUT_TRADE_NO.fullmatch(str(req.get("out_trade_no", ""))):
            raise ApiError(400, "PARAM_ERROR", "out_trade_no: 6-32位数字、大小写字母_-|*")
        if not req.get("description") or len(req["description"]) > 127 or not req.get("notify_url"):
            raise ApiError(400, "PARAM_ERROR", "description 或 notify_url 不合法")
        if not isinstance(amount.get("total"), int) or amount["total"] < 1 or amount.get("currency", "CNY") != "CNY":
            raise ApiError(400, "PARAM_ERROR", "amount.total 须为正整数(分), currency 为 CNY")
        if kind == "jsapi" and not (req.get("payer") or {}).get("openid"):
            raise ApiError(400, "PARAM_ERROR", "JSAPI 下单须提供 payer.openid")
        scene = req.get("scene_info") or {}
        if kind == "h5" and not (scene.get("payer_client_ip") and (scene.get("h5_info") or {}).get("type")):
            raise ApiError(400, "PARAM_ERROR", "H5 下单须提供 scene_info.payer_client_ip 与 h5_info.type")
        expires = None
        if req.get("time_expire"):
            try:
                expires = datetime.fromisoformat(req["time_expire"]).timestamp()
            except ValueError:
                raise ApiError(400, "PARAM_ERROR", "time_expire 须为 RFC 3339 格式") from None
        existing = self.payments.get(req["out_trade_no"])
        if existing is not None:
            if existing["trade_state"] == "CLOSED":
                raise ApiError(400, "ORDER_CLOSED", "订单已关闭")
            if existing["trade_state"] in ("SUCCESS", "REFUND"):
                raise ApiError(400, "ORDERPAID", "该订单已支付")
            if existing["request"] != (kind, req):
                raise ApiError(400, "INVALID_REQUEST", "商户订单号重复")
            return existing["answer"]  # an identical repeated order: the same payment
        prepay_id = "wx" + time.strftime("%d%H%M%S") + secrets.token_hex(13)
        answer = {"jsapi": {"prepay_id": prepay_id},
                  "h5": {"h5_url": f"{self.base}/h5pay?prepay_id={prepay_id}&package={rand(10, string.digits)}"},
                  "native": {"code_url": "weixin://wxpay/bizpayurl?pr=" + rand(7)}}[kind]
        self.payments[req["out_trade_no"]] = {
            "request": (kind, req), "answer": answer, "out_trade_no": req["out_trade_no"],
            "trade_type": TRADE_TYPES[kind], "trade_state": "NOTPAY", "description": req["description"],
            "attach": req.get("attach", ""), "notify_url": req["notify_url"], "total": amount["total"],
            "openid": (req.get("payer") or {}).get("openid"), "expires": expires, "prepay_id": prepay_id,
            "code_url": answer.get("code_url"), "transaction_id": "4200" + rand(24, string.digits),
            "notice_id": "EV-" + rand(18, string.digits), "success_time": None, "refunded": 0}
        return answer

    def _transaction(self, payment: dict[str, Any], event: bool = False) -> dict[str, Any]:
        """A payment as the query answers it (and, `event`, as a notice's resource: paid)."""
        state = "SUCCESS" if event else payment["trade_state"]
        data: dict[str, Any] = {
            "appid": self.appid, "mchid": self.mchid, "out_trade_no": payment["out_trade_no"],
            "trade_type": payment["trade_type"], "trade_state": state, "trade_state_desc": STATE_DESC[state],
            "attach": payment["attach"], "amount": {"total": payment["total"], "currency": "CNY",
                                                     "payer_currency": "CNY"}}
        if state in ("SUCCESS", "REFUND"):
            data.update(transaction_id=payment["transaction_id"], bank_type="OTHERS",
                        success_time=payment["success_time"] or rfc3339(),
                        payer={"openid": payment["openid"] or self.openid})
            data["amount"]["payer_total"] = payment["total"]
        return data

    def _refund(self, req: dict[str, Any]) -> dict[str, Any]:
        if not req.get("out_refund_no"):
            raise ApiError(400, "PARAM_ERROR", "缺少 out_refund_no")
        if req["out_refund_no"] in self.refunds:
            return self.refunds[req["out_refund_no"]]  # the same refund again: no second refund
        payment = self.payments.get(req.get("out_trade_no", "")) or self._find("transaction_id",
                                                                               req.get("transaction_id"))
        if payment is None:
            raise ApiError(404, "RESOURCE_NOT_EXISTS", "订单不存在")
        if payment["trade_state"] not in ("SUCCESS", "REFUND"):
            raise ApiError(400, "INVALID_REQUEST", "订单未支付")
        amount = req.get("amount") or {}
        if amount.get("total") != payment["total"] or amount.get("currency", "CNY") != "CNY":
            raise ApiError(400, "PARAM_ERROR", "订单金额与实际不一致")
        if not isinstance(amount.get("refund"), int) or not 0 < amount["refund"] <= payment["total"] - payment[
                "refunded"]:
            raise ApiError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        payment["refunded"] += amount["refund"]
        payment["trade_state"] = "REFUND"
        refund = {"refund_id": "50" + rand(30, string.digits), "out_refund_no": req["out_refund_no"],
                  "transaction_id": payment["transaction_id"], "out_trade_no": payment["out_trade_no"],
                  "channel": "ORIGINAL", "user_received_account": "支付用户零钱", "create_time": rfc3339(),
                  "success_time": rfc3339(), "status": "SUCCESS", "funds_account": "AVAILABLE",
                  "amount": {"total": payment["total"], "refund": amount["refund"], "payer_total": payment["total"],
                             "payer_refund": amount["refund"], "settlement_total": payment["total"],
                             "settlement_refund": amount["refund"], "discount_refund": 0, "currency": "CNY"}}
        self.refunds[req["out_refund_no"]] = refund
        return refund

    def _find(self, field: str, value: Any) -> dict[str, Any] | None:
        return next((p for p in self.payments.values() if value and p.get(field) == value), None)

    # --- the payer -----------------------------------------------------------
    def pay(self, reference: str, notify: bool = True) -> int | None:
        """The payer pays (again: the notice is sent again); the notify_url's answer, if notified.
        ValueError for a payment that cannot be paid (closed, expired, refunded)."""
        with self._lock:
            payment = self.payments.get(reference)
            if payment is None:
                raise ValueError(f"no payment {reference}")
            if payment["trade_state"] == "NOTPAY":
                if payment["expires"] is not None and time.time() > payment["expires"]:
                    raise ValueError(f"payment {reference} has expired")
                payment.update(trade_state="SUCCESS", success_time=rfc3339(),
                               openid=payment["openid"] or self.openid)
            elif payment["trade_state"] != "SUCCESS":
                raise ValueError(f"payment {reference} is {payment['trade_state']}")
        return self.send_notice(reference) if notify else None

    def scan(self, code_url: str, notify: bool = True) -> int | None:
        """The payer scans a Native payment's QR code with WeChat and pays."""
        with self._lock:
            payment = self._find("code_url", code_url)
        if payment is None:
            raise ValueError(f"no payment for {code_url}")
        return self.pay(payment["out_trade_no"], notify)

    def _scan_http(self, headers: dict[str, str], body: bytes, form: dict[str, str]) -> Reply:
        is_json = headers.get("content-type", "").startswith("application/json")
        try:
            code_url = json.loads(body).get("code_url", "") if is_json else form.get("code_url", "")
            status = self.scan(code_url)
        except (ValueError, AttributeError) as exc:
            return as_json(409, {"code": "FAIL", "message": str(exc)}) if is_json else page("Not paid", html.escape(
                str(exc)), 409)
        return as_json(200, {"trade_state": "SUCCESS", "notify_status": status}) if is_json else redirect("/")

    def jsapi(self, params: dict[str, Any]) -> dict[str, str]:
        """WeixinJSBridge.invoke("getBrandWCPayRequest", params): checks what WeChat checks, then pays."""
        def fail(reason: str) -> dict[str, str]:
            return {"err_msg": "get_brand_wcpay_request:fail", "err_desc": reason}

        fields = [str(params.get(k, "")) for k in ("appId", "timeStamp", "nonceStr", "package")]
        if params.get("appId") != self.appid or params.get("signType") != "RSA":
            return fail("appId or signType is wrong")
        if not verify(self.merchant_key, "\n".join(fields) + "\n", str(params.get("paySign", ""))):
            return fail("支付验证签名失败")
        with self._lock:
            payment = self._find("prepay_id", fields[3].removeprefix("prepay_id="))
        if payment is None or payment["trade_type"] != "JSAPI":
            return fail("prepay_id 不存在")
        if payment["openid"] != self.openid:
            return fail("当前用户与下单用户不一致")  # the payer in WeChat is not whom the order names
        if self.bridge_answer != "ok":
            return {"err_msg": f"get_brand_wcpay_request:{self.bridge_answer}"}
        try:
            self.pay(payment["out_trade_no"])
        except ValueError as exc:
            return fail(str(exc))
        return {"err_msg": "get_brand_wcpay_request:ok"}

    def bridge_script(self) -> str:
        """WeChat's in-app JS bridge, as far as paying goes (browser tests add it with add_init_script)."""
        return ("(function () {\n"
                f"  var endpoint = {json.dumps(self.base + '/_fake/jsapi')};\n"
                "  window.WeixinJSBridge = {invoke: function (name, params, cb) {\n"
                "    cb = cb || function () {};\n"
                "    if (name !== 'getBrandWCPayRequest') { cb({err_msg: name + ':fail'}); return; }\n"
                "    fetch(endpoint, {method: 'POST', headers: {'Content-Type': 'application/json'},\n"
                "                     body: JSON.stringify(params)})\n"
                "      .then(function (r) { return r.json(); })\n"
                "      .then(cb, function () { cb({err_msg: 'get_brand_wcpay_request:fail'}); });\n"
                "  }};\n"
                "  document.addEventListener('DOMContentLoaded', function () {\n"
                "    document.dispatchEvent(new Event('WeixinJSBridgeReady'));\n"
                "  });\n"
                "})();\n")

    def _h5_page(self, prepay_id: str, redirect_url: str) -> Reply:
        with self._lock:
            payment = self._find("prepay_id", prepay_id)
        if payment is None or payment["trade_type"] != "MWEB":
            return page("WeChat Pay", "<p>This payment does not exist.</p>", 404)
        back = f"<p><a href='{html.escape(redirect_url or '/')}'>Cancel</a></p>"
        if payment["trade_state"] != "NOTPAY":
            return page("WeChat Pay", f"<p>This payment is {payment['trade_state'].lower()}.</p>{back}")
        return page("WeChat Pay", (
            f"<p>{html.escape(payment['description'])}</p><form method='post' action='/h5pay'>"
            f"<input type='hidden' name='prepay_id' value='{html.escape(prepay_id)}'>"
            f"<input type='hidden' name='redirect_url' value='{html.escape(redirect_url)}'>"
            f"<button type='submit'>Pay ¥{yuan(payment['total'])}</button></form>{back}"))

    def _home(self) -> Reply:
        with self._lock:
            payments = [dict(p) for p in self.payments.values()]
        rows = "".join(
            f"<li><p>{html.escape(p['description'])} · {p['trade_type']} · <code>{p['out_trade_no']}</code></p>"
            f"<form method='post' action='/_fake/pay'><input type='hidden' name='out_trade_no' "
            f"value='{html.escape(p['out_trade_no'])}'><button type='submit'>Pay ¥{yuan(p['total'])}</button>"
            f"</form></li>" for p in payments if p["trade_state"] == "NOTPAY")
        return page("WeChat Pay (fake): open payments",
                    f"<ul>{rows}</ul>" if rows else "<p>No open payments. Start one in CarbonDot.</p>")

    # --- OAuth (snsapi_base) -------------------------------------------------
    def _authorize(self, query: dict[str, str]) -> Reply:
        if query.get("appid") != self.appid:
            return page("参数错误", "<p>appid 参数错误</p>", 400)
        if query.get("response_type") != "code" or query.get("scope") not in ("snsapi_base", "snsapi_userinfo"):
            return page("参数错误", "<p>response_type 或 scope 参数错误</p>", 400)
        if not query.get("redirect_uri"):
            return page("参数错误", "<p>redirect_uri 参数错误</p>", 400)
        code = rand(32)
        with self._lock:
            self._codes[code] = (self.openid, query["scope"], time.time())
        return redirect(with_query(query["redirect_uri"], {"code": code, "state": query.get("state", "")}), 302)

    def _access_token(self, query: dict[str, str]) -> dict[str, Any]:
        if query.get("appid") != self.appid:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != self.app_secret:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        if query.get("grant_type") != "authorization_code":
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        with self._lock:
            found = self._codes.pop(query.get("code", ""), None)  # each code works once
        if found is None or time.time() - found[2] > MAX_SKEW:
            return {"errcode": 40029, "errmsg": "invalid code"}
        return {"access_token": rand(64), "expires_in": 7200, "refresh_token": rand(64), "openid": found[0],
                "scope": found[1]}

    # --- notices -------------------------------------------------------------
    def send_notice(self, reference: str) -> int:
        """POST the payment's notice to its notify_url; its HTTP status (0: unreachable)."""
        headers, body = self.notice(reference)
        request = urllib.request.Request(self.payments[reference]["notify_url"], data=body, headers=headers,
                                         method="POST")
        try:
            with self._opener.open(request, timeout=10) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            status = exc.code
        except (urllib.error.URLError, OSError):
            status = 0
        with self._lock:
            self.notices.append((reference, status))
        return status

    def notice(self, reference: str, *, amount_minor: int | None = None, appid: str | None = None,
               app_id: str | None = None, mchid: str | None = None, timestamp: int | None = None,
               signing_key: rsa.RSAPrivateKey | None = None, tamper: bool = False, apiv3_key: str | None = None,
               serial: str | None = None, event_type: str = "TRANSACTION.SUCCESS") -> tuple[dict[str, str], bytes]:
        """A payment's TRANSACTION.SUCCESS notice (headers, body), signed as WeChat Pay signs it; the
        overrides forge one: another amount, app or merchant, a stale `timestamp`, `signing_key` (not
        the platform key), `tamper` (a ciphertext byte changed after signing), `apiv3_key` (encrypted
        with another key, then signed), `serial` (another key id), another `event_type`."""
        with self._lock:
            payment = self.payments[reference]
            resource = self._transaction(payment, event=True)
            notice_id = payment["notice_id"]
        if amount_minor is not None:
            resource["amount"].update(total=amount_minor, payer_total=amount_minor)
        resource.update(appid=appid or app_id or resource["appid"], mchid=mchid or resource["mchid"])
        nonce = rand(12)
        sealed = AESGCM((apiv3_key or self.apiv3_key).encode()).encrypt(
            nonce.encode(), json.dumps(resource, ensure_ascii=False).encode(), b"transaction")
        ciphertext = base64.b64encode(sealed).decode()
        text = json.dumps({
            "id": notice_id, "create_time": rfc3339(), "resource_type": "encrypt-resource",
            "event_type": event_type, "summary": "支付成功",
            "resource": {"original_type": "transaction", "algorithm": "AEAD_AES_256_GCM", "ciphertext": ciphertext,
                         "associated_data": "transaction", "nonce": nonce}}, ensure_ascii=False)
        stamp, sign_nonce = str(int(time.time()) if timestamp is None else timestamp), rand(32)
        signature = sign(signing_key or self.platform_key, f"{stamp}\n{sign_nonce}\n{text}\n")
        if tamper:
            text = text.replace(ciphertext, ("B" if ciphertext[0] == "A" else "A") + ciphertext[1:], 1)
        headers = {"Content-Type": "application/json", "Wechatpay-Timestamp": stamp, "Wechatpay-Nonce": sign_nonce,
                   "Wechatpay-Signature": signature, "Wechatpay-Serial": serial or self.public_key_id,
                   "Wechatpay-Signature-Type": SIGNATURE_TYPE}
        return headers, text.encode()

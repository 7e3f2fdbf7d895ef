"""A small fake of the Stripe API endpoints CarbonDot calls, served over HTTP on
loopback so the official `stripe` library talks to it with real wire formats.

Endpoints: POST /v1/checkout/sessions, GET /v1/checkout/sessions/<id>,
POST /v1/checkout/sessions/<id>/expire, POST /v1/refunds, and Connect's accounts, payment intents,
charges, transfers and reversals (stripe_connect.py). Idempotency-Key replays return the first
response, as Stripe does. `event()` builds webhook payloads and `sign()` signs them with Stripe's
scheme (t=<unix>,v1=HMAC-SHA256(secret, "<t>.<body>")).
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl

from tests.fakes.stripe_connect import StripeConnect


class FakeStripe(StripeConnect):
    def __init__(self, api_key: str = "sk_test_fake"):
        self.api_key = api_key
        self.sessions: dict[str, dict] = {}
        self.refunds: list[dict] = []
        self.requests: list[tuple[str, str, dict, dict]] = []  # method, path, params, headers
        self._idempotent: dict[str, tuple[int, dict]] = {}
        self._lock = threading.Lock()
        self.fail_next = 0  # answer this many requests with a 500
        self._init_connect()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _reply(self, status: int, body: dict):
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Request-Id", "req_" + secrets.token_hex(6))
                self.end_headers()
                self.wfile.write(data)

            def _handle(self, method: str):
                length = int(self.headers.get("Content-Length") or 0)
                params = dict(parse_qsl(self.rfile.read(length).decode())) if length else {}
                headers = {k.lower(): v for k, v in self.headers.items()}
                status, body = fake.handle(method, self.path, params, headers)
                self._reply(status, body)

            def do_GET(self):
                self._handle("GET")

            def do_POST(self):
                self._handle("POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    # --- the API -----------------------------------------------------------
    def handle(self, method: str, path: str, params: dict, headers: dict) -> tuple[int, dict]:
        with self._lock:
            self.requests.append((method, path, params, headers))
            if headers.get("authorization") != f"Bearer {self.api_key}":
                return 401, {"error": {"type": "invalid_request_error", "message": "Invalid API Key provided"}}
            key = headers.get("idempotency-key")
            if method == "POST" and key and key in self._idempotent:
                return self._idempotent[key]
            if self.fail_next:
                self.fail_next -= 1
                return 500, {"error": {"type": "api_error", "message": "Fake outage"}}
            path, _, query = path.partition("?")
            if query:  # a GET's parameters
                params = {**dict(parse_qsl(query)), **params}
            result = self._route_connect(method, path, params) or self._route(method, path, params)
            if method == "POST" and key:
                self._idempotent[key] = result
            return result

    def _route(self, method, path, params):
        if method == "POST" and path == "/v1/checkout/sessions":
            if any(k.startswith("payment_method_types[") for k in params):  # gone since API 2026-09-30
                return 400, {"error": {
                    "type": "invalid_request_error", "code": "payment_method_types_no_longer_supported",
                    "param": "payment_method_types",
                    "message": "Use allowed_payment_method_types or dynamic payment methods."}}
            return 200, self._create_session(params)
        if method == "POST" and path.startswith("/v1/checkout/sessions/") and path.endswith("/expire"):
            session = self.sessions.get(path.split("/")[-2])
            if session is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}}
            if session["status"] != "open":  # Stripe: only an open session can be expired
                return 400, {"error": {"type": "invalid_request_error",
                                       "message": f"This Checkout Session is {session['status']}."}}
            session.update(status="expired", url=None)
            return 200, session
        if method == "GET" and path.startswith("/v1/checkout/sessions/"):
            session = self.sessions.get(path.rsplit("/", 1)[1])
            if session is None:
                return 404, {"error": {"type": "invalid_request_error", "message": "No such checkout.session"}}
            return 200, session
        if method == "POST" and path == "/v1/refunds":
            refund = {"id": "re_" + secrets.token_hex(8), "object": "refund", "status": "succeeded",
                      "payment_intent": params.get("payment_intent"),
                      "metadata": {"order": params.get("metadata[order]")}}
            self.refunds.append(refund)
            self._refund_intent(refund["payment_intent"])
            return 200, refund
        return 404, {"error": {"type": "invalid_request_error", "message": f"Unrecognized request URL {path}"}}

    def _create_session(self, params: dict) -> dict:
        session_id = "cs_test_" + secrets.token_hex(12)
        methods = [v for k, v in sorted(params.items()) if k.startswith("allowed_payment_method_types[")]
        session = {
            "id": session_id,
            "object": "checkout.session",
            "url": f"{self.base}/pay/{session_id}",
            "status": "open",
            "payment_status": "unpaid",
            "mode": params.get("mode"),
            "client_reference_id": params.get("client_reference_id"),
            "metadata": {"order": params.get("metadata[order]")},
            "amount_total": int(params["line_items[0][price_data][unit_amount]"]),
            "currency": params["line_items[0][price_data][currency]"],
            "line_item_name": params.get("line_items[0][price_data][product_data][name]"),
            "payment_method_types": methods,
            "success_url": params.get("success_url"),
            "cancel_url": params.get("cancel_url"),
            "expires_at": int(params["expires_at"]),
            "payment_intent": None,
        }
        self.sessions[session_id] = session
        return session

    # --- test helpers ------------------------------------------------------
    def pay(self, session_id: str, payment_status: str = "paid") -> dict:
        """The visitor completes the hosted page (paid, or unpaid for a slow method)."""
        session = self.sessions[session_id]
        session.update(status="complete", payment_status=payment_status,
                       payment_intent=self._settle_intent(session, paid=payment_status == "paid"))
        return session

    def expire(self, session_id: str) -> dict:
        self.sessions[session_id].update(status="expired")
        return self.sessions[session_id]

    def event(self, event_type: str, session_id: str, **overrides) -> bytes:
        obj = {**self.sessions[session_id], **overrides}
        return json.dumps({
            "id": "evt_" + secrets.token_hex(8), "object": "event", "type": event_type, "api_version": "2025-01-01",
            "created": int(time.time()), "livemode": False, "data": {"object": obj},
        }).encode()


def sign(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"

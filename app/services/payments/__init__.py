"""The Stripe adapter: create a hosted Checkout Session, look one up, refund,
and verify and parse a webhook.

The key is passed per client (never `stripe.api_key`), and `api_base` points
the official library at a fake in tests and staging. Nothing here touches the
database: callers turn the plain results into ledger actions.
"""
from __future__ import annotations

from dataclasses import dataclass

import stripe

stripe.enable_telemetry = False  # no ~/.config writes, no extra headers

# Where Stripe lets a currency be paid with these wallets (card works everywhere).
ALIPAY_CURRENCIES = frozenset({"CNY", "AUD", "CAD", "EUR", "GBP", "HKD", "JPY", "MYR", "NZD", "SGD", "USD"})
WECHAT_PAY_CURRENCIES = frozenset({"CNY", "AUD", "CAD", "CHF", "DKK", "EUR", "GBP", "HKD", "JPY", "NOK", "SEK",
                                   "SGD", "USD"})

HANDLED_EVENTS = (
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
)


class PaymentError(Exception):
    """The payment provider could not be reached or refused the request."""


class BadSignature(Exception):
    """A webhook whose signature does not verify: ignore it entirely."""


@dataclass(frozen=True)
class StripeConfig:
    secret_key: str
    webhook_secret: str = ""
    api_base: str = ""


@dataclass(frozen=True)
class Session:
    id: str
    url: str | None
    status: str  # open, complete, expired
    payment_status: str  # paid, unpaid, no_payment_required
    order_public_id: str | None
    payment_intent: str | None
    amount_total: int | None
    currency: str | None


@dataclass(frozen=True)
class WebhookEvent:
    id: str
    type: str
    session: Session


def payment_method_types(currency: str) -> list[str]:
    methods = ["card"]
    if currency.upper() in ALIPAY_CURRENCIES:
        methods.append("alipay")
    if currency.upper() in WECHAT_PAY_CURRENCIES:
        methods.append("wechat_pay")
    return methods


def client(cfg: StripeConfig) -> stripe.StripeClient:
    kwargs = {}
    if cfg.api_base:
        kwargs["base_addresses"] = {"api": cfg.api_base}
    return stripe.StripeClient(cfg.secret_key, max_network_retries=2, **kwargs)


def _session(obj) -> Session:
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    return Session(
        id=obj["id"],
        url=obj.get("url"),
        status=obj.get("status") or "open",
        payment_status=obj.get("payment_status") or "unpaid",
        order_public_id=obj.get("client_reference_id"),
        payment_intent=obj.get("payment_intent") if isinstance(obj.get("payment_intent"), str) else None,
        amount_total=obj.get("amount_total"),
        currency=(obj.get("currency") or "").upper() or None,
    )


def create_checkout(
    cfg: StripeConfig,
    *,
    order_public_id: str,
    amount_minor: int,
    currency: str,
    product_name: str,
    description: str,
    success_url: str,
    cancel_url: str,
    expires_at: int,
    locale: str = "auto",
) -> Session:
    """A hosted Checkout Session for one order, idempotent per order id."""
    params = {
        "mode": "payment",
        "client_reference_id": order_public_id,
        "metadata": {"order": order_public_id},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": currency.lower(),
                    "unit_amount": amount_minor,
                    "product_data": {"name": product_name, "description": description},
                },
            }
        ],
        "payment_method_types": payment_method_types(currency),
        "success_url": success_url,
        "cancel_url": cancel_url,
        "expires_at": expires_at,
        "locale": locale,
    }
    if "wechat_pay" in params["payment_method_types"]:
        params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
    try:
        obj = client(cfg).v1.checkout.sessions.create(
            params=params, options={"idempotency_key": f"checkout-{order_public_id}"}
        )
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc
    return _session(obj)


def retrieve_session(cfg: StripeConfig, session_id: str) -> Session:
    try:
        return _session(client(cfg).v1.checkout.sessions.retrieve(session_id))
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc


def refund(cfg: StripeConfig, payment_intent: str, order_public_id: str) -> str:
    """Refund a payment in full (a paid order whose credits were gone); returns the refund id."""
    try:
        obj = client(cfg).v1.refunds.create(
            params={"payment_intent": payment_intent, "metadata": {"order": order_public_id}},
            options={"idempotency_key": f"refund-{order_public_id}"},
        )
    except stripe.StripeError as exc:
        raise PaymentError(str(exc)) from exc
    return obj["id"]


def parse_webhook(cfg: StripeConfig, payload: bytes, signature: str | None) -> WebhookEvent | None:
    """Verify the signature and return the checkout event, or None for other types."""
    try:
        event = stripe.Webhook.construct_event(payload, signature, cfg.webhook_secret)
    except (ValueError, stripe.SignatureVerificationError) as exc:
        raise BadSignature(str(exc)) from exc
    if event["type"] not in HANDLED_EVENTS:
        return None
    return WebhookEvent(id=event["id"], type=event["type"], session=_session(event["data"]["object"]))

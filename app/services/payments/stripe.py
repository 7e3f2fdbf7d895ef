"""Stripe: a hosted Checkout Session per order (card, and Alipay / WeChat Pay where
Stripe offers them for the currency), looked up on the return page, refunded in
full, and its signed webhooks read. Owners' shares go out through Stripe Connect's
"separate charges and transfers": a transfer to the owner's connected account funded
by the payment's charge (source_transaction), reversed before a refund.

The only module that knows Stripe's objects: everything it returns is a
provider value (Checkout, Outcome, Notice). The key is passed per client (never
`stripe.api_key`), and STRIPE_API_BASE points the official library at a fake in
tests and staging.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import stripe

if TYPE_CHECKING:
    from stripe.params.checkout import SessionCreateParams

from ..languages import N_
from .provider import (
    EXPIRED,
    FAILED,
    PAID,
    PENDING,
    BadSignature,
    Charge,
    Checkout,
    Config,
    Notice,
    Outcome,
    PaymentError,
    PaymentProvider,
    Receiver,
    Split,
    SplitRecord,
    header,
)

stripe.enable_telemetry = False  # no ~/.config writes, no extra headers

# Where Stripe lets a currency be paid with these wallets (card works everywhere).
ALIPAY_CURRENCIES = frozenset({"CNY", "AUD", "CAD", "EUR", "GBP", "HKD", "JPY", "MYR", "NZD", "SGD", "USD"})
WECHAT_PAY_CURRENCIES = frozenset({"CNY", "AUD", "CAD", "CHF", "DKK", "EUR", "GBP", "HKD", "JPY", "NOK", "SEK",
                                   "SGD", "USD"})
SESSION_MIN_SECONDS = 30 * 60  # Stripe refuses a Checkout Session that expires sooner
SESSION_SLACK_SECONDS = 60

# Webhook event types and the outcome each reports (None: read it from the session).
EVENTS = {
    "checkout.session.completed": None,
    "checkout.session.async_payment_succeeded": PAID,
    "checkout.session.async_payment_failed": FAILED,
    "checkout.session.expired": EXPIRED,
}


def payment_method_types(currency: str) -> list[str]:
    methods = ["card"]
    if currency.upper() in ALIPAY_CURRENCIES:
        methods.append("alipay")
    if currency.upper() in WECHAT_PAY_CURRENCIES:
        methods.append("wechat_pay")
    return methods


def client(config: Config) -> stripe.StripeClient:
    kwargs: dict[str, Any] = {}
    if config.get("STRIPE_API_BASE"):
        kwargs["base_addresses"] = {"api": config["STRIPE_API_BASE"]}
    return stripe.StripeClient(config["STRIPE_SECRET_KEY"], max_network_retries=2, **kwargs)


def outcome(obj, status: str | None = None) -> Outcome:
    """A Checkout Session as an outcome: paid once its payment cleared, expired, else pending
    (open: `url` is where the payer finishes; complete but unpaid: a slow method clearing)."""
    if hasattr(obj, "to_dict"):
        obj = obj.to_dict()
    if status is None:
        if obj.get("payment_status") in ("paid", "no_payment_required"):
            status = PAID
        elif obj.get("status") == "expired":
            status = EXPIRED
        else:
            status = PENDING
    intent = obj.get("payment_intent")
    return Outcome(
        status=status,
        order_id=obj.get("client_reference_id"),
        reference=obj["id"],
        amount_minor=obj.get("amount_total"),
        currency=(obj.get("currency") or "").upper() or None,
        payment_id=intent if isinstance(intent, str) else None,
        url=obj.get("url") if status == PENDING and (obj.get("status") or "open") == "open" else None,
    )


class StripeProvider(PaymentProvider):
    name = "stripe"
    title = "Stripe"
    label = N_("Card")
    required = ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
    optional = ("STRIPE_API_BASE", "STRIPE_CHECKOUT_ORIGIN")

    def form_origins(self, config: Config) -> tuple[str, ...]:
        # A plain form POST that redirects to Stripe's hosted page needs its origin.
        return (config.get("STRIPE_CHECKOUT_ORIGIN") or "https://checkout.stripe.com",)

    def score(self, context) -> int | None:
        return 1  # card everywhere, in every currency CarbonDot prices in

    def create(self, config: Config, charge: Charge) -> Checkout:
        """A hosted Checkout Session for one order, idempotent per order id; it stays open at
        least as long as Stripe allows, so the hold is extended to cover it."""
        expires_at = max(charge.pay_by, int(time.time()) + SESSION_MIN_SECONDS) + SESSION_SLACK_SECONDS
        methods = payment_method_types(charge.currency)
        # Since API 2026-09-30 (this library speaks 2026-10-28) a session takes allowed_payment_method_types;
        # payment_method_types is refused with payment_method_types_no_longer_supported.
        params: SessionCreateParams = {
            "mode": "payment",
            "client_reference_id": charge.order_id,
            "metadata": {"order": charge.order_id},
            "line_items": [
                {
                    "quantity": 1,
                    "price_data": {
                        "currency": charge.currency.lower(),
                        "unit_amount": charge.amount_minor,
                        "product_data": {"name": charge.title, "description": charge.description},
                    },
                }
            ],
            "allowed_payment_method_types": methods,
            "success_url": charge.return_url,
            "cancel_url": charge.cancel_url,
            "expires_at": expires_at,
            "locale": "auto",
        }
        if "wechat_pay" in methods:
            params["payment_method_options"] = {"wechat_pay": {"client": "web"}}
        try:
            session = client(config).v1.checkout.sessions.create(
                params=params, options={"idempotency_key": f"checkout-{charge.order_id}"}
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return Checkout(reference=session["id"], url=session["url"], expires_at=expires_at)

    def lookup(self, config: Config, charge: Charge) -> Outcome:
        if not charge.reference:
            return Outcome(status=PENDING, order_id=charge.order_id)  # no session opened yet
        try:
            return outcome(client(config).v1.checkout.sessions.retrieve(charge.reference))
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc

    def close(self, config: Config, charge: Charge) -> None:
        """Expire the open Checkout Session (the payer chose a wallet instead); one that is
        already complete or expired is left as it is (the caller looks it up next)."""
        if not charge.reference:
            return
        try:
            session = client(config).v1.checkout.sessions.retrieve(charge.reference)
            if session["status"] == "open":
                client(config).v1.checkout.sessions.expire(charge.reference)
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc

    def refund(self, config: Config, charge: Charge, payment_id: str | None = None) -> str:
        """Refund a payment in full (a paid order whose credits were gone); the refund id."""
        payment_id = payment_id or self.lookup(config, charge).payment_id
        if not payment_id:
            raise PaymentError(f"No Stripe payment to refund for {charge.order_id}")
        try:
            refund = client(config).v1.refunds.create(
                params={"payment_intent": payment_id, "metadata": {"order": charge.order_id},
                        **({"amount": charge.refund_minor} if charge.refund_minor is not None else {})},
                options={"idempotency_key": f"refund-{charge.order_id}"},
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return refund["id"]

    def parse_notice(self, config: Config, headers: Mapping[str, str], body: bytes) -> Notice | None:
        """Verify the Stripe-Signature header and read a Checkout Session event; None for other types."""
        try:
            event = stripe.Webhook.construct_event(body, header(headers, "Stripe-Signature"),
                                                   config["STRIPE_WEBHOOK_SECRET"])
        except (ValueError, stripe.SignatureVerificationError) as exc:
            raise BadSignature(str(exc)) from exc
        if event["type"] not in EVENTS:
            return None
        return Notice(id=event["id"], provider=self.name,
                      outcome=outcome(event["data"]["object"], EVENTS[event["type"]]))

    # --- money to owners: Connect transfers ------------------------------------
    splits = True
    receiver_kinds = ("account",)

    def add_receiver(self, config: Config, receiver: Receiver) -> None:
        """The connected account must exist (be connected to this platform) and be able to take
        transfers (its transfers capability active); Stripe does not check names."""
        if receiver.kind not in self.receiver_kinds:
            raise PaymentError(f"Stripe splits to a connected account, not a {receiver.kind}")
        try:
            account = client(config).v1.accounts.retrieve(receiver.account)
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        capabilities = account.to_dict().get("capabilities") or {}
        if capabilities.get("transfers") != "active":
            raise PaymentError(f"Stripe account {receiver.account} cannot receive transfers "
                               f"(its transfers capability is {capabilities.get('transfers') or 'not requested'})")

    def split(self, config: Config, split: Split) -> str:
        """A transfer of the owner's share to the connected account, funded by the payment's charge.
        Idempotent by split_no twice over: the Idempotency-Key (Stripe keeps it 24 hours) and,
        before creating, a look for a transfer of the order's group that names the split_no."""
        stripe_client = client(config)
        try:
            done = _transfer_of(stripe_client, split)
            if done:
                return done
            charge = _charge_of(stripe_client, split)
            transfer = stripe_client.v1.transfers.create(
                params={
                    "amount": split.amount_minor,
                    "currency": split.currency.lower(),
                    "destination": split.receiver.account,
                    "source_transaction": charge,
                    "transfer_group": split.order_id,
                    "description": split.description or f"Owner share of {split.order_id}",
                    "metadata": {"order": split.order_id, "split_no": split.split_no},
                },
                options={"idempotency_key": split.split_no},
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return transfer["id"]

    def return_split(self, config: Config, split: Split, split_id: str) -> str:
        """Reverse the transfer (the share comes back to the platform before the refund); a transfer
        already reversed in full answers with its newest reversal."""
        stripe_client = client(config)
        try:
            transfer = stripe_client.v1.transfers.retrieve(split_id)
            if transfer["amount_reversed"] >= transfer["amount"]:
                reversals = stripe_client.v1.transfers.reversals.list(split_id, params={"limit": 1})
                if reversals.data:
                    return reversals.data[0]["id"]
            reversal = stripe_client.v1.transfers.reversals.create(
                split_id,
                params={"amount": split.amount_minor,
                        "metadata": {"order": split.order_id, "split_no": split.split_no}},
                options={"idempotency_key": split.split_no + "R"},
            )
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return reversal["id"]

    def split_records(self, config: Config, day: str) -> list[SplitRecord]:
        """Our transfers created on that UTC day (those naming a split_no), every page of them."""
        start = int(datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC).timestamp())
        records = []
        try:
            pages = client(config).v1.transfers.list(params={"created": {"gte": start, "lt": start + 86400},
                                                             "limit": 100})
            for transfer in pages.auto_paging_iter():
                found = transfer.to_dict()
                split_no = (found.get("metadata") or {}).get("split_no")
                if not split_no:
                    continue  # not one of ours
                returned = found["amount"] > 0 and found.get("amount_reversed", 0) >= found["amount"]
                records.append(SplitRecord(split_no=split_no, split_id=found["id"], amount_minor=found["amount"],
                                           currency=found["currency"].upper(),
                                           status="returned" if returned else "done"))
        except stripe.StripeError as exc:
            raise PaymentError(str(exc)) from exc
        return records


def _transfer_of(stripe_client: stripe.StripeClient, split: Split) -> str | None:
    """A transfer already made for this split (its order's group, naming its split_no)."""
    listed = stripe_client.v1.transfers.list(params={"transfer_group": split.order_id, "limit": 100})
    for transfer in listed.auto_paging_iter():
        if (transfer.to_dict().get("metadata") or {}).get("split_no") == split.split_no:
            return transfer["id"]
    return None


def _charge_of(stripe_client: stripe.StripeClient, split: Split) -> str:
    """The charge that paid for the split's payment: the PaymentIntent's latest charge, once it
    succeeded (the intent from the Checkout Session when the order does not know it yet)."""
    intent_id = split.payment_id
    if not intent_id:
        intent = stripe_client.v1.checkout.sessions.retrieve(split.reference)["payment_intent"]
        intent_id = intent if isinstance(intent, str) else getattr(intent, "id", None)
    if not intent_id:
        raise PaymentError(f"Stripe payment {split.reference} is not paid: nothing to transfer from")
    intent = stripe_client.v1.payment_intents.retrieve(intent_id)
    charge = intent["latest_charge"]
    if intent["status"] != "succeeded" or not charge:
        raise PaymentError(f"Stripe payment {intent_id} is not paid ({intent['status']}): nothing to transfer from")
    return charge if isinstance(charge, str) else charge["id"]


PROVIDER = StripeProvider()

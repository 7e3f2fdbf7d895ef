"""What every payment provider is, and the plain values the rest of the app sees.

A provider (payments/stripe.py, wechat_pay.py, alipay.py, demo.py) turns its own
API's objects into these values and nothing else leaves its module: the checkout
speaks `Charge`, `Checkout`, `Outcome` and `Notice`.

Providers are stateless and import no Flask: the configuration is a plain
mapping of config keys (STRIPE_SECRET_KEY, ...) passed to every call, and
nothing here touches the database, so the checkout can commit before each
network call and read the order again afterwards.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

Config = Mapping[str, Any]

# What a provider says about a payment; orders.settle takes the same words.
PAID, FAILED, EXPIRED, PENDING = "paid", "failed", "expired", "pending"

# Where the payer is: the device decides how a wallet is paid (its "flow").
WECHAT, PHONE, DESKTOP, KIOSK = "wechat", "phone", "desktop", "kiosk"
DEVICES = (WECHAT, PHONE, DESKTOP, KIOSK)

# The ways to pay ("flows"): a provider's hosted page (Stripe), WeChat Pay's JSAPI (the
# JS bridge inside WeChat), H5 (a phone browser) and Native (a QR code to scan), Alipay's
# WAP pay (a phone browser) and precreate (a QR code to scan).
HOSTED, JSAPI, H5, NATIVE, WAP, PRECREATE = "hosted", "jsapi", "h5", "native", "wap", "precreate"
QR_FLOWS = (NATIVE, PRECREATE)

_PHONE_MARKERS = ("Mobi", "Android", "iPhone", "iPad", "HarmonyOS")


def device_of(user_agent: str, kiosk: bool = False) -> str:
    """The payer's device from its browser: WeChat's in-app browser says MicroMessenger/."""
    if kiosk:
        return KIOSK
    if "MicroMessenger/" in user_agent:
        return WECHAT
    return PHONE if any(marker in user_agent for marker in _PHONE_MARKERS) else DESKTOP


class PaymentError(Exception):
    """The payment provider could not be reached or refused the request."""


class BadSignature(Exception):
    """A notice whose signature does not verify: ignore it entirely."""


class Unavailable(Exception):
    """This server does not take payments through that provider (not configured, or another one is)."""


class NotConfigured(RuntimeError):
    """A provider is half-configured: the app refuses to start, naming the missing keys."""


@dataclass(frozen=True)
class Context:
    """What an order's provider is chosen by, when the order starts."""

    currency: str
    kind: str = "visitor"  # visitor, operations, api, kiosk (a kiosk order is paid on the visitor's own phone)
    user_agent: str = ""  # the browser that starts the order (WeChat's in-app browser says MicroMessenger/)
    language: str = "en"
    payer_device: str = ""  # known already (a payer choosing among the options): it wins over the browser's

    @property
    def device(self) -> str:
        return self.payer_device or device_of(self.user_agent, self.kind == "kiosk")


@dataclass(frozen=True)
class Payer:
    """Who is about to pay, where: the device picks the flow; WeChat Pay's H5 wants the payer's
    address and its JSAPI the payer's openid (from WeChat's OAuth)."""

    device: str = DESKTOP
    client_ip: str = ""
    openid: str = ""


@dataclass(frozen=True)
class Charge:
    """One order as a provider sees it: a plain copy, so no database row is read during a network call.

    The fields after `reference` are for `create` only: what the payer reads on the
    provider's page, where the provider sends them back, and until when the credits
    are held for them (unix seconds).
    """

    order_id: str  # the order's public id
    amount_minor: int
    currency: str
    reference: str | None = None  # the provider's id for this payment (the order's payment_ref), once made
    title: str = ""
    description: str = ""
    return_url: str = ""
    cancel_url: str = ""
    pay_by: int = 0
    notify_url: str = ""  # where the provider posts its notices (the wallets take it per payment)
    flow: str = ""  # how it is paid (JSAPI, H5, NATIVE, WAP, PRECREATE; HOSTED for Stripe)
    payer: Payer = Payer()
    split_later: bool = False  # the owner's share will be split off (WeChat Pay: settle_info.profit_sharing)
    # `refund` only: give back this much of the payment (a sponsor's unused balance); None: all of it.
    refund_minor: int | None = None

    @property
    def refund_amount(self) -> int:
        return self.amount_minor if self.refund_minor is None else self.refund_minor


@dataclass(frozen=True)
class Checkout:
    """Where the payer goes to pay: the provider's own page (`url`) or one of ours (`page`, an
    endpoint taking `public_id`). `reference` is kept on the order; the hold is extended to
    `expires_at` (unix seconds) when the provider keeps the payment open longer than the hold."""

    reference: str | None = None
    url: str | None = None
    page: str | None = None
    expires_at: int | None = None
    qr: str | None = None  # a payment code to show as a QR code (WeChat Pay code_url, Alipay qr_code)
    bridge: Mapping[str, str] | None = None  # WeChat JSAPI: getBrandWCPayRequest's parameters, signed


@dataclass(frozen=True)
class Outcome:
    """A provider's verified word on one order's payment."""

    status: str  # PAID, FAILED, EXPIRED or PENDING
    order_id: str | None  # the order the provider says it is for
    reference: str | None = None  # the provider's id for this payment (must match the order's)
    amount_minor: int | None = None  # what was charged, when the provider says (must match the order's)
    currency: str | None = None
    payment_id: str | None = None  # what a refund names (Stripe: the PaymentIntent)
    url: str | None = None  # PENDING and still open: where the payer can finish paying


@dataclass(frozen=True)
class Receiver:
    """A project owner's account that a provider can split payments to (issue "money to owners").

    kind: WeChat Pay MERCHANT_ID or PERSONAL_OPENID; Alipay userId (2088...) or loginName;
    Stripe account (a connected account, acct_...). `name` is the account holder's name, which
    WeChat Pay requires (encrypted) for a merchant receiver and Alipay checks when given."""

    kind: str
    account: str
    name: str = ""


@dataclass(frozen=True)
class Split:
    """One paid order's owner share, sent by the provider that took the payment to the owner's
    receiver. `split_no` is ours and keys the provider's idempotency (one split per order)."""

    split_no: str
    order_id: str
    reference: str  # the payment, as the order keeps it (payment_ref: out_trade_no, Checkout Session id)
    payment_id: str | None  # the provider's own id of the payment (transaction_id, trade_no, PaymentIntent)
    amount_minor: int
    currency: str
    receiver: Receiver
    description: str = ""


@dataclass(frozen=True)
class SplitRecord:
    """A split as the provider's own records show it (for reconciling)."""

    split_no: str
    split_id: str
    amount_minor: int
    currency: str
    status: str  # "done", "pending", "failed", "returned"


@dataclass(frozen=True)
class Notice:
    """A verified notice (a webhook, the demo page's confirmation) and what it reports."""

    id: str
    provider: str
    outcome: Outcome


class PaymentProvider(ABC):
    """One way to take money. Subclasses set `name`, `required` (config keys without which it
    cannot work) and `optional` (keys it reads when set), and implement the payment calls."""

    name: str
    title: str  # for operators and logs
    label: str = ""  # what the payer's button says (a gettext message, marked N_; translated by the page)
    moves_money: bool = True  # False only for the demo: the registry never offers it beside a real one
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    # True: we name each payment (the wallets' out_trade_no, from `new_reference`) before opening it;
    # False: the provider names it when it is created (Stripe's session id).
    names_payments: bool = False

    # --- configuration -------------------------------------------------------
    def missing(self, config: Config) -> list[str]:
        return [key for key in self.required if not config.get(key)]

    def configured(self, config: Config) -> bool:
        """Someone meant to use it: at least one of its keys is set."""
        return any(config.get(key) for key in self.required)

    def available(self, config: Config) -> bool:
        """Every key it needs is set."""
        return not self.missing(config)

    def check(self, config: Config) -> None:
        """Refuse a half-configured provider, naming what is missing."""
        missing = self.missing(config)
        if self.configured(config) and missing:
            raise NotConfigured(f"{self.title} payments need {', '.join(self.required)}; "
                                f"{', '.join(missing)} {'is' if len(missing) == 1 else 'are'} not set")

    def form_origins(self, config: Config) -> tuple[str, ...]:
        """Origins a payment form may post to (the page's CSP form-action)."""
        return ()

    # --- choosing ------------------------------------------------------------
    def score(self, context: Context) -> int | None:
        """How well it suits an order (higher is better), or None when it cannot take it."""
        return 0

    def flow(self, config: Config, payer: Payer) -> str | None:
        """How this payer pays through this provider, or None when it cannot pay here."""
        return HOSTED

    def new_reference(self, order_id: str, flow: str) -> str:
        """A fresh payment number for the order and flow (names_payments providers)."""
        raise NotImplementedError

    def flow_of(self, reference: str) -> str:
        """The flow a payment was opened for (from its reference)."""
        return HOSTED

    # --- paying --------------------------------------------------------------
    @abstractmethod
    def create(self, config: Config, charge: Charge) -> Checkout:
        """Open a payment for the charge (idempotent per order); raises PaymentError."""

    @abstractmethod
    def lookup(self, config: Config, charge: Charge) -> Outcome:
        """Ask the provider where the charge's payment stands; raises PaymentError."""

    @abstractmethod
    def refund(self, config: Config, charge: Charge, payment_id: str | None = None) -> str:
        """Give the whole payment back (idempotent per order); the provider's refund id. Raises PaymentError."""

    def close(self, config: Config, charge: Charge) -> None:
        """Close the charge's open payment so it can no longer be paid (before the payer switches
        to another provider or flow); idempotent. Raises PaymentError."""
        return None  # the demo's page keeps nothing open

    @abstractmethod
    def parse_notice(self, config: Config, headers: Mapping[str, str], body: bytes) -> Notice | None:
        """Verify a notice and read it; None for a kind that changes no order. Raises BadSignature."""

    # --- money to owners: splits at payment time ----------------------------
    splits: bool = False  # True: it can send an owner's share of a payment to the owner's receiver
    records_utc_offset: int = 0  # the hours ahead of UTC of the days its records are kept in (China: 8)
    receiver_kinds: tuple[str, ...] = ()  # the Receiver kinds it takes

    def add_receiver(self, config: Config, receiver: Receiver) -> None:
        """Register (and so validate) an owner's receiver with the provider; PaymentError when it
        refuses (unknown account, name mismatch) or cannot be reached."""
        raise PaymentError(f"{self.title} does not split payments")

    def split(self, config: Config, split: Split) -> str:
        """Send the split (idempotent by split_no: asking again returns the same split); the
        provider's split id. PaymentError when it fails (retried later)."""
        raise PaymentError(f"{self.title} does not split payments")

    def return_split(self, config: Config, split: Split, split_id: str) -> str:
        """Take a done split back before its payment is refunded (idempotent by split_no); the
        provider's return id. PaymentError when it fails."""
        raise PaymentError(f"{self.title} does not split payments")

    def split_records(self, config: Config, day: str) -> list[SplitRecord]:
        """The provider's records of our splits made on `day` (YYYY-MM-DD, the provider's time zone)."""
        raise PaymentError(f"{self.title} does not split payments")

    def notice_reply(self, accepted: bool) -> tuple[int, str, str]:
        """What the notice endpoint answers (status, body, content type), as the provider expects:
        `accepted` False for a notice that did not verify (the provider may send it again)."""
        if accepted:
            return 200, '{"received": true}', "application/json"
        return 400, '{"error": {"code": "bad_signature", "message": "Signature did not verify."}}', "application/json"


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A request header by name, whatever its case."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)

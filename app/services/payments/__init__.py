"""Payment providers: the one registry.

Each provider is a module here (wechat_pay.py, alipay.py, stripe.py, demo.py) holding a PaymentProvider
(provider.py). An order chooses its provider when it starts (`choose`), keeps
its name (Order.provider), and is paid, looked up, refunded and settled through
that provider only (`get`). A server takes payments through every configured
real provider, or, when none is configured, through the demo one.

To add one: a module with its PaymentProvider, its entry in PROVIDERS, and a
route that hands its notices to checkout.receive_notice.
"""
from __future__ import annotations

from dataclasses import dataclass

from . import alipay, demo, stripe, wechat_pay
from .provider import (
    DESKTOP,
    DEVICES,
    EXPIRED,
    FAILED,
    H5,
    HOSTED,
    JSAPI,
    KIOSK,
    NATIVE,
    PAID,
    PENDING,
    PHONE,
    PRECREATE,
    QR_FLOWS,
    WAP,
    WECHAT,
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
    Unavailable,
    device_of,
)

__all__ = [
    "DESKTOP", "DEVICES", "EXPIRED", "FAILED", "H5", "HOSTED", "JSAPI", "KIOSK", "NATIVE", "PAID", "PENDING", "PHONE",
    "PRECREATE", "PROVIDERS", "QR_FLOWS", "WAP", "WECHAT", "BadSignature", "Charge", "Checkout", "Config", "Context",
    "Notice", "NotConfigured", "Option", "Outcome", "Payer", "PaymentError", "PaymentProvider", "Receiver", "Split",
    "SplitRecord", "Unavailable",
    "available", "check", "choose", "config_keys", "device_of", "form_origins", "get", "is_available", "options",
    "settings_from", "takes_real_payments",
]

# In order of preference when two suit an order equally well.
PROVIDERS: dict[str, PaymentProvider] = {
    p.name: p for p in (wechat_pay.PROVIDER, alipay.PROVIDER, stripe.PROVIDER, demo.PROVIDER)
}


def get(name: str) -> PaymentProvider:
    """The provider an order names; raises Unavailable for a name no module provides."""
    try:
        return PROVIDERS[name]
    except KeyError:
        raise Unavailable(f"no payment provider {name!r}") from None


def config_keys() -> list[str]:
    """Every configuration key some provider reads."""
    return [key for p in PROVIDERS.values() for key in (*p.required, *p.optional)]


def settings_from(config: Config) -> dict:
    """The providers' keys out of the whole app configuration (what the services are given)."""
    return {key: config.get(key) or "" for key in config_keys()}


def check(config: Config) -> None:
    """At start: refuse any half-configured provider, naming the missing keys."""
    problems = []
    for provider in PROVIDERS.values():
        try:
            provider.check(config)
        except NotConfigured as exc:
            problems.append(str(exc))
    if problems:
        raise NotConfigured("; ".join(problems))


def available(config: Config) -> list[PaymentProvider]:
    """The providers this server takes payments through: every configured real provider, or,
    when no real provider is configured (not even half), the demo. Never both: a server that
    takes money must not also accept a simulated payment."""
    if any(p.moves_money and p.configured(config) for p in PROVIDERS.values()):
        return [p for p in PROVIDERS.values() if p.moves_money and p.available(config)]
    return [p for p in PROVIDERS.values() if not p.moves_money and p.available(config)]


def takes_real_payments(config: Config) -> bool:
    """Whether a provider that moves money is configured (else this server takes demo payments)."""
    return any(p.moves_money and p.configured(config) for p in PROVIDERS.values())


def is_available(name: str, config: Config) -> bool:
    return any(p.name == name for p in available(config))


def choose(context: Context, config: Config) -> PaymentProvider:
    """The provider for a new order: the best-suited available one (ties by PROVIDERS order);
    raises Unavailable when none can take it."""
    best, best_score = None, None
    for provider in available(config):
        score = provider.score(context)
        if score is not None and (best_score is None or score > best_score):
            best, best_score = provider, score
    if best is None:
        raise Unavailable(f"no payment provider takes {context.currency} orders here")
    return best


@dataclass(frozen=True)
class Option:
    """One way to pay offered to a payer: a provider and the flow it pays this payer by."""

    provider: PaymentProvider
    flow: str

    @property
    def name(self) -> str:
        return self.provider.name

    @property
    def qr(self) -> bool:
        return self.flow in QR_FLOWS


def options(config: Config, currency: str, payer: Payer) -> list[Option]:
    """Every way this payer can pay an order in `currency` on this server, best first (ties by
    PROVIDERS order): the buttons a visitor switches between."""
    context = Context(currency=currency, kind="kiosk" if payer.device == KIOSK else "visitor",
                      payer_device=payer.device)
    ranked = []
    for index, provider in enumerate(available(config)):
        score, flow = provider.score(context), provider.flow(config, payer)
        if score is not None and flow is not None:
            ranked.append((-score, index, Option(provider, flow)))
    return [option for *_, option in sorted(ranked, key=lambda row: row[:2])]


def form_origins(config: Config) -> list[str]:
    """Origins the site's payment forms may post to (CSP form-action), from the available providers."""
    return [origin for p in available(config) for origin in p.form_origins(config)]

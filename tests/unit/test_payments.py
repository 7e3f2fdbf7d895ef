"""The payment providers' registry without an app: the configuration each provider needs, which
providers a server takes, how an order chooses one, and the normalized values Stripe's and the
demo's notices become. A made-up WeChat Pay provider shows how a new one slots in."""
from __future__ import annotations

import json

import pytest

from app import create_app
from app.services import payments
from app.services.payments import demo, stripe
from config import ConfigError
from tests.fakes.stripe_api import sign

STRIPE = {"STRIPE_SECRET_KEY": "sk_test_x", "STRIPE_WEBHOOK_SECRET": "whsec_x"}
WECHAT_UA = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) MicroMessenger/8.0.49(0x18003129) NetType/WIFI"


def names(providers) -> list[str]:
    return [p.name for p in providers]


def test_each_provider_names_the_configuration_it_needs():
    assert payments.get("stripe").required == ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET")
    assert payments.get("stripe").optional == ("STRIPE_API_BASE", "STRIPE_CHECKOUT_ORIGIN")
    assert payments.get("demo").required == () and payments.get("demo").moves_money is False
    assert payments.get("wechat_pay").required == (
        "WECHATPAY_MCHID", "WECHATPAY_APPID", "WECHATPAY_APIV3_KEY", "WECHATPAY_PRIVATE_KEY", "WECHATPAY_CERT_SERIAL",
        "WECHATPAY_PUBLIC_KEY", "WECHATPAY_PUBLIC_KEY_ID")
    assert payments.get("alipay").required == ("ALIPAY_APP_ID", "ALIPAY_PRIVATE_KEY", "ALIPAY_PUBLIC_KEY")
    assert list(payments.PROVIDERS) == ["wechat_pay", "alipay", "stripe", "demo"]  # the contract's names
    keys = payments.config_keys()
    assert keys[-4:] == ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE", "STRIPE_CHECKOUT_ORIGIN"]
    assert {"WECHATPAY_API_BASE", "WECHAT_APP_SECRET", "ALIPAY_GATEWAY"} <= set(keys) and len(keys) == len(set(keys))
    settings = payments.settings_from({"STRIPE_SECRET_KEY": "sk", "SECRET_KEY": "not a payment key"})
    assert settings["STRIPE_SECRET_KEY"] == "sk" and "SECRET_KEY" not in settings and set(settings) == set(keys)
    with pytest.raises(payments.Unavailable):
        payments.get("paypal")  # not registered


@pytest.mark.parametrize("config, missing", [
    ({"STRIPE_SECRET_KEY": "sk_live_x"}, "STRIPE_WEBHOOK_SECRET is not set"),
    ({"STRIPE_WEBHOOK_SECRET": "whsec_x", "STRIPE_API_BASE": "http://127.0.0.1:1"}, "STRIPE_SECRET_KEY is not set"),
])
def test_a_half_configured_provider_refuses_to_start_naming_what_is_missing(config, missing):
    with pytest.raises(payments.NotConfigured, match=missing):
        payments.check(config)
    with pytest.raises(ConfigError, match=missing):
        create_app(config)
    payments.check({})  # no provider configured: the demo
    payments.check(STRIPE)


def test_the_demo_is_taken_only_where_no_real_provider_is_configured():
    assert names(payments.available({})) == ["demo"]
    assert names(payments.available(STRIPE)) == ["stripe"]
    assert payments.available({"STRIPE_SECRET_KEY": "sk_test_x"}) == []  # half: neither (nor does the app start)
    assert payments.is_available("demo", {}) and not payments.is_available("demo", STRIPE)
    assert not payments.is_available("stripe", {}) and payments.is_available("stripe", STRIPE)
    assert payments.form_origins({}) == []
    assert payments.form_origins(STRIPE) == ["https://checkout.stripe.com"]
    assert payments.form_origins({**STRIPE, "STRIPE_CHECKOUT_ORIGIN": "http://127.0.0.1:9"}) == ["http://127.0.0.1:9"]


@pytest.mark.parametrize("context", [
    payments.Context(currency="CNY"),
    payments.Context(currency="PHP", kind="kiosk"),
    payments.Context(currency="USD", kind="api", user_agent=WECHAT_UA),
])
def test_choose_takes_the_provider_this_server_has(context):
    assert payments.choose(context, {}).name == "demo"
    assert payments.choose(context, STRIPE).name == "stripe"
    with pytest.raises(payments.Unavailable):
        payments.choose(context, {"STRIPE_SECRET_KEY": "sk_test_x"})


class OtherWallet(payments.PaymentProvider):
    """A stand-in for one more wallet: yuan only; best inside WeChat and on the kiosk's QR."""

    name = "other_wallet"
    title = "Other wallet"
    required = ("WECHAT_PAY_MCH_ID", "WECHAT_PAY_API_KEY")

    def score(self, context):
        if context.currency != "CNY":
            return None
        return 2 if "MicroMessenger/" in context.user_agent or context.kind == "kiosk" else 0

    def create(self, config, charge):
        raise NotImplementedError

    def lookup(self, config, charge):
        raise NotImplementedError

    def refund(self, config, charge, payment_id=None):
        raise NotImplementedError

    def parse_notice(self, config, headers, body):
        raise NotImplementedError


def test_a_new_provider_slots_in_with_one_registry_entry_and_is_chosen_by_context(monkeypatch):
    # Only the stand-in and Stripe: the real wallets' keys are not set here.
    monkeypatch.setattr(payments, "PROVIDERS", {"stripe": payments.get("stripe"), "other_wallet": OtherWallet(),
                                                "demo": payments.get("demo")})
    both = {**STRIPE, "WECHAT_PAY_MCH_ID": "1900000109", "WECHAT_PAY_API_KEY": "k"}
    assert "WECHAT_PAY_MCH_ID" in payments.config_keys()
    assert names(payments.available(both)) == ["stripe", "other_wallet"]
    choose = payments.choose
    assert choose(payments.Context(currency="CNY", user_agent=WECHAT_UA), both).name == "other_wallet"
    assert choose(payments.Context(currency="CNY", kind="kiosk"), both).name == "other_wallet"
    assert choose(payments.Context(currency="CNY", user_agent="Mozilla/5.0 Safari/605.1"), both).name == "stripe"
    assert choose(payments.Context(currency="USD", user_agent=WECHAT_UA), both).name == "stripe"
    assert choose(payments.Context(currency="CNY", user_agent=WECHAT_UA), STRIPE).name == "stripe"
    wechat_only = {"WECHAT_PAY_MCH_ID": "1900000109", "WECHAT_PAY_API_KEY": "k"}
    assert names(payments.available(wechat_only)) == ["other_wallet"]  # a real provider: no demo beside it
    with pytest.raises(payments.Unavailable):
        choose(payments.Context(currency="USD"), wechat_only)
    with pytest.raises(payments.NotConfigured, match="WECHAT_PAY_API_KEY is not set"):
        payments.check({"WECHAT_PAY_MCH_ID": "1900000109"})


def session(**values) -> dict:
    return {"id": "cs_test_1", "url": "https://checkout.test/cs_test_1", "status": "open",
            "payment_status": "unpaid", "client_reference_id": "ord_1", "amount_total": 400, "currency": "cny",
            "payment_intent": None, **values}


@pytest.mark.parametrize("values, status, url", [
    ({}, payments.PENDING, "https://checkout.test/cs_test_1"),
    ({"status": "complete", "payment_status": "unpaid"}, payments.PENDING, None),  # a slow method clearing
    ({"status": "complete", "payment_status": "paid"}, payments.PAID, None),
    ({"status": "complete", "payment_status": "no_payment_required"}, payments.PAID, None),
    ({"status": "expired"}, payments.EXPIRED, None),
])
def test_a_stripe_session_becomes_an_outcome(values, status, url):
    found = stripe.outcome(session(**values, payment_intent="pi_1"))
    assert found == payments.Outcome(status=status, order_id="ord_1", reference="cs_test_1", amount_minor=400,
                                     currency="CNY", payment_id="pi_1", url=url)


@pytest.mark.parametrize("event_type, status", [
    ("checkout.session.completed", payments.PAID),
    ("checkout.session.async_payment_succeeded", payments.PAID),
    ("checkout.session.async_payment_failed", payments.FAILED),
    ("checkout.session.expired", payments.EXPIRED),
])
def test_stripe_webhooks_become_verified_notices(event_type, status):
    paid = event_type in ("checkout.session.completed",)
    body = json.dumps({"id": "evt_1", "object": "event", "type": event_type, "data": {"object": session(
        status="complete" if paid else "open", payment_status="paid" if paid else "unpaid")}}).encode()
    notice = stripe.PROVIDER.parse_notice(STRIPE, {"stripe-signature": sign(body, "whsec_x")}, body)
    assert (notice.id, notice.provider, notice.outcome.status, notice.outcome.order_id) == (
        "evt_1", "stripe", status, "ord_1")
    with pytest.raises(payments.BadSignature):
        stripe.PROVIDER.parse_notice(STRIPE, {"Stripe-Signature": sign(body, "whsec_other")}, body)
    with pytest.raises(payments.BadSignature):
        stripe.PROVIDER.parse_notice(STRIPE, {}, body)


def test_other_stripe_events_are_no_notice():
    body = json.dumps({"id": "evt_2", "object": "event", "type": "charge.refunded", "data": {"object": {}}}).encode()
    assert stripe.PROVIDER.parse_notice(STRIPE, {"Stripe-Signature": sign(body, "whsec_x")}, body) is None


def test_the_demo_page_s_answer_is_the_demo_s_notice():
    notice = demo.PROVIDER.parse_notice({}, {}, demo.notice_body("ord_1", "paid"))
    assert (notice.provider, notice.outcome) == ("demo", payments.Outcome(status=payments.PAID, order_id="ord_1"))
    with pytest.raises(ValueError):
        demo.PROVIDER.parse_notice({}, {}, demo.notice_body("ord_1", "expired"))
    charge = payments.Charge(order_id="ord_1", amount_minor=400, currency="CNY")
    assert demo.PROVIDER.create({}, charge) == payments.Checkout(page="checkout.demo_page")
    assert demo.PROVIDER.lookup({}, charge).status == payments.PENDING

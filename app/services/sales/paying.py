"""Paying an order: the ways a payer can pay it here, and opening its payment through the chosen
provider and flow, switching safely (the open payment is closed first; every payment opened is
kept as an attempt). Settling what the providers say is checkout.apply_outcome and receive_notice.

Rule kept from the routes: no database transaction stays open across a call to the payment
provider; the order is read again after each call.
"""
from __future__ import annotations

import datetime as dt
import time
from dataclasses import replace

from sqlalchemy.orm import Session

from ...models import Order, PaymentAttempt, utcnow
from .. import names, payments
from . import ledger, orders, splits
from .checkout import PROVIDER_GRACE, Settings, apply_outcome, charge_of, payable, read_again, swap

# Where each wallet posts its notices (the routes' endpoints; the payment reaches us by that URL).
NOTICE_ENDPOINTS = {"wechat_pay": "checkout.wechat_notify", "alipay": "checkout.alipay_notify"}


def payment_options(settings: Settings, order: Order, payer: payments.Payer) -> list[payments.Option]:
    """The ways this payer can pay the order here, best first: the buttons they switch between."""
    return payments.options(settings.payment_config, order.currency, payer)


def payment_link(session: Session, settings: Settings, order: Order, payer: payments.Payer | None = None,
                 provider_name: str | None = None) -> payments.Checkout | None:
    """Where the payer pays the order (a provider's page, a QR code, WeChat's JS bridge, or one of
    our pages), through `provider_name` (the payer's choice) or else the order's own provider;
    opened once (idempotent per order and flow). None when the order cannot be paid any more
    (show its status instead).

    Switching to another provider or flow first closes the open payment (so no order is ever
    payable twice), and settles the order instead when that payment was made meanwhile.

    Raises payments.Unavailable when this server does not take that provider's payments (or not for
    this payer), and payments.PaymentError when a provider cannot be reached.
    """
    payer = payer or payments.Payer()
    if not payments.is_available(order.provider, settings.payment_config):
        # An order started where this server no longer takes its provider (a demo order on a server
        # that now takes money) is not moved to another one: it lapses, and its visitor starts again.
        raise payments.Unavailable(f"this server does not take {order.provider} payments")
    provider = payments.get(provider_name or order.provider)
    if not payments.is_available(provider.name, settings.payment_config):
        raise payments.Unavailable(f"this server does not take {provider.name} payments")
    flow = provider.flow(settings.payment_config, payer)
    if flow is None:
        raise payments.Unavailable(f"{provider.name} cannot take this payer's payment")
    public_id = order.public_id
    for _attempt in range(3):  # another request may switch or open it at the same moment: read again
        order = read_again(session, public_id)
        if not payable(order):
            return None
        if order.payment_ref and (order.provider != provider.name or
                                  payments.get(order.provider).flow_of(order.payment_ref) != flow):
            if not _close_open_payment(session, settings, order):
                return None  # it was paid (or ended) meanwhile: the status page says which
            continue
        if order.provider != provider.name and not swap(session, order, provider=provider.name):
            continue
        if provider.names_payments:
            return _open_named(session, settings, provider, flow, payer, order)
        return _open_hosted(session, settings, provider, order)
    raise payments.PaymentError(f"order {public_id} kept changing while its payment was opened")


def close_payment(session: Session, settings: Settings, order: Order) -> bool:
    """Close the order's open payment at its provider (nothing to do when none is open); False when
    that payment was made meanwhile (the order is then settled with it) or the order ended."""
    if not order.payment_ref:
        return payable(order)
    return _close_open_payment(session, settings, order)


def _close_open_payment(session: Session, settings: Settings, order: Order) -> bool:
    """Close the order's open payment before it is paid another way; False when that payment
    was made (the order is then settled with it) or the order ended meanwhile."""
    old = payments.get(order.provider)
    charge = charge_of(order)
    session.commit()
    if payments.is_available(old.name, settings.payment_config):
        old.close(settings.payment_config, charge)
        found = old.lookup(settings.payment_config, charge)
        if found.status == payments.PAID:
            apply_outcome(session, settings, read_again(session, charge.order_id), found)
            return False
    order = read_again(session, charge.order_id)
    swap(session, order, payment_ref=None)
    return payable(read_again(session, charge.order_id))


def _described(settings: Settings, order: Order, charge: payments.Charge) -> payments.Charge:
    """The charge as the payer reads it on the provider's page, with our return addresses."""
    t = settings.translate
    public_id = order.public_id
    return replace(
        charge,
        title=t("Carbon credits: %(t)s CO₂e from %(project)s", t=f"{order.credits_kg / 1000:g} t",
                project=names.pick(order.project, "name", order.language)),
        description=t("Retired for you at %(event)s", event=names.pick(order.event, "name", order.language)),
        return_url=settings.public_url("checkout.order_status", public_id=public_id),
        cancel_url=settings.public_url("checkout.cancel", public_id=public_id),
    )


def _open_named(session: Session, settings: Settings, provider: payments.PaymentProvider, flow: str,
                payer: payments.Payer, order: Order) -> payments.Checkout | None:
    """A wallet payment: we name it (out_trade_no) and keep the name on the order before the
    provider hears of it, so two requests open one payment; the provider gives back the same
    payment for the same name and parameters. Open until the hold lapses."""
    if not order.payment_ref:
        reference = provider.new_reference(order.public_id, flow)
        if not swap(session, order, payment_ref=reference):
            order = read_again(session, order.public_id)
            if order.payment_ref is None or order.provider != provider.name:
                raise payments.PaymentError(f"order {order.public_id} changed while its payment was opened")
        order = read_again(session, order.public_id)
    else:  # opened before: it may be paid already
        charge = charge_of(order)
        session.commit()
        found = provider.lookup(settings.payment_config, charge)
        if found.status != payments.PENDING:
            apply_outcome(session, settings, read_again(session, charge.order_id), found)
            return None
        order = read_again(session, charge.order_id)
    hold_end = order.hold_expires_at.replace(tzinfo=dt.UTC).timestamp()
    charge = replace(_described(settings, order, charge_of(order)), flow=flow, payer=payer,
                     split_later=splits.wants_split(session, order),
                     notify_url=settings.public_url(NOTICE_ENDPOINTS[provider.name]),
                     pay_by=max(int(hold_end), int(time.time()) + 60))
    session.commit()
    return provider.create(settings.payment_config, charge)


def _open_hosted(session: Session, settings: Settings, provider: payments.PaymentProvider,
                 order: Order) -> payments.Checkout | None:
    """A payment the provider names (a Stripe Checkout Session), or one of our pages (the demo's)."""
    public_id = order.public_id
    if order.payment_ref:
        charge = charge_of(order)
        session.commit()
        found = provider.lookup(settings.payment_config, charge)
        order = read_again(session, public_id)
        if found.status == payments.PENDING and found.url:
            return payments.Checkout(reference=found.reference, url=found.url)
        apply_outcome(session, settings, order, found)
        return None
    charge = replace(_described(settings, order, charge_of(order)),
                     pay_by=int(time.time()) + settings.hold_minutes * 60)
    session.commit()
    created = provider.create(settings.payment_config, charge)
    if created.reference is None and created.expires_at is None:
        return created  # nothing to keep: one of our pages (the demo's)
    order = read_again(session, public_id)
    if created.expires_at is not None:
        now = utcnow()
        until = now + dt.timedelta(seconds=created.expires_at - int(time.time())) + PROVIDER_GRACE
        try:
            ledger.extend_hold(session, order, until, now, pool_percent=settings.hold_pool_percent,
                               floor_kg=orders.share_floor_kg(order.project, settings.fee_percent))
        except ledger.LedgerError:
            # The hold lapsed and its credits went elsewhere while the provider answered:
            # never send the visitor to pay for credits we cannot retire.
            session.rollback()
            return None
    order.payment_ref = created.reference
    if created.reference:
        session.add(PaymentAttempt(order_id=order.id, provider=provider.name, reference=created.reference))
    session.commit()
    return created

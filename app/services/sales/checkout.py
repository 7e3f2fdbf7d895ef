"""An order's whole life, Flask-free: quote, start, pay (through the order's own
payment provider), settle, refund.

Every caller (the visitor checkout, the life page, the organizer's operations,
the JSON API, the kiosk) makes one call here with the database session and a
`Settings` value built by the web layer (app/web/). `orders.settle` and
`orders.fulfil` stay the only way a payment becomes a certificate.

Payments speak only the providers' plain values (app/services/payments:
Charge, Checkout, Outcome, Notice): which provider an order pays through is
chosen when it starts and kept on the order, and only that provider's word
settles it.

Rule kept from the routes: no database transaction stays open across a call
to the payment provider. Before each network call the session is committed,
and the order is read again afterwards.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ...models import Event, Footprint, Order, Participant, Project, utcnow
from .. import footprint, payments
from ..certificates import content, images
from ..payments import demo
from . import ledger, money, orders

log = logging.getLogger("app")

PROVIDER_GRACE = dt.timedelta(minutes=5)  # a payment finished at the last second still finds its hold
KINDS = ("visitor", "operations", "api", "kiosk")


class OrderTooLarge(orders.OrderError):
    """A visitor, API or kiosk order above a plausible personal footprint."""

    code = "order_too_large"


class NothingToBuy(orders.OrderError):
    """A footprint of zero (or nothing entered yet): every page says so in its own words."""

    code = "nothing_to_buy"


class NoProject(orders.OrderError):
    """No project was chosen (none on offer has enough credits left)."""

    code = "no_project"


def _plain(text: str, **values) -> str:
    return text % values if values else text


@dataclass(frozen=True)
class Settings:
    """What the service needs from configuration and the web layer."""

    hold_minutes: int
    fee_percent: int
    max_kg: int  # any order, organizers' operations included
    # Visitor, API and kiosk orders: at most this many kg (a plausible personal footprint)...
    visitor_max_kg: int = 20_000
    # ...and one participant holds at most this percent of a project's unretired credits at once;
    hold_share_percent: int = 5
    # all unpaid checkouts together hold at most this percent (past it an order is payable unheld).
    hold_pool_percent: int | None = 10
    # The payment providers' configuration keys (payments.settings_from); none set: the demo provider.
    payment_config: Mapping[str, Any] = field(default_factory=dict)
    # (endpoint, **values) -> absolute URL; the only way the service names a page.
    public_url: Callable[..., str] = field(default=lambda endpoint, **values: endpoint)
    # gettext-style translation for texts shown on the provider's page.
    translate: Callable[..., str] = _plain

    @property
    def order_settings(self) -> orders.Settings:
        return orders.Settings(hold_minutes=self.hold_minutes, fee_percent=self.fee_percent, max_kg=self.max_kg,
                               hold_share_percent=self.hold_share_percent,
                               hold_pool_percent=self.hold_pool_percent)


# --------------------------------------------------------------------------
# The calculation: made once per request, shown by the page, taken by start()
# --------------------------------------------------------------------------

def kg_to_buy(result: footprint.FootprintResult | None) -> int:
    """The one "nothing to buy" rule: a footprint buys whole kilograms, rounded up; no footprint,
    or one of zero, buys nothing (0)."""
    if result is None or result.total_kg <= 0:
        return 0
    return money.kg_to_buy(result.total_kg)


@dataclass(frozen=True)
class Quote:
    """One calculation: the footprint (when the order comes from one), the whole kilograms it buys,
    and each project on offer at the event priced for them (`offers`). The page shows it and
    checkout.start takes it as it is: nothing is estimated, rounded or priced twice."""

    event_id: int
    fee_percent: int
    kg: int | None  # to buy; 0 for a footprint with nothing to buy; as asked for an order by kg
    offers: list[dict]
    inputs: dict | None = None  # the footprint's engine input, when the order comes from a footprint
    result: footprint.FootprintResult | None = None
    error: footprint.FootprintError | None = None

    @property
    def nothing_to_buy(self) -> bool:
        return self.inputs is not None and not self.kg

    def offer(self, project_id: int) -> dict | None:
        return next((o for o in self.offers if o["project"].id == project_id), None)


def quote(session: Session, event: Event, *, fee_percent: int, footprint_inputs: dict | None = None,
          kg: int | None = None, share_percent: int | None = None, now: dt.datetime | None = None) -> Quote:
    """Estimate `footprint_inputs` (an engine error is kept in `error`; empty inputs are nothing to buy),
    or take `kg` as asked, and price every project on offer at the event for it (see `offers`)."""
    result = error = None
    if footprint_inputs is not None:
        if footprint_inputs:
            try:
                result = footprint.estimate(footprint_inputs)
            except footprint.FootprintError as exc:
                error = exc
        kg = kg_to_buy(result)
    priced = kg if isinstance(kg, int) and not isinstance(kg, bool) and kg > 0 else 0
    return Quote(event_id=event.id, fee_percent=fee_percent, kg=kg,
                 offers=offers(session, event, priced, fee_percent, now, share_percent),
                 inputs=footprint_inputs, result=result, error=error)


@dataclass(frozen=True)
class OrderRequest:
    """Who buys what, where: a `quote` made for the page, or else `kg` or `footprint_inputs`
    (then start() makes the quote)."""

    kind: str  # visitor, operations, api, kiosk
    event: Event
    project: Project | None  # None: the page found none with enough credits left
    participant: Participant
    quote: Quote | None = None
    kg: int | None = None
    footprint_inputs: dict | None = None
    display_name: str | None = None
    organization: str | None = None
    show_on_board: bool = False
    language: str = "en"
    organization_id: int | None = None  # operations orders only
    client_key: str | None = None  # an opaque key for the client (e.g. a keyed hash of its address)
    user_agent: str = ""  # the browser starting the order (it may suit one payment provider better)


def save_footprint(session: Session, result: footprint.FootprintResult, data: dict, participant_id: int | None,
                   event_id: int) -> Footprint:
    """Keep a footprint with its order, so the certificate can show how it was calculated."""
    row = Footprint(
        participant_id=participant_id,
        event_id=event_id,
        inputs=data,
        result=result.to_dict(),
        total_kg=result.total_kg.quantize(Decimal("0.001")),
        methodology=result.methodology,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def start(session: Session, settings: Settings, req: OrderRequest, *, now: dt.datetime | None = None,
          handoff_hash: str | None = None) -> Order:
    """Hold the credits and create a pending order with its payment provider, committed; raises
    OrderError (NothingToBuy, NoProject, OrderTooLarge), SoldOut or HoldShareExceeded (after a
    rollback: bad input changes nothing).

    Holds are sized to people: every order but an organizer's operations is at most
    `visitor_max_kg`, replaces the participant's open hold on the project, and keeps
    the participant's holds within `hold_share_percent` of the project, and every hold within
    `hold_pool_percent`.
    """
    if req.kind not in KINDS:
        raise ValueError(f"unknown order kind {req.kind!r}")
    now = now or utcnow()
    try:
        order = _start(session, settings, req, now)
    except (orders.OrderError, ledger.LedgerError):
        session.rollback()
        raise
    order.handoff_hash = handoff_hash  # kiosk orders only (start_at_kiosk)
    session.commit()
    return order


def _start(session: Session, settings: Settings, req: OrderRequest, now: dt.datetime) -> Order:
    if req.quote is None and req.kg is None and req.footprint_inputs is None:
        raise orders.OrderError("Send either kg or footprint.", "kg")
    q = req.quote or quote(session, req.event, fee_percent=settings.fee_percent, kg=req.kg, now=now,
                           footprint_inputs=req.footprint_inputs if req.kg is None else None)
    if q.event_id != req.event.id or q.fee_percent != settings.fee_percent:
        raise ValueError("a quote for another event or another fee")
    if q.error is not None:
        raise orders.OrderError(q.error.message, f"footprint.{q.error.field}")
    if q.nothing_to_buy:
        raise NothingToBuy("This footprint is zero: nothing to neutralize.", "footprint")
    kg = q.kg
    if req.kind != "operations" and isinstance(kg, int) and kg > settings.visitor_max_kg:
        raise OrderTooLarge(
            f"One personal order can neutralize at most {settings.visitor_max_kg:,} kg; organizers neutralize "
            "larger amounts for their event's operations when signed in.", "kg" if q.inputs is None else "footprint",
            limit_kg=settings.visitor_max_kg)
    if req.project is None:
        raise NoProject("No project has enough credits left for this footprint.", "project")
    offer = q.offer(req.project.id)
    if offer is None:
        raise orders.OrderError("That project is not on offer at this event.", "project", "project_unavailable")
    try:
        provider = payments.choose(payments.Context(currency=req.event.currency, kind=req.kind,
                                                    user_agent=req.user_agent, language=req.language),
                                   settings.payment_config)
    except payments.Unavailable as exc:
        raise orders.OrderError("No payment method here takes this currency.", "project", "no_provider") from exc
    saved = None
    if q.result is not None:
        saved = save_footprint(session, q.result, q.inputs or {}, req.participant.id, req.event.id)
    return orders.start(
        session,
        event=req.event,
        project=req.project,
        participant=req.participant,
        kg=kg,
        price=offer["price"],
        footprint=saved,
        display_name=req.display_name,
        organization=req.organization,
        show_on_board=bool(req.show_on_board),
        provider=provider.name,
        settings=settings.order_settings,
        now=now,
        kind="operations" if req.kind == "operations" else "visitor",
        organization_id=req.organization_id,
        language=req.language,
        client_key=req.client_key,
    )


def offers(session: Session, event: Event, kg: int, fee_percent: int, now: dt.datetime | None = None,
           share_percent: int | None = None) -> list[dict]:
    """Each project on offer at the event: credits left, the owner's share of sales so far (`passed_minor`:
    earned, not necessarily paid out), the exact price for `kg`, and whether it can be bought.

    With `share_percent` (the calculator, the life page, the kiosk) a project whose per-buyer limit is below
    what this payment retires is offered as unavailable (`reason` "buyer_limit"), as the hold would refuse it.
    """
    projects = orders.offered_projects(session, event)
    stock = ledger.stock(session, [p.id for p in projects], now or utcnow())
    passed = orders.owner_totals(session, [p.id for p in projects])
    rows = []
    for p in projects:
        price = money.price(kg, p.price_per_tonne_minor, p.currency, fee_percent) if kg else None
        needed = price.credits_kg if price else 1
        limit = (None if share_percent is None else
                 ledger.share_limit_kg(stock[p.id], share_percent, orders.share_floor_kg(p, fee_percent)))
        reason = ("sold_out" if stock[p.id].left_kg <= 0 else "not_enough" if stock[p.id].left_kg < needed
                  else "buyer_limit" if limit is not None and needed > limit else None)
        rows.append({
            "project": p,
            "left_kg": stock[p.id].left_kg,
            "passed_minor": passed.get(p.id, 0),
            "price": price,
            "limit_kg": limit,
            "reason": reason,
            "available": reason is None,
        })
    return rows


def payable(order: Order, now: dt.datetime | None = None) -> bool:
    """A pending order whose hold has not lapsed."""
    return order.status == "pending" and order.hold_expires_at > (now or utcnow())


# --------------------------------------------------------------------------
# Paying: through the provider the order chose, and only through it
# --------------------------------------------------------------------------

def provider_of(settings: Settings, order: Order) -> payments.PaymentProvider:
    """The order's provider, when this server takes its payments; raises payments.Unavailable."""
    if not payments.is_available(order.provider, settings.payment_config):
        raise payments.Unavailable(f"this server does not take {order.provider} payments")
    return payments.get(order.provider)


def _charge(order: Order) -> payments.Charge:
    return payments.Charge(order_id=order.public_id, amount_minor=order.amount_minor, currency=order.currency,
                           reference=order.payment_ref)


def _read_again(session: Session, public_id: str) -> Order:
    """The order read again after a commit (a provider is called with no transaction open).
    Orders are never deleted, so one that existed before the call is there after it."""
    order = orders.by_public_id(session, public_id)
    if order is None:
        raise LookupError(f"order {public_id} is gone from the database")
    return order


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
    provider = payments.get(provider_name or order.provider)
    if not payments.is_available(provider.name, settings.payment_config):
        raise payments.Unavailable(f"this server does not take {provider.name} payments")
    flow = provider.flow(settings.payment_config, payer)
    if flow is None:
        raise payments.Unavailable(f"{provider.name} cannot take this payer's payment")
    public_id = order.public_id
    for _attempt in range(3):  # another request may switch or open it at the same moment: read again
        order = _read_again(session, public_id)
        if not payable(order):
            return None
        if order.payment_ref and (order.provider != provider.name or
                                  payments.get(order.provider).flow_of(order.payment_ref) != flow):
            if not _close_open_payment(session, settings, order):
                return None  # it was paid (or ended) meanwhile: the status page says which
            continue
        if order.provider != provider.name and not _swap(session, order, provider=provider.name):
            continue
        if provider.names_payments:
            return _open_named(session, settings, provider, flow, payer, order)
        return _open_hosted(session, settings, provider, order)
    raise payments.PaymentError(f"order {public_id} kept changing while its payment was opened")


def _swap(session: Session, order: Order, **values) -> bool:
    """Change the order's provider or payment reference only if nobody else did since it was read
    (one statement decides between two requests); committed."""
    done = cast(CursorResult[Any], session.execute(
        update(Order).where(Order.id == order.id, Order.status == "pending",
                            Order.provider == order.provider, _same_ref(order.payment_ref))
        .values(**values)
    )).rowcount
    session.commit()
    return bool(done)


def _same_ref(ref: str | None):
    return Order.payment_ref.is_(None) if ref is None else Order.payment_ref == ref


def _close_open_payment(session: Session, settings: Settings, order: Order) -> bool:
    """Close the order's open payment before it is paid another way; False when that payment
    was made (the order is then settled with it) or the order ended meanwhile."""
    old = payments.get(order.provider)
    charge = _charge(order)
    session.commit()
    if payments.is_available(old.name, settings.payment_config):
        old.close(settings.payment_config, charge)
        found = old.lookup(settings.payment_config, charge)
        if found.status == payments.PAID:
            apply_outcome(session, settings, _read_again(session, charge.order_id), found)
            return False
    order = _read_again(session, charge.order_id)
    _swap(session, order, payment_ref=None)
    return payable(_read_again(session, charge.order_id))


def _described(settings: Settings, order: Order, charge: payments.Charge) -> payments.Charge:
    """The charge as the payer reads it on the provider's page, with our return addresses."""
    t = settings.translate
    public_id = order.public_id
    return replace(
        charge,
        title=t("Carbon credits: %(t)s CO₂e from %(project)s", t=f"{order.credits_kg / 1000:g} t",
                project=order.project.name),
        description=t("Retired for you at %(event)s", event=order.event.name),
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
        if not _swap(session, order, payment_ref=reference):
            order = _read_again(session, order.public_id)
            if order.payment_ref is None or order.provider != provider.name:
                raise payments.PaymentError(f"order {order.public_id} changed while its payment was opened")
        order = _read_again(session, order.public_id)
    else:  # opened before: it may be paid already
        charge = _charge(order)
        session.commit()
        found = provider.lookup(settings.payment_config, charge)
        if found.status != payments.PENDING:
            apply_outcome(session, settings, _read_again(session, charge.order_id), found)
            return None
        order = _read_again(session, charge.order_id)
    hold_end = order.hold_expires_at.replace(tzinfo=dt.UTC).timestamp()
    charge = replace(_described(settings, order, _charge(order)), flow=flow, payer=payer,
                     notify_url=settings.public_url(NOTICE_ENDPOINTS[provider.name]),
                     pay_by=max(int(hold_end), int(time.time()) + 60))
    session.commit()
    return provider.create(settings.payment_config, charge)


def _open_hosted(session: Session, settings: Settings, provider: payments.PaymentProvider,
                 order: Order) -> payments.Checkout | None:
    """A payment the provider names (a Stripe Checkout Session), or one of our pages (the demo's)."""
    public_id = order.public_id
    if order.payment_ref:
        charge = _charge(order)
        session.commit()
        found = provider.lookup(settings.payment_config, charge)
        order = _read_again(session, public_id)
        if found.status == payments.PENDING and found.url:
            return payments.Checkout(reference=found.reference, url=found.url)
        apply_outcome(session, settings, order, found)
        return None
    charge = replace(_described(settings, order, _charge(order)),
                     pay_by=int(time.time()) + settings.hold_minutes * 60)
    session.commit()
    created = provider.create(settings.payment_config, charge)
    if created.reference is None and created.expires_at is None:
        return created  # nothing to keep: one of our pages (the demo's)
    order = _read_again(session, public_id)
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
    session.commit()
    return created


def apply_outcome(session: Session, settings: Settings, order: Order, found: payments.Outcome) -> str:
    """Turn a verified outcome from the order's own provider (a notice or a lookup) into a ledger
    outcome; the order's resulting status. An outcome for another order or payment, or for another
    amount, changes nothing."""
    if found.order_id is not None and found.order_id != order.public_id:
        log.error("Outcome for order %s applied to order %s", found.order_id, order.public_id)
        return order.status
    if found.reference and order.payment_ref and order.payment_ref != found.reference:
        log.error("Payment %s does not belong to order %s", found.reference, order.public_id)
        return order.status
    if found.amount_minor is not None and (
        found.amount_minor != order.amount_minor or found.currency != order.currency
    ):
        log.error("Amount mismatch for order %s: %s %s", order.public_id, found.amount_minor, found.currency)
        return order.status
    if found.status == payments.PENDING:
        return order.status  # still open, or paid by a slow method that has not cleared
    order.payment_ref = order.payment_ref or found.reference
    status = orders.settle(session, order, found.status, now=utcnow())
    session.commit()
    store_certificate_images(session, settings, order)
    if status == "refund_due":
        refund_late_payment(session, settings, order, found.payment_id)
    return order.status


def receive_notice(session: Session, settings: Settings, provider_name: str, headers: Mapping[str, str],
                   body: bytes) -> str | None:
    """A provider's notice (a webhook): verified by that provider, applied to the order it names
    only when that order pays through the same provider. The order's resulting status, or None
    (a kind of notice that changes nothing, an unknown order, an order of another provider).

    Raises payments.Unavailable when this server does not take that provider's payments, and
    payments.BadSignature for a notice that does not verify.
    """
    if not payments.is_available(provider_name, settings.payment_config):
        raise payments.Unavailable(f"this server does not take {provider_name} payments")
    provider = payments.get(provider_name)
    notice = provider.parse_notice(settings.payment_config, headers, body)
    if notice is None:
        return None
    order = (orders.by_public_id(session, notice.outcome.order_id) if notice.outcome.order_id
             else _by_payment(session, notice.outcome.reference))
    if order is None:
        log.warning("Notice %s for unknown order %s (payment %s)", notice.id, notice.outcome.order_id,
                    notice.outcome.reference)
        return None
    if order.provider != provider.name:
        log.error("A %s notice (%s) for order %s, which pays through %s: ignored", provider.name, notice.id,
                  order.public_id, order.provider)
        return None
    return apply_outcome(session, settings, order, notice.outcome)


def _by_payment(session: Session, reference: str | None) -> Order | None:
    """The order whose open payment is `reference` (a wallet names its notices by our payment number)."""
    if not reference:
        return None
    return session.execute(select(Order).where(Order.payment_ref == reference)).scalar_one_or_none()


def refresh_from_provider(session: Session, settings: Settings, public_id: str) -> Order | None:
    """Ask the order's provider about a pending order (a slow webhook must never leave a paid
    visitor waiting), with no transaction open across the call; the order, read again."""
    order = orders.by_public_id(session, public_id)
    if order is None or order.status != "pending":
        return order
    try:
        provider = provider_of(settings, order)
    except payments.Unavailable:
        return order
    charge = _charge(order)
    session.commit()
    try:
        found = provider.lookup(settings.payment_config, charge)
    except payments.PaymentError:
        log.warning("Payment lookup failed for %s; waiting for the notice", public_id)
        return orders.by_public_id(session, public_id)
    if found.status != payments.PENDING:
        apply_outcome(session, settings, _read_again(session, public_id), found)
    return orders.by_public_id(session, public_id)


def apply_demo_outcome(session: Session, settings: Settings, order: Order, outcome: str) -> str:
    """The demo page's (and the demo API's) answer, "paid" or "failed": the demo provider's notice,
    settled like any other. Raises payments.Unavailable on a server that takes real payments or for
    an order that pays through another provider."""
    status = receive_notice(session, settings, demo.PROVIDER.name, {}, demo.notice_body(order.public_id, outcome))
    if status is None:
        raise payments.Unavailable(f"order {order.public_id} does not pay through the demo")
    return status


def store_certificate_images(session: Session, settings: Settings, order: Order) -> None:
    """Draw a paid order's certificate images once and store them, so that showing them
    only reads (app/services/certificates/images.py). After the payment's commit: drawing
    (~80 ms) never holds the ledger's locks, and a failure here never undoes a payment
    (the image is then drawn for each request until `flask render-certificates`)."""
    if order.status != "paid" or order.certificate is None:
        return
    try:
        images.store(session, content.build(order.certificate, settings.public_url))
        session.commit()
    except Exception:
        session.rollback()
        log.exception("Certificate images of order %s not stored; drawn per request", order.public_id)


def refund_late_payment(session: Session, settings: Settings, order: Order, payment_id: str | None = None) -> None:
    """Give back a payment that arrived after its credits were sold, through the order's provider;
    it stays refund_due (listed for a refund by hand) when that fails."""
    try:
        provider = provider_of(settings, order)
    except payments.Unavailable:
        log.error("Refund for %s: this server does not take %s payments; it stays refund_due", order.public_id,
                  order.provider)
        return
    charge = _charge(order)
    session.commit()
    try:
        refund_ref = provider.refund(settings.payment_config, charge, payment_id)
    except payments.PaymentError:
        log.exception("Refund failed for %s; it stays refund_due", charge.order_id)
        return
    order = _read_again(session, charge.order_id)
    order.refund_ref = refund_ref
    order.status = "refunded"
    session.commit()


# --------------------------------------------------------------------------
# The kiosk's handoff: the kiosk starts the order, the visitor's phone pays it
# --------------------------------------------------------------------------

def kiosk_participant(session: Session) -> Participant:
    """A fresh anonymous participant for one kiosk order; no browser holds it until a
    phone opens the handoff link and adopts it (the kiosk itself keeps no cookie)."""
    participant = Participant(token=secrets.token_urlsafe(32))
    session.add(participant)
    session.flush()
    return participant


HANDOFF_TOKEN_BYTES = 18  # 144 random bits in 24 characters: a short link, a small QR code
HANDOFF_TOKEN_MAX = 64  # longer than any token we make; anything longer is refused unhashed


@dataclass(frozen=True)
class KioskStart:
    order: Order
    handoff_token: str  # for the kiosk's QR code and its own page; only its hash is kept


def _handoff_hash(token: str) -> str:
    return hashlib.sha256(b"kiosk-handoff:" + token.encode()).hexdigest()


def start_at_kiosk(session: Session, settings: Settings, req: OrderRequest, *,
                   now: dt.datetime | None = None) -> KioskStart:
    """A kiosk order (as `start`) and its phone handoff token.

    The token is random and kept only as its hash: no link that hands an order (and its
    participant's cookie) to a phone can be made from an order id, and only orders started
    here have one. The first phone to claim it keeps it (claim_handoff); it dies once paid.
    """
    token = secrets.token_urlsafe(HANDOFF_TOKEN_BYTES)
    order = start(session, settings, replace(req, kind="kiosk"), now=now, handoff_hash=_handoff_hash(token))
    return KioskStart(order, token)


def handoff_order(session: Session, token: str) -> Order | None:
    """The kiosk order a handoff token names, or None."""
    if not token or len(token) > HANDOFF_TOKEN_MAX:
        return None
    return session.execute(select(Order).where(Order.handoff_hash == _handoff_hash(token))).scalar_one_or_none()


def handoff_state(order: Order, phone_participant_id: int | None, now: dt.datetime | None = None) -> str:
    """What the phone holding `phone_participant_id` (None: a phone with no participant) may do
    with a kiosk order's handoff link: "open" (name it and pay: nobody claimed it, or this phone
    did), "taken" (another phone claimed it first), "paid" (the link is dead) or "lapsed"."""
    mine = phone_participant_id is not None and phone_participant_id == order.participant_id
    if order.status == "paid":
        return "paid"
    if order.handoff_claimed_at is not None and not mine:
        return "taken"
    return "open" if payable(order, now) else "lapsed"


HANDOFF_REFUSALS = {
    "taken": ("This order was opened on another phone first; it is paid there.", "handoff_taken"),
    "paid": ("This order is paid; its link no longer works.", "handoff_paid"),
    "lapsed": ("This order can no longer be paid; start again at the kiosk.", "handoff_lapsed"),
}


def claim_handoff(session: Session, order: Order, *, phone_participant_id: int | None, display_name: str | None,
                  organization: str | None, show_on_board: bool, now: dt.datetime | None = None) -> Order:
    """The phone adds a name, organization and board consent to a kiosk order before paying,
    committed. The first phone to do so claims the order (the caller then gives that phone the
    order's participant); it may change them again until it pays. Raises OrderError
    (handoff_taken, handoff_paid, handoff_lapsed, or a bad name) and then changes nothing."""
    now = now or utcnow()
    state = handoff_state(order, phone_participant_id, now)
    if state != "open":
        message, code = HANDOFF_REFUSALS[state]
        raise orders.OrderError(message, "order", code)
    name = orders.clean_name(display_name, orders.NAME_MAX, "display_name")
    org = orders.clean_name(organization, orders.ORGANIZATION_MAX, "organization")
    if order.handoff_claimed_at is None:
        # One statement decides between two phones posting at once (an UPDATE's result is a CursorResult).
        claimed = cast(CursorResult[Any], session.execute(
            update(Order).where(Order.id == order.id, Order.handoff_claimed_at.is_(None))
            .values(handoff_claimed_at=now)
        )).rowcount
        if not claimed:
            session.rollback()
            message, code = HANDOFF_REFUSALS["taken"]
            raise orders.OrderError(message, "order", code)
    order.display_name, order.organization, order.show_on_board = name, org, bool(show_on_board)
    participant = order.participant
    participant.display_name, participant.organization, participant.show_on_board = name, org, bool(show_on_board)
    session.commit()
    return order

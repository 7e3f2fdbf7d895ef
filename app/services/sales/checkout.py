"""An order's whole life, Flask-free: start, pay (demo or Stripe), settle, refund.

Every caller (the visitor checkout, the life page, the organizer's operations,
the JSON API, the kiosk) makes one call here with the database session and a
`Settings` value built by the web layer (app/web/). `orders.settle` and
`orders.fulfil` stay the only way a payment becomes a certificate.

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
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ...models import Event, Footprint, Order, Participant, Project, utcnow
from .. import footprint, payments
from ..certificates import content, images
from . import ledger, money, orders

log = logging.getLogger("app")

STRIPE_GRACE = dt.timedelta(minutes=5)  # a payment finished at the last second still finds its hold
KINDS = ("visitor", "operations", "api", "kiosk")


class OrderTooLarge(orders.OrderError):
    """A visitor, API or kiosk order above a plausible personal footprint."""

    code = "order_too_large"


def _plain(text: str, **values) -> str:
    return text % values if values else text


@dataclass(frozen=True)
class Settings:
    """What the service needs from configuration and the web layer."""

    hold_minutes: int
    fee_percent: int
    max_kg: int  # any order, organizers' operations included
    demo: bool = True
    # Visitor, API and kiosk orders: at most this many kg (a plausible personal footprint)...
    visitor_max_kg: int = 20_000
    # ...and one participant holds at most this percent of a project's unretired credits at once;
    hold_share_percent: int = 5
    # all unpaid checkouts together hold at most this percent (past it an order is payable unheld).
    hold_pool_percent: int | None = 10
    stripe: payments.StripeConfig | None = None
    # (endpoint, **values) -> absolute URL; the only way the service names a page.
    public_url: Callable[..., str] = field(default=lambda endpoint, **values: endpoint)
    # gettext-style translation for texts shown on the provider's page.
    translate: Callable[..., str] = _plain

    @property
    def order_settings(self) -> orders.Settings:
        return orders.Settings(hold_minutes=self.hold_minutes, fee_percent=self.fee_percent, max_kg=self.max_kg,
                               hold_share_percent=self.hold_share_percent,
                               hold_pool_percent=self.hold_pool_percent)

    @property
    def provider(self) -> str:
        return "demo" if self.demo else "stripe"


@dataclass(frozen=True)
class OrderRequest:
    """Who buys what, where. Either `kg` or a `footprint` result (with its inputs)."""

    kind: str  # visitor, operations, api, kiosk
    event: Event
    project: Project
    participant: Participant
    kg: int | None = None
    footprint: footprint.FootprintResult | None = None
    footprint_inputs: dict | None = None
    display_name: str | None = None
    organization: str | None = None
    show_on_board: bool = False
    language: str = "en"
    organization_id: int | None = None  # operations orders only
    client_key: str | None = None  # an opaque key for the client (e.g. a keyed hash of its address)


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
    """Hold the credits and create a pending order, committed; raises OrderError (OrderTooLarge),
    SoldOut or HoldShareExceeded (after a rollback: bad input changes nothing).

    Holds are sized to people: every order but an organizer's operations is at most
    `visitor_max_kg`, replaces the participant's open hold on the project, and keeps
    the participant's holds within `hold_share_percent` of the project, and every hold within
    `hold_pool_percent`.
    """
    if req.kind not in KINDS:
        raise ValueError(f"unknown order kind {req.kind!r}")
    now = now or utcnow()
    kg = req.kg
    if kg is None and req.footprint is not None:
        if req.footprint.total_kg <= 0:
            raise orders.OrderError("This footprint is zero: nothing to neutralize.", "footprint")
        kg = money.kg_to_buy(req.footprint.total_kg)
    if kg is None:
        raise orders.OrderError("Send either kg or footprint.", "kg")
    if req.kind != "operations" and isinstance(kg, int) and kg > settings.visitor_max_kg:
        raise OrderTooLarge(
            f"One personal order can neutralize at most {settings.visitor_max_kg:,} kg; organizers neutralize "
            "larger amounts for their event's operations when signed in.", "kg" if req.kg is not None else "footprint",
            limit_kg=settings.visitor_max_kg)
    try:
        saved = None
        if req.footprint is not None:
            saved = save_footprint(session, req.footprint, req.footprint_inputs or {}, req.participant.id,
                                   req.event.id)
        order = orders.start(
            session,
            event=req.event,
            project=req.project,
            participant=req.participant,
            kg=kg,
            footprint=saved,
            display_name=req.display_name,
            organization=req.organization,
            show_on_board=bool(req.show_on_board),
            provider=settings.provider,
            settings=settings.order_settings,
            now=now,
            kind="operations" if req.kind == "operations" else "visitor",
            organization_id=req.organization_id,
            language=req.language,
            client_key=req.client_key,
        )
    except (orders.OrderError, ledger.LedgerError):
        session.rollback()
        raise
    order.handoff_hash = handoff_hash  # kiosk orders only (start_at_kiosk)
    session.commit()
    return order


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


def payment_link(session: Session, settings: Settings, order: Order) -> str | None:
    """The order's hosted Stripe Checkout page, created once (idempotent per order);
    None when the order cannot be paid any more (show its status instead).

    Raises payments.PaymentError when Stripe cannot be reached.
    """
    cfg = settings.stripe
    public_id, payment_ref = order.public_id, order.payment_ref
    if payment_ref:
        session.commit()
        existing = payments.retrieve_session(cfg, payment_ref)
        order = orders.by_public_id(session, public_id)
        if existing.status == "open" and existing.url:
            return existing.url
        apply_provider_session(session, settings, order, existing)
        return None
    # Stripe sessions live at least 30 minutes; the hold outlives the session a little.
    expires = int(time.time()) + max(settings.hold_minutes, 30) * 60 + 60
    t = settings.translate
    params = dict(
        order_public_id=public_id,
        amount_minor=order.amount_minor,
        currency=order.currency,
        product_name=t("Carbon credits: %(t)s CO₂e from %(project)s", t=f"{order.credits_kg / 1000:g} t",
                       project=order.project.name),
        description=t("Retired for you at %(event)s", event=order.event.name),
        success_url=settings.public_url("checkout.order_status", public_id=public_id),
        cancel_url=settings.public_url("checkout.cancel", public_id=public_id),
        expires_at=expires,
    )
    session.commit()
    created = payments.create_checkout(cfg, **params)
    order = orders.by_public_id(session, public_id)
    now = utcnow()
    until = now + dt.timedelta(seconds=expires - int(time.time())) + STRIPE_GRACE
    try:
        ledger.extend_hold(session, order, until, now, pool_percent=settings.hold_pool_percent,
                           floor_kg=orders.share_floor_kg(order.project, settings.fee_percent))
    except ledger.LedgerError:
        # The hold lapsed and its credits went elsewhere while Stripe answered:
        # never send the visitor to pay for credits we cannot retire.
        session.rollback()
        return None
    order.payment_ref = created.id
    session.commit()
    return created.url


def apply_provider_session(session: Session, settings: Settings, order: Order, found: payments.Session) -> str:
    """Turn a verified Checkout Session (webhook or lookup) into a ledger outcome."""
    if order.payment_ref and order.payment_ref != found.id:
        log.error("Session %s does not belong to order %s", found.id, order.public_id)
        return order.status
    if found.amount_total is not None and (
        found.amount_total != order.amount_minor or found.currency != order.currency
    ):
        log.error("Amount mismatch for order %s: %s %s", order.public_id, found.amount_total, found.currency)
        return order.status
    order.payment_ref = order.payment_ref or found.id
    if found.payment_status in ("paid", "no_payment_required"):
        outcome = "paid"
    elif found.status == "expired":
        outcome = "expired"
    else:
        return order.status  # still open, or paid by a slow method that has not cleared
    status = orders.settle(session, order, outcome, now=utcnow())
    session.commit()
    store_certificate_images(session, settings, order)
    if status == "refund_due" and found.payment_intent:
        refund_late_payment(session, settings, order, found.payment_intent)
    return order.status


def apply_webhook_event(session: Session, settings: Settings, event: payments.WebhookEvent) -> str | None:
    """A verified webhook event; the order's resulting status, or None for an unknown order."""
    order = orders.by_public_id(session, event.session.order_public_id or "")
    if order is None:
        log.warning("Webhook %s for unknown order %s", event.id, event.session.order_public_id)
        return None
    found = event.session
    if event.type == "checkout.session.async_payment_succeeded":
        found = replace(found, payment_status="paid")
    elif event.type == "checkout.session.async_payment_failed":
        status = orders.settle(session, order, "failed", now=utcnow())
        session.commit()
        return status
    elif event.type == "checkout.session.expired":
        found = replace(found, status="expired", payment_status="unpaid")
    return apply_provider_session(session, settings, order, found)


def refresh_from_provider(session: Session, settings: Settings, public_id: str) -> Order | None:
    """Ask Stripe about a pending order (a slow webhook must never leave a paid visitor
    waiting), with no transaction open across the call; the order, read again."""
    order = orders.by_public_id(session, public_id)
    if order is None or settings.demo or order.status != "pending" or order.payment_provider != "stripe" \
            or not order.payment_ref:
        return order
    payment_ref = order.payment_ref
    session.commit()
    try:
        found = payments.retrieve_session(settings.stripe, payment_ref)
        apply_provider_session(session, settings, orders.by_public_id(session, public_id), found)
    except payments.PaymentError:
        log.warning("Session lookup failed for %s; waiting for the webhook", public_id)
    return orders.by_public_id(session, public_id)


def apply_demo_outcome(session: Session, settings: Settings, order: Order, outcome: str) -> str:
    """The demo gateway's 'webhook': shared by the demo page and the JSON API."""
    status = orders.settle(session, order, outcome, now=utcnow())
    session.commit()
    store_certificate_images(session, settings, order)
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


def refund_late_payment(session: Session, settings: Settings, order: Order, payment_intent: str) -> None:
    """Give back a payment that arrived after its credits were sold; it stays refund_due on failure."""
    try:
        order.refund_ref = payments.refund(settings.stripe, payment_intent, order.public_id)
    except payments.PaymentError:
        log.exception("Refund failed for %s; it stays refund_due", order.public_id)
        return
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
        # One statement decides between two phones posting at once.
        claimed = session.execute(
            update(Order).where(Order.id == order.id, Order.handoff_claimed_at.is_(None))
            .values(handoff_claimed_at=now)
        ).rowcount
        if not claimed:
            session.rollback()
            message, code = HANDOFF_REFUSALS["taken"]
            raise orders.OrderError(message, "order", code)
    order.display_name, order.organization, order.show_on_board = name, org, bool(show_on_board)
    participant = order.participant
    participant.display_name, participant.organization, participant.show_on_board = name, org, bool(show_on_board)
    session.commit()
    return order

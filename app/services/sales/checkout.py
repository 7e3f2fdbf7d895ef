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
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ...models import Event, Footprint, Order, Participant, PaymentAttempt, Project, utcnow
from .. import footprint, payments
from ..certificates import content, images
from ..footprint import places
from ..payments import demo
from . import ledger, money, orders, splits

log = logging.getLogger("app")

PROVIDER_GRACE = dt.timedelta(minutes=5)  # a payment finished at the last second still finds its hold
KINDS = ("visitor", "operations", "api", "kiosk", "sponsor")


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
    # Tell the job queue a split is due (app/jobs); the sweep finds it anyway if the nudge is lost.
    nudge_split: Callable[[int], None] = field(default=lambda split_id: None)

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
                result = footprint.estimate(footprint_inputs, near=places.lookup(event.venue_code))
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
    organization_id: int | None = None  # operations and sponsor orders only
    client_key: str | None = None  # an opaque key for the client (e.g. a keyed hash of its address)
    user_agent: str = ""  # the browser starting the order (it may suit one payment provider better)
    source: str | None = None  # the poster whose QR code brought the visitor (live/sources.py)


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
    order.source = req.source
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
    if req.kind not in ("operations", "sponsor") and isinstance(kg, int) and kg > settings.visitor_max_kg:
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
        kind=req.kind if req.kind in ("operations", "sponsor") else "visitor",
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


def charge_of(order: Order) -> payments.Charge:
    return payments.Charge(order_id=order.public_id, amount_minor=order.amount_minor, currency=order.currency,
                           reference=order.payment_ref)


def read_again(session: Session, public_id: str) -> Order:
    """The order read again after a commit (a provider is called with no transaction open).
    Orders are never deleted, so one that existed before the call is there after it."""
    order = orders.by_public_id(session, public_id)
    if order is None:
        raise LookupError(f"order {public_id} is gone from the database")
    return order


def swap(session: Session, order: Order, **values) -> bool:
    """Change the order's provider or payment reference only if nobody else did since it was read
    (one statement decides between two requests), keeping every payment opened for it as an
    attempt; committed."""
    done = cast(CursorResult[Any], session.execute(
        update(Order).where(Order.id == order.id, Order.status == "pending",
                            Order.provider == order.provider, same_ref(order.payment_ref))
        .values(**values)
    )).rowcount
    if done and values.get("payment_ref") and not session.scalar(
            select(PaymentAttempt.id).where(PaymentAttempt.reference == values["payment_ref"])):
        session.add(PaymentAttempt(order_id=order.id, provider=values.get("provider", order.provider),
                                   reference=values["payment_ref"]))
    session.commit()
    return bool(done)


def same_ref(ref: str | None):
    return Order.payment_ref.is_(None) if ref is None else Order.payment_ref == ref


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
    if status == "paid":
        _schedule_split(session, settings, order)
    if status == "refund_due":
        refund_late_payment(session, settings, order, found.payment_id)
    return order.status


def _schedule_split(session: Session, settings: Settings, order: Order) -> None:
    """The owner's share of a paid order, split off by its provider (app/services/sales/splits.py);
    a failure here never undoes the payment (the split is then made by hand or by the sweep)."""
    try:
        split = splits.schedule(session, order)
    except Exception:
        session.rollback()
        log.exception("Could not schedule the owner's split of order %s", order.public_id)
        return
    nudge = split.id if split is not None and split.status == "pending" else None
    session.commit()  # no transaction left open while the split is sent (inline without a queue)
    if nudge is not None:
        settings.nudge_split(nudge)


def receive_notice(session: Session, settings: Settings, provider_name: str, headers: Mapping[str, str],
                   body: bytes) -> str | None:
    """A provider's notice (a webhook): verified by that provider, applied to the order whose payment
    it names, only when that payment was opened through the same provider. The order's resulting
    status, or None (a kind of notice that changes no order, an unknown order or payment).

    A payment made through one the order had left (the payer switched wallets and still paid the
    first) pays the order if it is still waiting, and is refunded otherwise: money is never kept
    without its credits.

    Raises payments.Unavailable when this server does not take that provider's payments, and
    payments.BadSignature for a notice that does not verify.
    """
    if not payments.is_available(provider_name, settings.payment_config):
        raise payments.Unavailable(f"this server does not take {provider_name} payments")
    provider = payments.get(provider_name)
    notice = provider.parse_notice(settings.payment_config, headers, body)
    if notice is None:
        return None
    found = notice.outcome
    if found.order_id:
        order = orders.by_public_id(session, found.order_id)
    else:
        order = _by_payment(session, found.reference)
        if order is None:
            return _left_payment(session, settings, provider, notice)
    if order is None:
        log.warning("Notice %s for unknown order %s (payment %s)", notice.id, found.order_id, found.reference)
        return None
    if order.provider != provider.name:
        log.error("A %s notice (%s) for order %s, which pays through %s: ignored", provider.name, notice.id,
                  order.public_id, order.provider)
        return None
    return apply_outcome(session, settings, order, found)


def _left_payment(session: Session, settings: Settings, provider: payments.PaymentProvider,
                  notice: payments.Notice) -> str | None:
    """A notice for a payment the order has left (or for no order of ours at all)."""
    found = notice.outcome
    attempt = session.execute(
        select(PaymentAttempt).where(PaymentAttempt.reference == found.reference,
                                     PaymentAttempt.provider == provider.name)
    ).scalar_one_or_none() if found.reference else None
    if attempt is None:
        log.warning("Notice %s for unknown payment %s", notice.id, found.reference)
        return None
    order = attempt.order
    if found.status != payments.PAID:
        return order.status  # a payment left behind closed or lapsed: nothing to do
    if found.amount_minor is not None and (found.amount_minor != order.amount_minor or
                                           found.currency != order.currency):
        log.error("Amount mismatch for payment %s of order %s: %s %s", found.reference, order.public_id,
                  found.amount_minor, found.currency)
        return order.status
    left = order.payment_ref
    if order.status == "pending" and swap(session, order, provider=provider.name, payment_ref=attempt.reference):
        log.warning("Order %s was paid through payment %s it had left; %s is closed", order.public_id,
                    attempt.reference, left)
        order = read_again(session, order.public_id)
        status = apply_outcome(session, settings, order, found)
        _close_quietly(session, settings, order, left)
        return status
    _refund_attempt(session, settings, provider, attempt.id, found.payment_id)
    return read_again(session, order.public_id).status


def _close_quietly(session: Session, settings: Settings, order: Order, reference: str | None) -> None:
    """Close a payment the order no longer uses (if it is paid anyway, its notice refunds it)."""
    attempt = session.execute(select(PaymentAttempt).where(PaymentAttempt.reference == reference)
                              ).scalar_one_or_none() if reference else None
    if attempt is None or not payments.is_available(attempt.provider, settings.payment_config):
        return
    charge = replace(charge_of(order), reference=reference)
    session.commit()
    try:
        payments.get(attempt.provider).close(settings.payment_config, charge)
    except payments.PaymentError:
        log.exception("Could not close payment %s of order %s", reference, order.public_id)


def _refund_attempt(session: Session, settings: Settings, provider: payments.PaymentProvider, attempt_id: int,
                    payment_id: str | None) -> None:
    """Give back a payment made after its order was settled another way (once: the refund is keyed by
    the payment), recorded on the attempt; logged for a refund by hand when the provider fails."""
    attempt = session.get(PaymentAttempt, attempt_id)
    if attempt is None or attempt.refund_ref:
        return
    charge = replace(charge_of(attempt.order), reference=attempt.reference)
    session.commit()
    try:
        refund_ref = provider.refund(settings.payment_config, charge, payment_id)
    except payments.PaymentError:
        log.exception("Refund of payment %s (order %s, settled another way) failed: refund it by hand",
                      charge.reference, charge.order_id)
        return
    attempt = session.get(PaymentAttempt, attempt_id)
    assert attempt is not None
    attempt.refund_ref = refund_ref
    session.commit()
    log.warning("Refunded payment %s of order %s (settled another way): %s", charge.reference, charge.order_id,
                refund_ref)


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
    charge = charge_of(order)
    session.commit()
    try:
        found = provider.lookup(settings.payment_config, charge)
    except payments.PaymentError:
        log.warning("Payment lookup failed for %s; waiting for the notice", public_id)
        return orders.by_public_id(session, public_id)
    if found.status != payments.PENDING:
        apply_outcome(session, settings, read_again(session, public_id), found)
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
    charge = charge_of(order)
    session.commit()
    try:
        refund_ref = provider.refund(settings.payment_config, charge, payment_id)
    except payments.PaymentError:
        log.exception("Refund failed for %s; it stays refund_due", charge.order_id)
        return
    order = read_again(session, charge.order_id)
    order.refund_ref = refund_ref
    order.status = "refunded"
    session.commit()

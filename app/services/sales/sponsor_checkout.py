"""A sponsor's side of the checkout, Flask-free, one call per caller (app/services/sales/sponsors.py has
the rules): buy a pool through the normal checkout, redeem a code at the calculator, keep or refund the
unused balance. Like `checkout`, each call commits, and no transaction stays open across a call to the
payment provider.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace

from sqlalchemy.orm import Session

from ...models import Event, Order, Participant, SponsorPool, utcnow
from .. import payments
from . import checkout, ledger, orders, sponsors

log = logging.getLogger("app")



def start(session: Session, settings: checkout.Settings, req: checkout.OrderRequest, *, sponsor_name: str, codes: int,
                  open_code: bool, now: dt.datetime | None = None) -> Order:
    """A sponsor's order for `req.kg` of the event's attendees' footprints, with its pending pool, committed;
    held and paid like any order (its codes come with the payment). Raises like `start`, or SponsorError."""
    if req.kind != "sponsor" or req.organization_id is None:
        raise ValueError("a sponsor order is bought by an organization")
    now = now or utcnow()
    try:
        sponsors.check_plan(codes, open_code)
        order = checkout._start(session, settings, req, now)  # noqa: SLF001 (the same start, plus the pool)
        sponsors.plan_pool(session, order, sponsor_name=sponsor_name, codes=codes, open_code=open_code)
    except (orders.OrderError, ledger.LedgerError, sponsors.SponsorError):
        session.rollback()
        raise
    session.commit()
    return order


def redeem(session: Session, settings: checkout.Settings, event: Event, participant: Participant, code: str | None,
           q: checkout.Quote, *, display_name: str | None = None, organization: str | None = None,
           show_on_board: bool = False, language: str = "en", now: dt.datetime | None = None) -> Order:
    """An attendee's footprint (the page's quote) neutralized from a sponsor's pool with the code they typed:
    a paid visitor order with its certificate, committed. Raises SponsorError or OrderError after a
    rollback (a bad, used or expired code, or a pool used up, changes nothing)."""
    now = now or utcnow()
    if q.event_id != event.id:
        raise ValueError("a quote for another event")
    try:
        if q.error is not None:
            raise orders.OrderError(q.error.message, f"footprint.{q.error.field}")
        sponsors.find_code(session, event, code)  # a bad code says so before anything else
        if q.nothing_to_buy or not q.kg:
            raise checkout.NothingToBuy("This footprint is zero: nothing to neutralize.", "footprint")
        saved = None
        if q.result is not None:
            saved = checkout.save_footprint(session, q.result, q.inputs or {}, participant.id, event.id)
        order = sponsors.redeem(session, event, participant, code, sponsors.Redemption(
            kg=q.kg, footprint=saved, display_name=display_name, organization=organization,
            show_on_board=show_on_board, language=language), max_kg=settings.visitor_max_kg, now=now)
    except (orders.OrderError, ledger.LedgerError, sponsors.SponsorError):
        session.rollback()
        raise
    session.commit()
    checkout.store_certificate_images(session, settings, order)
    return order


def keep_balance(session: Session, settings: checkout.Settings, pool_id: int, now: dt.datetime | None = None) -> Order:
    """The sponsor keeps its pool's unused credits as its own neutralization (its own certificate); committed."""
    try:
        order = sponsors.keep_unused(session, pool_id, now or utcnow())
    except (sponsors.SponsorError, ledger.LedgerError):
        session.rollback()
        raise
    session.commit()
    checkout.store_certificate_images(session, settings, order)
    return order


def refund_balance(session: Session, settings: checkout.Settings, pool_id: int,
                           now: dt.datetime | None = None) -> SponsorPool:
    """Give the sponsor back the unused share of its payment through its provider, only that part.

    The pool is closed and its unused credits released first (committed), so no redemption can take
    credits whose money is going back; then the provider refunds. If the provider fails, the pool stays
    closed with no `refund_ref`: listed for a refund by hand (never a second release of credits)."""
    pool = session.get(SponsorPool, pool_id)
    if pool is None:
        raise sponsors.SponsorError("No such sponsor pool.", "pool", "sponsor_pool_unknown")
    try:
        provider = checkout.provider_of(settings, pool.order)
    except payments.Unavailable as exc:
        raise sponsors.SponsorError("This server cannot refund that payment's provider; keep the balance instead.",
                                    "pool", "sponsor_refund_unavailable") from exc
    try:
        due = sponsors.close_for_refund(session, pool_id, now or utcnow())
    except (sponsors.SponsorError, ledger.LedgerError):
        session.rollback()
        raise
    charge = replace(checkout.charge_of(pool.order), refund_minor=due.amount_minor)
    session.commit()
    try:
        refund_ref = provider.refund(settings.payment_config, charge, None)
    except payments.PaymentError:
        log.exception("Refund of sponsor pool %s failed; it stays closed with its refund due", pool_id)
        return session.get(SponsorPool, pool_id)  # type: ignore[return-value]
    pool = session.get(SponsorPool, pool_id)
    assert pool is not None
    pool.refund_ref = refund_ref
    session.commit()
    return pool

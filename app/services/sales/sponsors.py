"""Sponsored attendees: a sponsor prepays credits for an event's attendees; they redeem codes.

The sponsor's order (kind "sponsor") goes through the normal checkout and hold rules. When it is
paid it retires nothing: its credits stay held in its `SponsorPool` (ledger.stock counts the pool's
`remaining_kg` as held, so they are never sold to anyone else), and the payment brings codes,
single-use or one open code with a cap. Each redemption is a visitor order of its own (amount 0,
`sponsor_pool_id` set) that retires its part of the pool as serial ranges and gets its own
certificate and register leaf ("sponsored by X"). What is left can be kept (one "sponsor_own" order
retiring the rest, with the sponsor's own certificate) or refunded (the unused share of the payment,
through the provider; the credits go back to the project). So every kilogram the pool paid for is
retired exactly once, by exactly one certificate, or released and refunded: the register never
counts a kilogram twice, and the sponsor's order carries the money and no kilogram of the register.

The pool never goes below zero: redemptions take the project's row lock and lower the pool with a
conditional UPDATE (`remaining_kg >= need`), backed by a CHECK; a code's uses likewise.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from ...models import Certificate, Event, Footprint, Order, OwnerSplit, Participant, SponsorCode, SponsorPool
from ..errors import DomainError
from . import ledger, orders

# No 0/O, 1/I/L: read off a printed card. 12 characters of 31 = 59 bits from `secrets`.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 12
MAX_CODES = 500  # single-use codes per purchase (a page of cards each); an open code's cap may be larger
MAX_OPEN_CAP = 100_000


class SponsorError(DomainError):
    """A refusal an attendee or organizer can act on; `field` is the form field."""


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize(text: str | None) -> str:
    """What a person typed (any case, spaces or dashes) as stored."""
    return "".join(ch for ch in (text or "").upper() if ch.isalnum())[:64]


def printed(code: str) -> str:
    """XXXX-XXXX-XXXX, as on the cards."""
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def check_plan(codes: int | None, open_code: bool) -> int:
    limit = MAX_OPEN_CAP if open_code else MAX_CODES
    if not isinstance(codes, int) or isinstance(codes, bool) or codes < 1 or codes > limit:
        raise SponsorError(f"Choose between 1 and {limit:,} codes.", "codes", "sponsor_codes_range", n=f"{limit:,}")
    return codes


def plan_pool(session: Session, order: Order, *, sponsor_name: str, codes: int, open_code: bool) -> SponsorPool:
    """The pending pool of a sponsor order just started (same transaction); it opens at payment."""
    name = orders.clean_name(sponsor_name, orders.ORGANIZATION_MAX, "sponsor_name")
    if not name:
        raise SponsorError("Enter the sponsor's name: attendees' certificates show it.", "sponsor_name",
                           "sponsor_name_missing")
    pool = SponsorPool(order_id=order.id, event_id=order.event_id, project_id=order.project_id,
                       sponsor_name=name, total_kg=order.credits_kg, remaining_kg=0,
                       codes_planned=check_plan(codes, open_code), open_code=bool(open_code), status="pending")
    session.add(pool)
    session.flush()
    return pool


def pool_of(session: Session, order: Order) -> SponsorPool | None:
    return session.execute(select(SponsorPool).where(SponsorPool.order_id == order.id)).scalar_one_or_none()


def open_pool(session: Session, order: Order, now: dt.datetime, payment_fee_minor: int | None = None) -> SponsorPool:
    """The sponsor's payment (orders.fulfil): paid, its credits held in the pool, its codes made; once."""
    # keep_for_pool: the lock; SoldOut for a lapsed hold whose credits are gone; False once paid
    if ledger.keep_for_pool(session, order, now) and payment_fee_minor is not None:
        order.payment_fee_minor = payment_fee_minor
    pool = pool_of(session, order)
    if pool is None:
        raise ValueError(f"sponsor order {order.public_id} has no pool")
    if pool.status == "pending":
        pool.status = "open"
        pool.remaining_kg = pool.total_kg
        made = 1 if pool.open_code else pool.codes_planned
        for _ in range(made):
            session.add(SponsorCode(pool_id=pool.id, code=new_code(),
                                    max_uses=pool.codes_planned if pool.open_code else 1, uses=0))
        session.flush()
    return pool


@dataclass(frozen=True)
class Redemption:
    kg: int  # whole kg to neutralize (checkout.kg_to_buy of the footprint)
    footprint: Footprint | None
    display_name: str | None = None
    organization: str | None = None
    show_on_board: bool = False
    language: str = "en"


def code_row(session: Session, text: str | None) -> SponsorCode | None:
    code = normalize(text)
    return session.execute(select(SponsorCode).where(SponsorCode.code == code)).scalar_one_or_none() if code else None


def find_code(session: Session, event: Event, text: str | None) -> SponsorCode:
    """The code as typed, valid for this event now; a friendly SponsorError (nothing changes) otherwise."""
    row = code_row(session, text)
    if row is None or row.pool.event_id != event.id or row.pool.status == "pending":
        raise SponsorError("That sponsor code is not valid for this event. Check it and try again.",
                           "sponsor_code", "sponsor_code_unknown")
    if row.pool.status != "open" or event.status != "live":
        raise SponsorError("That sponsor code has expired: the sponsor's offer has ended.", "sponsor_code",
                           "sponsor_code_expired")
    if row.uses >= row.max_uses:
        raise SponsorError("That sponsor code has already been used.", "sponsor_code", "sponsor_code_used")
    return row


def redeem(session: Session, event: Event, participant: Participant, text: str | None, what: Redemption, *,
           max_kg: int, now: dt.datetime) -> Order:
    """Neutralize the attendee's footprint from the sponsor's pool: a paid visitor order with its own
    certificate and board line, no payment. Raises SponsorError (nothing changed; the caller rolls back)."""
    row = find_code(session, event, text)
    pool = row.pool
    if not isinstance(what.kg, int) or what.kg <= 0:
        raise SponsorError("This footprint is zero: nothing to neutralize.", "footprint", "nothing_to_buy")
    if what.kg > max_kg:
        raise SponsorError(f"One personal order can neutralize at most {max_kg:,} kg.", "footprint",
                           "order_too_large")
    name = orders.clean_name(what.display_name, orders.NAME_MAX, "display_name")
    org = orders.clean_name(what.organization, orders.ORGANIZATION_MAX, "organization")
    sponsor = pool.order
    ledger.lock_project(session, pool.project_id)  # every redemption of the project's pools in turn
    again = session.execute(select(Order.id).where(Order.sponsor_pool_id == pool.id, Order.kind == "visitor",
                                                   Order.participant_id == participant.id)).first()
    if again is not None:  # one footprint per attendee: nobody drains an open code alone
        raise SponsorError("You have already used this sponsor's offer for your footprint.", "sponsor_code",
                           "sponsor_code_once")
    used = cast(CursorResult[Any], session.execute(
        update(SponsorCode).where(SponsorCode.id == row.id, SponsorCode.uses < SponsorCode.max_uses)
        .values(uses=SponsorCode.uses + 1).execution_options(synchronize_session=False)
    )).rowcount
    if used != 1:
        raise SponsorError("That sponsor code has already been used.", "sponsor_code", "sponsor_code_used")
    order = _child(pool, sponsor, participant=participant, kind="visitor", kg=what.kg, now=now,
                   footprint_id=what.footprint.id if what.footprint else None, display_name=name,
                   organization=org, show_on_board=what.show_on_board, language=what.language)
    try:
        ledger.retire_from_pool(session, pool, order, now)
    except ledger.PoolExhausted as exc:  # the caller rolls back: the code's use is undone too
        raise SponsorError("The sponsor's codes for this event are all used up. You can still neutralize "
                           "your footprint yourself below.", "sponsor_code", "sponsor_pool_used_up") from exc
    orders.issue_certificate(session, order, now)
    return order


def _child(pool: SponsorPool, sponsor: Order, *, participant: Participant, kind: str, kg: int, now: dt.datetime,
           **fields) -> Order:
    return Order(public_id=orders.new_public_id(), event_id=pool.event_id, project_id=pool.project_id,
                 participant_id=participant.id, kg=kg, credits_kg=kg, amount_minor=0, currency=sponsor.currency,
                 owner_minor=0, platform_fee_minor=0, provider=sponsor.provider, kind=kind,
                 organization_id=sponsor.organization_id if kind == "sponsor_own" else None,
                 sponsor_pool_id=pool.id, status="pending", holds_credits=False, hold_expires_at=now,
                 created_at=now, **fields)


def _lock_open(session: Session, pool_id: int) -> SponsorPool:
    pool = session.get(SponsorPool, pool_id)
    if pool is None:
        raise SponsorError("No such sponsor pool.", "pool", "sponsor_pool_unknown")
    ledger.lock_project(session, pool.project_id)
    session.refresh(pool)
    if pool.status != "open" or pool.remaining_kg <= 0:
        raise SponsorError("Nothing is left in this sponsor's pool.", "pool", "sponsor_pool_empty")
    return pool


def keep_unused(session: Session, pool_id: int, now: dt.datetime) -> Order:
    """The sponsor keeps what is left as its own neutralization: one "sponsor_own" order retiring the
    rest, with the sponsor's own certificate; the pool closes (its codes stop working)."""
    pool = _lock_open(session, pool_id)
    sponsor = pool.order
    order = _child(pool, sponsor, participant=sponsor.participant, kind="sponsor_own", kg=pool.remaining_kg,
                   now=now, display_name=pool.sponsor_name[: orders.NAME_MAX], organization="",
                   show_on_board=False, language=sponsor.language)
    ledger.retire_from_pool(session, pool, order, now)
    pool.status = "closed"
    orders.issue_certificate(session, order, now)
    return order


@dataclass(frozen=True)
class Refund:
    """What to give back (the unused share of the payment), computed and recorded under the lock."""

    pool_id: int
    kg: int
    amount_minor: int


def close_for_refund(session: Session, pool_id: int, now: dt.datetime) -> Refund:
    """Close the pool and release its unused credits back to the project, recording the refund due:
    the unused share of the payment, rounded down (never more than the unused part), taken from the
    owner's share and the fee in proportion. The caller commits, then asks the provider (`record_refund`).
    Refused once the owner's share was split off at the provider (keep the balance instead)."""
    pool = _lock_open(session, pool_id)
    sponsor = pool.order
    split = session.execute(select(OwnerSplit).where(OwnerSplit.order_id == sponsor.id,
                                                     OwnerSplit.status.in_(("pending", "done")))).first()
    if split is not None:
        raise SponsorError("The project owner's share of this payment was already paid out: keep the balance "
                           "as the sponsor's own neutralization instead.", "pool", "sponsor_refund_split")
    unused = pool.remaining_kg
    amount = sponsor.amount_minor * unused // pool.total_kg
    if amount <= 0:
        raise SponsorError("The unused balance is worth less than the smallest refund: keep it instead.",
                           "pool", "sponsor_refund_too_small")
    fee_back = sponsor.platform_fee_minor * unused // pool.total_kg
    owner_back = min(amount - fee_back, sponsor.owner_minor)
    sponsor.platform_fee_minor -= amount - owner_back
    sponsor.owner_minor -= owner_back
    done = cast(CursorResult[Any], session.execute(
        update(SponsorPool).where(SponsorPool.id == pool.id, SponsorPool.remaining_kg == unused)
        .values(remaining_kg=0, refunded_minor=amount, status="closed")
        .execution_options(synchronize_session=False)
    )).rowcount
    if done != 1:  # cannot happen under the project's lock
        raise SponsorError("The pool changed meanwhile; try again.", "pool", "sponsor_pool_changed")
    session.refresh(pool)
    return Refund(pool_id=pool.id, kg=unused, amount_minor=amount)


def sponsored_kg(session: Session, event: Event) -> Decimal:
    """Kilograms retired from the event's sponsor pools: attendees' redemptions and kept balances.

    A partition with the rest: redemptions are visitor orders, but `dashboard.summary` counts
    visitor kg without them and operations kg without the sponsors' own, so visitors +
    operations + sponsored adds every retired kilogram of the event exactly once."""
    total = session.execute(
        select(func.coalesce(func.sum(Order.credits_kg), 0))
        .where(Order.event_id == event.id, Order.status == "paid", Order.sponsor_pool_id.is_not(None))
    ).scalar_one()
    return Decimal(int(total))


@dataclass(frozen=True)
class PoolReport:
    pool: SponsorPool
    redeemed_kg: int
    redemptions: int
    kept_certificate: Certificate | None

    @property
    def kept_kg(self) -> int:
        return self.kept_certificate.order.credits_kg if self.kept_certificate else 0

    @property
    def refunded_kg(self) -> int:
        """What was given back: the rest of a pool closed with a refund."""
        return self.pool.total_kg - self.redeemed_kg - self.kept_kg if self.pool.refunded_minor else 0


def pools_of_event(session: Session, event_id: int) -> list[PoolReport]:
    """Every paid sponsor pool of the event, newest first, with what was redeemed."""
    pools = session.execute(select(SponsorPool).where(SponsorPool.event_id == event_id,
                                                      SponsorPool.status != "pending")
                            .order_by(SponsorPool.id.desc())).scalars().all()
    out = []
    for pool in pools:
        kg, count = session.execute(
            select(func.coalesce(func.sum(Order.credits_kg), 0), func.count())
            .where(Order.sponsor_pool_id == pool.id, Order.status == "paid", Order.kind == "visitor")).one()
        kept = session.execute(
            select(Certificate).join(Order, Order.id == Certificate.order_id)
            .where(Order.sponsor_pool_id == pool.id, Order.kind == "sponsor_own")).scalar_one_or_none()
        out.append(PoolReport(pool, int(kg), int(count), kept))
    return out


def refunds_to_make_by_hand(session: Session) -> list[SponsorPool]:
    """Pools closed for a refund whose provider refund failed: their unused share is owed to the sponsor."""
    return list(session.execute(select(SponsorPool).where(SponsorPool.refunded_minor > 0,
                                                          SponsorPool.refund_ref.is_(None))
                                .order_by(SponsorPool.id)).scalars())

"""The credit ledger: holds, retirements and serial ranges.

Rules (each backed by a database constraint as well as by this code):
- credits left = issued - retired - held, where "held" is the credits_kg of pending
  orders that hold credits and whose hold has not expired (so an expired hold
  frees itself on read);
- the hold pool: all of a project's holds together stay within `pool_percent` of
  its unretired credits (at least one minimum payment's worth), so unpaid
  checkouts, however many and from wherever, never keep the rest from being
  offered. An order that does not fit is still payable but holds nothing
  (`holds_credits` false): it retires at payment if the credits are still free,
  and is refunded otherwise (the same path as a payment after a lapsed hold);
- one buyer (a participant: a browser, or an organization's account) holds at
  most `share_percent` of a project at once, whatever address it comes from;
- every change of a project's credits happens while holding that project's row
  lock (PostgreSQL `SELECT ... FOR UPDATE`; on SQLite every transaction begins
  IMMEDIATE, see app/__init__.py), so no interleaving can oversell;
- a sponsor's pool (a paid "sponsor" order, app/services/sales/sponsors.py) holds its
  `remaining_kg` until redeemed, kept or refunded: it counts as held, like a pending hold;
- a paid order retires exactly its credits_kg (what its payment buys) as
  contiguous serial ranges, taken in order from the project's oldest batches; a batch's `retired_kg` is the
  offset of its next free serial, and `retired_kg <= quantity` is a CHECK.

Takes the SQLAlchemy session; never commits (the caller owns the transaction).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from ...models import CreditBatch, Order, Project, Retirement, SponsorPool
from ..errors import DomainError


class LedgerError(DomainError):
    """A ledger rule refused the request; `code` is stable for the API."""

    code = "ledger_error"

    def __init__(self, message: str):
        super().__init__(message)


class SoldOut(LedgerError):
    code = "sold_out"

    def __init__(self, message: str, available_kg: int):
        super().__init__(message)
        self.available_kg = available_kg


class NotPayable(LedgerError):
    code = "not_payable"


class HoldShareExceeded(LedgerError):
    """One client (a browser, or an API client address) holds too much of a project at once."""

    code = "hold_share_exceeded"

    def __init__(self, message: str, held_kg: int, limit_kg: int):
        super().__init__(message)
        self.held_kg = held_kg
        self.limit_kg = limit_kg


@dataclass(frozen=True)
class Stock:
    issued_kg: int
    retired_kg: int
    held_kg: int

    @property
    def left_kg(self) -> int:
        return self.issued_kg - self.retired_kg - self.held_kg


def share_limit_kg(st: Stock, share_percent: int, floor_kg: int) -> int:
    """The most one client may hold of a project at once: a share of its unretired credits, at least `floor_kg`."""
    return max((st.issued_kg - st.retired_kg) * share_percent // 100, floor_kg)


def lock_project(session: Session, project_id: int) -> Project:
    """Take the project's row lock: every ledger write for a project starts here."""
    project = session.execute(
        select(Project).where(Project.id == project_id).with_for_update()
    ).scalar_one_or_none()
    if project is None:
        raise LedgerError("That project does not exist.")
    return project


def stock(session: Session, project_ids: list[int], now: dt.datetime) -> dict[int, Stock]:
    """Issued, retired and held kg per project, in two grouped queries."""
    issued = dict.fromkeys(project_ids, (0, 0))
    for pid, qty, retired in session.execute(
        select(CreditBatch.project_id, func.sum(CreditBatch.quantity), func.sum(CreditBatch.retired_kg))
        .where(CreditBatch.project_id.in_(project_ids))
        .group_by(CreditBatch.project_id)
    ):
        issued[pid] = (int(qty or 0), int(retired or 0))
    held = dict(
        session.execute(
            select(Order.project_id, func.sum(Order.credits_kg))
            .where(
                Order.project_id.in_(project_ids),
                Order.status == "pending",
                Order.holds_credits.is_(True),
                Order.hold_expires_at > now,
            )
            .group_by(Order.project_id)
        ).all()
    )
    pools = dict(
        session.execute(
            select(SponsorPool.project_id, func.sum(SponsorPool.remaining_kg))
            .where(SponsorPool.project_id.in_(project_ids), SponsorPool.remaining_kg > 0)
            .group_by(SponsorPool.project_id)
        ).all()
    )
    return {pid: Stock(issued[pid][0], issued[pid][1], int(held.get(pid) or 0) + int(pools.get(pid) or 0))
            for pid in project_ids}


def pool_limit_kg(st: Stock, pool_percent: int, floor_kg: int) -> int:
    """The most all unpaid checkouts together may hold of a project: a share of its unretired credits."""
    return max((st.issued_kg - st.retired_kg) * pool_percent // 100, floor_kg)


def participant_held_kg(session: Session, project_id: int, now: dt.datetime, participant_id: int) -> int:
    """Credits of a project held right now by one participant (every address it came from)."""
    return int(session.execute(
        select(func.coalesce(func.sum(Order.credits_kg), 0)).where(
            Order.project_id == project_id, Order.participant_id == participant_id, Order.status == "pending",
            Order.holds_credits.is_(True), Order.hold_expires_at > now)
    ).scalar_one())


def _fits_pool(st: Stock, kg: int, pool_percent: int | None, floor_kg: int) -> bool:
    return pool_percent is None or st.held_kg + kg <= pool_limit_kg(st, pool_percent, floor_kg)


def hold(session: Session, order: Order, now: dt.datetime, hold_minutes: int,
         share_percent: int | None = None, share_floor_kg: int = 0, pool_percent: int | None = None) -> None:
    """Make `order` payable for `hold_minutes`, holding its credits_kg when the pool has room; add it.

    With `share_percent`, the order's participant may hold at most that percent
    of the project's unretired credits at once, or `share_floor_kg` if that is
    more (so a small project still sells). With `pool_percent`, every hold on the
    project together stays within that percent (at least `share_floor_kg`); an
    order past it is payable without a hold. Raises SoldOut or
    HoldShareExceeded (and adds nothing).
    """
    if order.credits_kg is None:
        order.credits_kg = order.kg
    lock_project(session, order.project_id)
    st = stock(session, [order.project_id], now)[order.project_id]
    left = st.left_kg
    if order.credits_kg > left:
        raise SoldOut(
            f"Only {max(left, 0)} kg of credits are left in this project.", available_kg=max(left, 0)
        )
    if share_percent is not None:
        limit = share_limit_kg(st, share_percent, share_floor_kg)
        held = participant_held_kg(session, order.project_id, now, order.participant_id)
        if held + order.credits_kg > limit:
            raise HoldShareExceeded(
                f"One buyer may hold at most {limit:,} kg of this project at once; you hold {held:,} kg. "
                "Pay for your checkout, choose another project, or wait a few minutes.",
                held_kg=held, limit_kg=limit)
    order.status = "pending"
    order.holds_credits = _fits_pool(st, order.credits_kg, pool_percent, share_floor_kg)
    order.hold_expires_at = now + dt.timedelta(minutes=hold_minutes)
    session.add(order)
    session.flush()


def extend_hold(session: Session, order: Order, until: dt.datetime, now: dt.datetime,
                pool_percent: int | None = None, floor_kg: int = 0) -> None:
    """Keep a pending order payable until `until` (a payment session's life).

    A hold that lapsed meanwhile is taken again only if the credits are still
    free (extending must never revive credits that someone else now holds) and
    the pool has room; otherwise the order stays payable without a hold.
    """
    lock_project(session, order.project_id)
    session.refresh(order)
    if order.status != "pending":
        raise NotPayable(f"Order is {order.status}.")
    if not (order.holds_credits and order.hold_expires_at > now):
        st = stock(session, [order.project_id], now)[order.project_id]
        if order.credits_kg > st.left_kg:
            raise SoldOut("The credits held for this checkout were released and are gone.", max(st.left_kg, 0))
        order.holds_credits = _fits_pool(st, order.credits_kg, pool_percent, floor_kg)
    order.hold_expires_at = max(order.hold_expires_at, until)
    session.flush()


def _claim_payment(session: Session, order: Order, now: dt.datetime) -> bool:
    """Under the project's lock: False if the order is already paid; raises NotPayable, or SoldOut
    when its hold lapsed and the credits are gone."""
    lock_project(session, order.project_id)
    session.refresh(order)  # another transaction may have paid it while we waited
    if order.status == "paid":
        return False
    if order.status not in ("pending", "expired", "failed", "cancelled"):
        raise NotPayable(f"Order is {order.status}.")
    held_by_me = order.status == "pending" and order.holds_credits and order.hold_expires_at > now
    if not held_by_me:
        left = stock(session, [order.project_id], now)[order.project_id].left_kg
        if order.credits_kg > left:
            raise SoldOut("The credits held for this payment were released and are gone.", max(left, 0))
    return True


def retire(session: Session, order: Order, now: dt.datetime) -> list[Retirement]:
    """Retire the order's credits_kg as serial ranges and mark it paid.

    A pending order retires from its own hold. A payment for an order that holds
    nothing (its hold lapsed, or the pool was full) still retires if the credits
    are free; otherwise it raises SoldOut and the payment must be refunded
    (never a double sale).
    """
    if not _claim_payment(session, order, now):
        return list(order.retirements)
    return _take_serials(session, order, now)


def keep_for_pool(session: Session, order: Order, now: dt.datetime) -> bool:
    """A sponsor's payment: mark it paid without retiring anything; the caller adds its SponsorPool
    (in the same transaction, under the same lock), whose remaining kg stay held. False when already
    paid; raises like `retire`."""
    if not _claim_payment(session, order, now):
        return False
    order.status = "paid"
    order.paid_at = now
    session.flush()
    return True


def retire_from_pool(session: Session, pool: SponsorPool, order: Order, now: dt.datetime) -> list[Retirement]:
    """Retire `order` (paid from the pool: a redemption or a kept balance) out of the pool's held credits.

    The pool's remaining kg drop by a conditional UPDATE (`remaining_kg >= need`), under the
    project's row lock: however many redeem at once, the pool never goes below zero. Raises
    PoolExhausted (nothing changed) when it does not hold enough.
    """
    lock_project(session, order.project_id)
    need = order.credits_kg
    done = cast(CursorResult[Any], session.execute(
        update(SponsorPool).where(SponsorPool.id == pool.id, SponsorPool.status == "open",
                                  SponsorPool.remaining_kg >= need)
        .values(remaining_kg=SponsorPool.remaining_kg - need)
        .execution_options(synchronize_session=False)
    )).rowcount
    if done != 1:
        session.refresh(pool)
        raise PoolExhausted(pool.remaining_kg if pool.status == "open" else 0)
    session.refresh(pool)
    session.add(order)
    return _take_serials(session, order, now)


class PoolExhausted(LedgerError):
    code = "sponsor_pool_used_up"

    def __init__(self, remaining_kg: int):
        super().__init__("The sponsor's pool does not hold enough credits for this footprint.")
        self.remaining_kg = remaining_kg


def _take_serials(session: Session, order: Order, now: dt.datetime) -> list[Retirement]:
    """Retire the order's credits_kg from the project's oldest batches and mark it paid (lock held)."""
    batches = session.execute(
        select(CreditBatch)
        .where(CreditBatch.project_id == order.project_id, CreditBatch.retired_kg < CreditBatch.quantity)
        .order_by(CreditBatch.id)
        .with_for_update()
    ).scalars()
    need = order.credits_kg
    made: list[Retirement] = []
    for batch in batches:
        take = min(need, batch.quantity - batch.retired_kg)
        first = batch.first_serial + batch.retired_kg
        batch.retired_kg += take
        made.append(
            Retirement(order=order, batch=batch, first_serial=first, last_serial=first + take - 1, created_at=now)
        )
        need -= take
        if need == 0:
            break
    if need:
        # Holds guarantee supply; reaching this means the data was edited by hand.
        raise SoldOut("Not enough credits were issued for this order.", order.credits_kg - need)
    session.add_all(made)
    order.status = "paid"
    order.paid_at = now
    session.flush()
    return made


def release(session: Session, order: Order, status: str) -> bool:
    """End a pending order's hold as failed, cancelled or expired.

    Returns False (and changes nothing) for an order that is not pending, so a
    late failure never undoes a payment.
    """
    if status not in ("failed", "cancelled", "expired"):
        raise ValueError(status)
    lock_project(session, order.project_id)
    session.refresh(order)
    if order.status != "pending":
        return False
    order.status = status
    session.flush()
    return True


def expire_stale(session: Session, now: dt.datetime) -> int:
    """Mark lapsed holds expired (they already count as free); returns how many."""
    stale = session.execute(
        select(Order).where(Order.status == "pending", Order.hold_expires_at <= now)
    ).scalars().all()
    for order in stale:
        release(session, order, "expired")
    return len(stale)


def add_batch(session: Session, project: Project, *, serial_prefix: str, first_serial: int, quantity: int,
              vintage: int | None = None) -> CreditBatch:
    """Issue a batch of credits, refusing a serial range that overlaps another batch's."""
    if quantity <= 0 or first_serial < 0:
        raise LedgerError("A batch needs a positive quantity and a non-negative first serial.")
    last = first_serial + quantity - 1
    clash = session.execute(
        select(CreditBatch).where(
            CreditBatch.serial_prefix == serial_prefix,
            CreditBatch.first_serial <= last,
            CreditBatch.first_serial + CreditBatch.quantity - 1 >= first_serial,
        )
    ).scalars().first()
    if clash is not None:
        raise LedgerError(
            f"Serials {format_serial(serial_prefix, first_serial)}..{format_serial(serial_prefix, last)} overlap "
            f"batch {clash.id} ({format_serial(clash.serial_prefix, clash.first_serial)}.."
            f"{format_serial(clash.serial_prefix, clash.first_serial + clash.quantity - 1)})."
        )
    batch = CreditBatch(project_id=project.id, vintage=vintage or project.vintage, serial_prefix=serial_prefix,
                        first_serial=first_serial, quantity=quantity)
    session.add(batch)
    session.flush()
    return batch


def format_serial(prefix: str, serial: int) -> str:
    """A serial as printed on certificates, e.g. CDCER-2021-0000120501."""
    return f"{prefix}-{serial:010d}"

"""The kiosk's handoff: the kiosk starts the order, the visitor's phone pays it (or a wallet's code
on the kiosk's screen does)."""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass, replace
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from ...models import Order, Participant, utcnow
from . import ledger, orders, paying
from .checkout import OrderRequest, Settings, payable, read_again, start


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


def cancel_at_kiosk(session: Session, settings: Settings, order: Order, now: dt.datetime | None = None) -> bool:
    """The kiosk's "Cancel": end an order no phone has claimed, closing its open wallet payment at the
    provider first (a code already scanned and paid settles the order instead), and release its held
    credits at once rather than when the hold lapses; committed. False (nothing changes) when the order
    is paid, over, or a phone has it: that phone may be paying, and its hold lapses on its own."""
    if order.status != "pending" or order.handoff_claimed_at is not None:
        return False
    if not paying.close_payment(session, settings, order):
        return False
    order = read_again(session, order.public_id)
    ledger.lock_project(session, order.project_id)
    session.refresh(order)
    if order.handoff_claimed_at is not None or order.status != "pending":
        session.commit()
        return False
    released = orders.settle(session, order, "cancelled", now=now or utcnow()) == "cancelled"
    session.commit()
    return released


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

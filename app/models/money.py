"""Models of money beyond the order itself: what a payment provider was asked (PaymentAttempt), the
owners' payout accounts and splits at the provider, and sponsors' prepaid pools with their codes.
Re-exported by `app.models`; import them from there."""
from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .base import utcnow

if TYPE_CHECKING:
    from . import Order, ProjectOwner


class PayoutAccount(db.Model):
    """A project owner's account at a payment provider: the owner's share of every payment taken
    through that provider is split off to it at payment time (app/services/sales/splits.py).
    Registered with the provider when it is added; an owner without one is paid by hand (Payout)."""

    __tablename__ = "payout_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("project_owner.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))  # MERCHANT_ID, PERSONAL_OPENID, userId, loginName, account
    account: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(120), default="")
    added_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    owner: Mapped[ProjectOwner] = relationship()

    __table_args__ = (UniqueConstraint("owner_id", "provider", name="uq_payout_account_owner_provider"),)


SPLIT_STATUSES = ("pending", "done", "failed", "returned", "cancelled")


class OwnerSplit(db.Model):
    """One paid order's owner share, sent by the provider that took the payment to the owner's
    payout account: one per order, keyed by the order at the provider (split_no). The row is the
    truth; the job queue only nudges it (a sweep finds every pending row that is due)."""

    __tablename__ = "owner_split"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("payout_account.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    split_no: Mapped[str] = mapped_column(String(64), unique=True)
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    split_ref: Mapped[str | None] = mapped_column(String(120))  # the provider's split id
    return_ref: Mapped[str | None] = mapped_column(String(120))  # the provider's return id, when returned
    attempts: Mapped[int] = mapped_column(default=0)
    next_try_at: Mapped[dt.datetime] = mapped_column(default=utcnow, index=True)
    last_error: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)
    done_at: Mapped[dt.datetime | None]
    returned_at: Mapped[dt.datetime | None]

    order: Mapped[Order] = relationship()
    account: Mapped[PayoutAccount] = relationship()

    __table_args__ = (
        CheckConstraint("amount_minor > 0", name="owner_split_amount_positive"),
        CheckConstraint(f"status IN {SPLIT_STATUSES!r}", name="owner_split_status"),
    )


class SponsorPool(db.Model):
    """A sponsor's prepaid kilograms for an event's attendees, held until redeemed, kept or refunded (sponsors.py)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(unique=True)  # the sponsor's order (no FK: orders point here, no cycle)
    event_id: Mapped[int] = mapped_column(ForeignKey("event.id"), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    sponsor_name: Mapped[str] = mapped_column(String(80))
    total_kg: Mapped[int] = mapped_column(BigInteger)
    remaining_kg: Mapped[int] = mapped_column(BigInteger)  # only ever lowered by a conditional UPDATE
    refunded_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    refund_ref: Mapped[str | None] = mapped_column(String(255))
    codes_planned: Mapped[int] = mapped_column()  # single-use codes, or the open code's cap
    open_code: Mapped[bool] = mapped_column(default=False)
    status: Mapped[str] = mapped_column(String(10), default="pending", server_default="pending")  # open: codes work
    order: Mapped[Order] = relationship(primaryjoin="foreign(SponsorPool.order_id) == Order.id", viewonly=True)
    codes: Mapped[list[SponsorCode]] = relationship(back_populates="pool", order_by="SponsorCode.id")
    __table_args__ = (CheckConstraint("remaining_kg >= 0 AND remaining_kg <= total_kg", name="sponsor_pool_remaining"),
                      CheckConstraint("status IN ('pending', 'open', 'closed')", name="sponsor_pool_status"))


class SponsorCode(db.Model):
    """A code for the calculator, used up to max_uses times; kept in clear, as cards are printed again."""
    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(ForeignKey("sponsor_pool.id"), index=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    max_uses: Mapped[int] = mapped_column()
    uses: Mapped[int] = mapped_column(default=0, server_default="0")
    pool: Mapped[SponsorPool] = relationship(back_populates="codes")
    __table_args__ = (CheckConstraint("uses >= 0 AND uses <= max_uses", name="sponsor_code_uses"),)


class PaymentAttempt(db.Model):
    """Every payment opened for an order (a payer may switch wallets, closing the last one), so a
    payment made through one the order has left is still recognised: it pays the order if it is
    still waiting, and is refunded through its provider otherwise (app/services/sales/checkout.py)."""

    __tablename__ = "payment_attempt"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    provider: Mapped[str] = mapped_column(String(20))
    reference: Mapped[str] = mapped_column(String(255), unique=True)  # the provider's (or our) payment number
    refund_ref: Mapped[str | None] = mapped_column(String(255))  # a payment made after the order was settled
    created_at: Mapped[dt.datetime] = mapped_column(default=utcnow)

    order: Mapped[Order] = relationship()

"""What each project owner is owed: paid orders, kilograms retired, the owner's
share, and what has been paid out, per currency. Sums over indexed columns;
nothing here is stored twice."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from ...models import Order, OwnerSplit, Payout, Project, ProjectOwner, SponsorPool
from . import splits


@dataclass(frozen=True)
class Line:
    project_id: int
    project_name: str
    currency: str
    orders: int
    kg: int
    gross_minor: int
    owed_minor: int
    project: Project | None = field(default=None, compare=False)  # to name it in the reader's language


@dataclass(frozen=True)
class Statement:
    """`paid_out` counts transfers recorded by hand and splits the providers made; `on_the_way` the
    splits still being sent. The balance (still owed) leaves out both, so nobody pays by hand what a
    provider is already sending."""

    owner: ProjectOwner
    lines: tuple[Line, ...]
    paid_out: dict[str, int]
    on_the_way: dict[str, int] = field(default_factory=dict)
    by_hand: dict[str, int] = field(default_factory=dict)
    splits: tuple[OwnerSplit, ...] = ()  # the latest, with the providers' ids

    def owed(self, currency: str) -> int:
        return sum(line.owed_minor for line in self.lines if line.currency == currency)

    def balance(self, currency: str) -> int:
        return self.owed(currency) - self.paid_out.get(currency, 0) - self.on_the_way.get(currency, 0)

    @property
    def currencies(self) -> list[str]:
        return sorted({line.currency for line in self.lines} | set(self.paid_out))


def statement(session: Session, owner: ProjectOwner) -> Statement:
    rows = session.execute(
        select(
            Project.id, Project.name, Project.currency,
            func.count(Order.id),
            # A sponsor's pool retires nothing itself: its kg count where they are retired (redemptions, kept).
            func.coalesce(func.sum(case((Order.kind == "sponsor", 0), else_=Order.credits_kg)), 0),
            func.coalesce(func.sum(Order.amount_minor), 0), func.coalesce(func.sum(Order.owner_minor), 0),
        )
        .select_from(Project)
        .outerjoin(Order, (Order.project_id == Project.id) & (Order.status == "paid"))
        .where(Project.owner_id == owner.id)
        .group_by(Project.id, Project.name, Project.currency)
        .order_by(Project.id)
    ).all()
    # The unused part of a sponsor's payment given back (sponsors.close_for_refund; its owner share is
    # already lowered on the order): gross is what was kept.
    refunded = {pid: int(total) for pid, total in session.execute(
        select(SponsorPool.project_id, func.sum(SponsorPool.refunded_minor))
        .where(SponsorPool.project_id.in_([r[0] for r in rows]), SponsorPool.refunded_minor > 0)
        .group_by(SponsorPool.project_id)
    ).all()}
    paid = {cur: int(total) for cur, total in session.execute(
        select(Payout.currency, func.sum(Payout.amount_minor)).where(Payout.owner_id == owner.id)
        .group_by(Payout.currency)
    ).all()}
    split = splits.sent_by_currency(session, owner.id)
    projects = {p.id: p for p in session.scalars(select(Project).where(Project.owner_id == owner.id))}
    return Statement(
        owner=owner,
        lines=tuple(Line(pid, name, cur, int(n), int(kg), int(gross) - refunded.get(pid, 0), int(owed),
                         projects.get(pid))
                    for pid, name, cur, n, kg, gross, owed in rows),
        paid_out={cur: paid.get(cur, 0) + split.get(cur, 0) for cur in set(paid) | set(split)},
        on_the_way=splits.sent_by_currency(session, owner.id, ("pending",)),
        by_hand=paid,
        splits=tuple(splits.of_owner(session, owner.id, limit=50)),
    )


@dataclass(frozen=True)
class ProjectMoney:
    """A project's money, each figure true on its own. Payouts go to an owner, not to a
    project, so paid out and still owed cover all of the owner's projects in this currency."""

    owner_share_minor: int  # this project's owner share of paid orders (earned, not necessarily paid)
    owner_paid_out_minor: int  # transferred to the owner so far
    owner_owed_minor: int  # the owner's share not yet paid out
    owner_split_minor: int = 0  # of what was paid out, what the payment providers sent at payment time


def project_money(session: Session, projects: list[Project]) -> dict[int, ProjectMoney]:
    """Owner share, paid out and still owed for each project (two grouped sums per call)."""
    owner_ids = {p.owner_id for p in projects}
    share = dict(session.execute(
        select(Order.project_id, func.sum(Order.owner_minor))
        .where(Order.project_id.in_([p.id for p in projects]), Order.status == "paid").group_by(Order.project_id)
    ).all())
    earned = {(oid, cur): int(total) for oid, cur, total in session.execute(
        select(Project.owner_id, Order.currency, func.sum(Order.owner_minor))
        .join(Project, Project.id == Order.project_id)
        .where(Project.owner_id.in_(owner_ids), Order.status == "paid").group_by(Project.owner_id, Order.currency)
    ).all()}
    paid = {(oid, cur): int(total) for oid, cur, total in session.execute(
        select(Payout.owner_id, Payout.currency, func.sum(Payout.amount_minor))
        .where(Payout.owner_id.in_(owner_ids)).group_by(Payout.owner_id, Payout.currency)
    ).all()}
    split: dict[tuple[int, str], int] = {}
    for oid in owner_ids:  # and what the providers split off to them
        for cur, total in splits.sent_by_currency(session, oid).items():
            paid[(oid, cur)] = paid.get((oid, cur), 0) + total
            split[(oid, cur)] = total
    result = {}
    for p in projects:
        key = (p.owner_id, p.currency)
        result[p.id] = ProjectMoney(int(share.get(p.id) or 0), paid.get(key, 0), earned.get(key, 0) - paid.get(key, 0),
                                    split.get(key, 0))
    return result


def all_statements(session: Session) -> list[Statement]:
    owners = session.execute(select(ProjectOwner).order_by(ProjectOwner.id)).scalars()
    return [statement(session, owner) for owner in owners]


def paid_orders(session: Session, owner: ProjectOwner) -> list[Order]:
    return list(
        session.execute(
            select(Order).join(Project, Project.id == Order.project_id)
            .where(Project.owner_id == owner.id, Order.status == "paid")
            .order_by(Order.paid_at, Order.id)
        ).scalars()
    )


def to_csv(session: Session, owner: ProjectOwner) -> str:
    """One row per paid order: what it retired and the owner's share (no personal data)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["order", "paid_at", "project", "kg", "currency", "amount_minor", "owner_minor",
                     "platform_fee_minor", "payment_fee_minor", "serials"])
    for order in paid_orders(session, owner):
        serials = " ".join(f"{r.batch.serial_prefix}:{r.first_serial}-{r.last_serial}" for r in order.retirements)
        writer.writerow([order.public_id, order.paid_at.isoformat() if order.paid_at else "", order.project.name,
                         order.credits_kg, order.currency, order.amount_minor, order.owner_minor,
                         order.platform_fee_minor, "" if order.payment_fee_minor is None else order.payment_fee_minor,
                         serials])
    return out.getvalue()

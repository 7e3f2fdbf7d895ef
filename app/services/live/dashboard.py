"""An organizer's live view of one event: participants, participation rate,
tonnes, money per currency, tonnes over time, recent certificates, and the
CSV export of its paid orders.

Every query filters orders on (event_id, status), the ix_order_event_status
index, so a dashboard reads one event's paid orders and nothing else.
Names appear only with the visitor's consent and unless an operator hid
them (the same rule as the boards: boards.shown_name).
"""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ...models import Certificate, Event, Order, Organization, Participant, Project
from . import boards

PAID = "paid"


@dataclass(frozen=True)
class MoneyLine:
    currency: str
    visitors_minor: int
    operations_minor: int

    @property
    def total_minor(self) -> int:
        return self.visitors_minor + self.operations_minor


@dataclass(frozen=True)
class Summary:
    participants: int
    visitor_orders: int
    visitor_kg: int
    operations_kg: int
    expected_attendance: int | None
    money: tuple[MoneyLine, ...]
    # Retired from sponsors' pools (attendees' redemptions and kept balances): not in visitor_kg nor
    # operations_kg, so the three add every retired kilogram once (sponsors.sponsored_kg).
    sponsored_kg: int = 0

    @property
    def participation_percent(self) -> Decimal | None:
        """Participants per expected attendee, in percent (one decimal); None without an expectation."""
        if not self.expected_attendance:
            return None
        value = Decimal(self.participants * 100) / Decimal(self.expected_attendance)
        return value.quantize(Decimal("0.1"), ROUND_HALF_UP)

    @property
    def total_kg(self) -> int:
        return self.visitor_kg + self.operations_kg


def summary(session: Session, event: Event) -> Summary:
    """The headline numbers, in two grouped queries over the event's paid orders."""
    participants = session.execute(
        select(func.count(func.distinct(Order.participant_id)))
        .where(Order.event_id == event.id, Order.status == PAID, Order.kind == "visitor")
    ).scalar_one()
    rows = session.execute(
        select(Order.kind, Order.sponsor_pool_id.is_not(None), Order.currency, func.count(),
               func.coalesce(func.sum(Order.credits_kg), 0), func.coalesce(func.sum(Order.amount_minor), 0))
        .where(Order.event_id == event.id, Order.status == PAID)
        .group_by(Order.kind, Order.sponsor_pool_id.is_not(None), Order.currency)
    ).all()
    visitor_orders = visitor_kg = operations_kg = sponsored_kg = 0
    per_currency: dict[str, list[int]] = {}
    for kind, from_pool, currency, count, kg, amount in rows:
        line = per_currency.setdefault(currency, [0, 0])
        if from_pool or kind == "sponsor":
            # Sponsors: the pool's payment is organizer-side money; its kg are counted once, where they
            # are retired (sponsors.sponsored_kg: redemptions and kept balances), never here.
            line[1] += int(amount)
            sponsored_kg += int(kg) if from_pool else 0
        elif kind == "visitor":
            visitor_orders += int(count)
            visitor_kg += int(kg)
            line[0] += int(amount)
        else:
            operations_kg += int(kg)
            line[1] += int(amount)
    return Summary(
        participants=int(participants),
        visitor_orders=visitor_orders,
        visitor_kg=visitor_kg,
        operations_kg=operations_kg,
        expected_attendance=event.expected_attendance,
        money=tuple(MoneyLine(cur, v, o) for cur, (v, o) in sorted(per_currency.items())),
        sponsored_kg=sponsored_kg,
    )


# --------------------------------------------------------------------------
# Tonnes over time
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Bucket:
    start: dt.datetime
    kg: int  # visitors' kg paid in this bucket
    cumulative_kg: int


@dataclass(frozen=True)
class Chart:
    """A cumulative line ready for an inline SVG (coordinates in the viewBox)."""

    width: int
    height: int
    left: int
    top: int
    bottom: int  # y of the x axis
    right: int
    line: str  # "x,y x,y ..." for <polyline points>
    area: str  # the same, closed along the x axis, for <polygon points>
    max_kg: int
    start: dt.datetime | None
    end: dt.datetime | None
    hourly: bool
    buckets: tuple[Bucket, ...]

    @property
    def empty(self) -> bool:
        return not self.buckets


def timeline(session: Session, event_id: int) -> tuple[list[Bucket], bool]:
    """Visitors' kg per hour (events up to two days long) or per day, cumulated; UTC."""
    fetched = session.execute(
        select(Order.paid_at, Order.credits_kg)
        .where(Order.event_id == event_id, Order.status == PAID, Order.kind == "visitor")
        .order_by(Order.paid_at)
    ).all()
    rows = [(at, kg) for at, kg in fetched if at is not None]
    if not rows:
        return [], True
    hourly = rows[-1][0] - rows[0][0] <= dt.timedelta(days=2)

    def floor(at: dt.datetime) -> dt.datetime:
        return at.replace(minute=0, second=0, microsecond=0) if hourly else at.replace(
            hour=0, minute=0, second=0, microsecond=0)

    added: dict[dt.datetime, int] = {}
    for at, kg in rows:
        key = floor(at)
        added[key] = added.get(key, 0) + int(kg)
    buckets, running = [], 0
    for start in sorted(added):
        running += added[start]
        buckets.append(Bucket(start, added[start], running))
    return buckets, hourly


def chart(buckets: list[Bucket], hourly: bool, width: int = 600, height: int = 220) -> Chart:
    """Scale the cumulative series into the viewBox: a step up at the end of each bucket."""
    left, right, top, bottom = 8, width - 8, 16, height - 28
    if not buckets:
        return Chart(width, height, left, top, bottom, right, "", "", 0, None, None, hourly, ())
    step = dt.timedelta(hours=1) if hourly else dt.timedelta(days=1)
    start, end = buckets[0].start, buckets[-1].start + step
    span = (end - start).total_seconds()
    max_kg = max(b.cumulative_kg for b in buckets) or 1

    def x(at: dt.datetime) -> float:
        return left + (right - left) * (at - start).total_seconds() / span

    def y(kg: int) -> float:
        return bottom - (bottom - top) * kg / max_kg

    points = [(x(start), y(0))]
    previous = 0
    for b in buckets:
        points.append((x(b.start), y(previous)))
        points.append((x(b.start + step), y(b.cumulative_kg)))
        previous = b.cumulative_kg
    line = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
    area = f"{line} {points[-1][0]:.1f},{bottom:.1f} {points[0][0]:.1f},{bottom:.1f}"
    return Chart(width, height, left, top, bottom, right, line, area, max_kg, start, end, hourly, tuple(buckets))


# --------------------------------------------------------------------------
# Recent certificates and the CSV export
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Recent:
    number: str
    issued_at: dt.datetime
    kg: int
    name: str  # "" means anonymous: no consent, or hidden by an operator
    organization: str


def recent_certificates(session: Session, event_id: int, limit: int = 8) -> list[Recent]:
    """The latest valid visitor certificates, newest first; names only with consent."""
    rows = session.execute(
        select(Certificate.number, Certificate.issued_at, Order.credits_kg, Participant)
        .join(Order, Order.id == Certificate.order_id)
        .join(Participant, Participant.id == Order.participant_id)
        .where(Order.event_id == event_id, Order.status == PAID, Order.kind == "visitor",
               Certificate.status == "valid")
        .order_by(Certificate.issued_at.desc(), Certificate.id.desc())
        .limit(limit)
    ).all()
    out = []
    for number, issued_at, kg, participant in rows:
        name = boards.shown_name(participant)
        out.append(Recent(number, issued_at, int(kg), name, participant.organization if name else ""))
    return out


def operations_orders(session: Session, event_id: int) -> list[Order]:
    """The organization's own paid operations orders for the event, newest first."""
    return list(session.execute(
        select(Order).where(Order.event_id == event_id, Order.status == PAID, Order.kind == "operations")
        .order_by(Order.paid_at.desc(), Order.id.desc())
    ).scalars())


CSV_HEADER = ["order", "paid_at_utc", "kind", "project", "standard", "kg", "currency", "amount_minor",
              "certificate", "certificate_status", "display_name", "organization"]


def _cell(value: object) -> object:
    """Neutralize spreadsheet formulas in free text (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def orders_csv(session: Session, event_id: int) -> str:
    """One row per paid order of the event. A visitor's name and organization are
    included only if that order agreed to the board and no operator hid the name;
    an operations order names the organization that paid."""
    rows = session.execute(
        select(Order, Project.name, Project.standard, Certificate.number, Certificate.status, Participant,
               Organization.name)
        .join(Project, Project.id == Order.project_id)
        .join(Participant, Participant.id == Order.participant_id)
        .outerjoin(Certificate, Certificate.order_id == Order.id)
        .outerjoin(Organization, Organization.id == Order.organization_id)
        .where(Order.event_id == event_id, Order.status == PAID)
        .order_by(Order.paid_at, Order.id)
    ).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for order, project, standard, number, cert_status, participant, org_name in rows:
        if order.kind == "operations":
            name, organization = "", org_name or ""
        elif order.show_on_board and boards.shown_name(participant):
            name, organization = order.display_name, order.organization
        else:
            name, organization = "", ""
        writer.writerow([_cell(v) for v in (
            order.public_id, order.paid_at.isoformat(timespec="seconds") if order.paid_at else "", order.kind,
            project, standard, order.credits_kg, order.currency, order.amount_minor, number or "", cert_status or "",
            name, organization)])
    return out.getvalue()

"""An event's report: what it emitted (the estimate), what was neutralized by whom,
with which projects and serial ranges, where each retirement sits in the public
register, and where the money went. One `EventReport` feeds the organizer's HTML
page, the PDF (`report_pdf.render`) and the public summary.

Flask-free: the route passes the register's checkpoint (size, root) and the
public address; the estimate and the sponsors arrive as lists from their own
services (empty until those exist). Visitors' names never appear: a visitor's
retirement is listed by certificate number, which the public register already
shows. Only the organization's own (operations) certificates carry their link,
so `tools/registry_verify.py --certificate` can prove one without exposing a
visitor's certificate page.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from ...models import Certificate, CreditBatch, Event, Order, Project, RegistryEntry, Retirement
from .. import names
from ..footprint.factors import METHODOLOGY
from ..sales.ledger import format_serial

PAID = "paid"


@dataclass(frozen=True)
class Serials:
    first: str
    last: str
    kg: int


@dataclass(frozen=True)
class Retired:
    """One certificate's retirement and its place in the public register."""

    number: str
    kind: str  # the order's kind: "visitor", "operations", ...
    project: str
    kg: int
    serials: tuple[Serials, ...]
    register_index: int | None  # its `retire` entry in the log, None if it has none
    in_checkpoint: bool  # the report's checkpoint covers the entry
    revoked: bool
    token: str  # "" unless the organization's own certificate (see the module docstring)


@dataclass(frozen=True)
class ProjectLine:
    name: str
    kind: str
    standard: str
    place: str
    country: str
    vintage: int
    kg: int
    serials: tuple[Serials, ...]  # contiguous runs merged, in serial order


@dataclass(frozen=True)
class NeutralizedBy:
    kind: str  # "visitor", "operations", or a sponsor's kind when one exists
    orders: int
    kg: int


@dataclass(frozen=True)
class MoneyLine:
    currency: str
    paid_minor: int
    owners_minor: int  # what the projects' owners receive
    fee_minor: int  # the platform's fee
    payment_fee_minor: int  # the payment providers' fees, where known


@dataclass(frozen=True)
class EstimateLine:
    """One category of the event's estimated footprint (filled from the estimate service)."""

    label: str  # already in the report's language
    kg: Decimal
    source: str  # the factor's source and year


@dataclass(frozen=True)
class SponsorLine:
    """What one sponsor neutralized for the event (filled from the sponsors service)."""

    name: str
    kg: int


@dataclass(frozen=True)
class EventReport:
    event_id: int
    name: str
    slug: str
    organization: str
    language: str
    starts_on: dt.date | None
    ends_on: dt.date | None
    venue: str
    city: str
    expected_attendance: int | None
    methodologies: tuple[str, ...]  # every methodology version in the visitors' stored footprints
    current_methodology: str
    participants: int  # distinct visitors who neutralized
    neutralized: tuple[NeutralizedBy, ...]
    projects: tuple[ProjectLine, ...]
    retirements: tuple[Retired, ...]
    money: tuple[MoneyLine, ...]
    checkpoint_origin: str
    checkpoint_size: int
    checkpoint_root_hex: str
    public_url: str  # the event's public page (the QR code)
    site_url: str  # where the register lives (for the verifier's command line)
    generated_at: dt.datetime
    published: bool
    # From the estimate service (w5-estimate): [] until it is wired.
    estimate: list[EstimateLine] = field(default_factory=list)
    # From the sponsors service (w5-sponsor): one line per sponsor; [] until it is wired.
    sponsors: list[SponsorLine] = field(default_factory=list)

    @property
    def total_kg(self) -> int:
        return sum(n.kg for n in self.neutralized)

    @property
    def estimate_kg(self) -> Decimal:
        return sum((line.kg for line in self.estimate), Decimal(0))

    def kg_of(self, kind: str) -> int:
        return sum(n.kg for n in self.neutralized if n.kind == kind)

    @property
    def verifiable(self) -> Retired | None:
        """A listed retirement whose link the report may print, for the verifier's example."""
        return next((r for r in self.retirements if r.token and r.in_checkpoint and not r.revoked), None)


def _merge(ranges: list[tuple[str, int, int]]) -> tuple[Serials, ...]:
    """(prefix, first, last) runs sorted and joined where one ends right before the next begins."""
    merged: list[list] = []
    for prefix, first, last in sorted(ranges):
        if merged and merged[-1][0] == prefix and merged[-1][2] + 1 == first:
            merged[-1][2] = last
        else:
            merged.append([prefix, first, last])
    return tuple(Serials(format_serial(p, a), format_serial(p, b), b - a + 1) for p, a, b in merged)


def build(session: Session, event: Event, *, checkpoint_origin: str, checkpoint_size: int,
          checkpoint_root_hex: str, public_url: str, site_url: str, now: dt.datetime,
          estimate: list[EstimateLine] | None = None, sponsors: list[SponsorLine] | None = None) -> EventReport:
    """The report of one event from its paid orders, their retirements and the register."""
    orders = list(session.execute(
        select(Order).where(Order.event_id == event.id, Order.status == PAID).order_by(Order.paid_at, Order.id)
    ).scalars())
    order_ids = [o.id for o in orders]
    rows = session.execute(
        select(Retirement, CreditBatch.serial_prefix).join(CreditBatch, CreditBatch.id == Retirement.batch_id)
        .where(Retirement.order_id.in_(order_ids)).order_by(Retirement.id)
    ).all() if order_ids else []
    by_order: dict[int, list[tuple[str, int, int]]] = {}
    for r, prefix in rows:
        by_order.setdefault(r.order_id, []).append((prefix, r.first_serial, r.last_serial))
    certs = {c.order_id: c for c in session.execute(
        select(Certificate).where(Certificate.order_id.in_(order_ids))).scalars()} if order_ids else {}
    entries = {e.certificate_id: e.seq for e in session.execute(
        select(RegistryEntry).where(RegistryEntry.kind == "retire",
                                    RegistryEntry.certificate_id.in_([c.id for c in certs.values()]))
    ).scalars()} if certs else {}
    projects = {p.id: p for p in session.execute(
        select(Project).where(Project.id.in_({o.project_id for o in orders}))).scalars()} if orders else {}

    retired: list[Retired] = []
    per_project: dict[int, list[tuple[str, int, int]]] = {}
    project_kg: dict[int, int] = {}
    by_kind: dict[str, list[int]] = {}
    money: dict[str, list[int]] = {}
    methodologies: set[str] = set()
    participants: set[int] = set()
    for o in orders:
        cert = certs.get(o.id)
        revoked = cert is not None and cert.status != "valid"
        ranges = by_order.get(o.id, [])
        # A sponsor's own order only holds its pool (nothing retired); what the pool paid for, attendees'
        # redemptions and a kept balance, is the sponsors' line, each kilogram once.
        who = "sponsor" if o.sponsor_pool_id is not None else o.kind
        if not revoked and o.kind != "sponsor":
            kind = by_kind.setdefault(who, [0, 0])
            kind[0] += 1
            kind[1] += o.credits_kg
            per_project.setdefault(o.project_id, []).extend(ranges)
            project_kg[o.project_id] = project_kg.get(o.project_id, 0) + o.credits_kg
            if who == "visitor":
                participants.add(o.participant_id)
        line = money.setdefault(o.currency, [0, 0, 0, 0])
        line[0] += o.amount_minor
        line[1] += o.owner_minor
        line[2] += o.platform_fee_minor
        line[3] += o.payment_fee_minor or 0
        if o.kind == "visitor" and o.footprint is not None and o.footprint.methodology:
            methodologies.add(o.footprint.methodology)
        if cert is None:
            continue
        index = entries.get(cert.id)
        retired.append(Retired(
            number=cert.number, kind=who, project=names.pick(projects[o.project_id], "name", event.language),
            kg=o.credits_kg,
            serials=_merge(ranges), register_index=index,
            in_checkpoint=index is not None and index < checkpoint_size, revoked=revoked,
            token=cert.token if o.kind == "operations" else ""))

    project_lines = tuple(
        ProjectLine(names.pick(p, "name", event.language), names.pick(p, "kind", event.language), p.standard,
                    names.pick(p, "place", event.language), p.country, p.vintage, project_kg[pid],
                    _merge(per_project.get(pid, [])))
        for pid, p in sorted(projects.items()) if project_kg.get(pid))
    order_of_kinds = {"visitor": 0, "operations": 1}
    return EventReport(
        event_id=event.id, name=names.pick(event, "name", event.language), slug=event.slug,
        organization=names.pick(event.organization, "name", event.language) if event.organization else "",
        language=event.language, starts_on=event.starts_on, ends_on=event.ends_on,
        venue=names.pick(event, "venue_name", event.language), city=event.city,
        expected_attendance=event.expected_attendance,
        methodologies=tuple(sorted(methodologies)), current_methodology=METHODOLOGY,
        participants=len(participants),
        neutralized=tuple(NeutralizedBy(k, v[0], v[1]) for k, v in
                          sorted(by_kind.items(), key=lambda kv: (order_of_kinds.get(kv[0], 2), kv[0]))),
        projects=project_lines, retirements=tuple(retired),
        money=tuple(MoneyLine(c, *v) for c, v in sorted(money.items())),
        checkpoint_origin=checkpoint_origin, checkpoint_size=checkpoint_size,
        checkpoint_root_hex=checkpoint_root_hex, public_url=public_url, site_url=site_url,
        generated_at=now, published=event.report_published,
        estimate=list(estimate or []), sponsors=list(sponsors or []),
    )

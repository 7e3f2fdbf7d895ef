"""Orders from checkout to certificate.

`start` prices an order and holds its credits; `fulfil` is the one function
that turns a confirmed payment into retired serials, a certificate and a board
total. Every payment path (demo page, demo API, Stripe webhook, Stripe session
lookup) calls `fulfil`, and it is idempotent: called twice, late, or after a
failure notice, it leaves exactly one retirement set and one certificate.
"""
from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from ...models import Certificate, Event, Footprint, Order, Participant, Project
from ..certificates.numbers import format_number, new_token
from ..certificates.typesetting import missing_glyphs
from ..errors import DomainError
from ..live import boards, stamps
from ..register import registry
from . import ledger, money

NAME_MAX = 60
ORGANIZATION_MAX = 80


class OrderError(DomainError):
    """Input a visitor can fix; `field` names the input."""


@dataclass(frozen=True)
class Settings:
    hold_minutes: int
    fee_percent: int
    max_kg: int
    # Visitor orders only: the share of a project's unretired credits one participant may hold at once.
    hold_share_percent: int | None = None
    # Every order: the share of a project's unretired credits all unpaid checkouts may hold together.
    hold_pool_percent: int | None = None


def new_public_id() -> str:
    return "ord_" + secrets.token_urlsafe(12)


def clean_name(value: str | None, limit: int, field: str) -> str:
    """Trim, collapse whitespace and refuse what a board cannot show safely."""
    text = " ".join((value or "").split())
    if len(text) > limit:
        raise OrderError(f"Please keep this under {limit} characters.", field, reason="name_long", n=limit)
    if any(ord(ch) < 32 for ch in text):
        raise OrderError("Please use plain text.", field, reason="plain_text")  # the API's code stays "invalid"
    # The certificate draws the name with its bundled fonts (Noto Sans, Noto Sans SC; no emoji font):
    # refuse here what they cannot draw, rather than drop it silently from the picture.
    missing = missing_glyphs(text)
    if missing:
        raise OrderError(f"The certificate cannot draw {' '.join(missing)}; please leave it out.", field,
                         "name_glyphs", chars=" ".join(missing))
    return text


def offered_projects(session: Session, event: Event) -> list[Project]:
    """The event's chosen projects (or every active one) in its currency, cheapest first."""
    stmt = select(Project).where(Project.active.is_(True), Project.currency == event.currency)
    chosen = [p.id for p in event.projects]
    if chosen:
        stmt = stmt.where(Project.id.in_(chosen))
    return list(session.execute(stmt.order_by(Project.price_per_tonne_minor, Project.id)).scalars())


def start(
    session: Session,
    *,
    event: Event,
    project: Project,
    participant: Participant,
    kg: int | None,  # None (a quote with no amount) is refused below, as is anything but a whole kg above zero
    footprint: Footprint | None,
    display_name: str | None,
    organization: str | None,
    show_on_board: bool,
    provider: str,
    settings: Settings,
    now: dt.datetime,
    kind: str = "visitor",
    organization_id: int | None = None,
    language: str = "en",
    client_key: str | None = None,
    price: money.Price | None = None,
) -> Order:
    """Create a pending order holding `kg` of `project` (its credits_kg: more when the
    minimum charge applies), to be paid through the payment provider named `provider`;
    raises OrderError, SoldOut or HoldShareExceeded.

    `price` is the project's offer from the quote made for this order (checkout.quote):
    its project is on offer at the event, so it is neither looked up nor priced again.

    kind "operations" is an organization neutralizing its event's own
    operations: it gets a certificate but never counts on the people boards.
    A visitor order replaces the participant's open hold on the same project
    (one open hold per participant and project; an operations order the
    organization's) and is held within
    `settings.hold_share_percent`; every order's hold fits `settings.hold_pool_percent`
    or the order is payable without one (ledger.hold).
    """
    if event.status != "live":
        raise OrderError("This event is not taking part any more.", "event", "event_closed")
    if price is None and project not in offered_projects(session, event):
        raise OrderError("That project is not on offer at this event.", "project", "project_unavailable")
    if kind not in ("visitor", "operations", "sponsor") or \
            (kind in ("operations", "sponsor")) != (organization_id is not None):
        raise ValueError("operations and sponsor orders, and only they, name an organization")
    if not isinstance(kg, int) or kg <= 0:
        raise OrderError("The amount must be a whole number of kilograms above zero.", "kg")
    if kg > settings.max_kg:
        raise OrderError(f"One order can neutralize at most {settings.max_kg:,} kg.", "kg")
    name = clean_name(display_name, NAME_MAX, "display_name")
    org = clean_name(organization, ORGANIZATION_MAX, "organization")
    p = price or money.price(kg, project.price_per_tonne_minor, project.currency, settings.fee_percent)
    if p.kg != kg or p.currency != project.currency:
        raise ValueError("a price for another amount or currency")
    order = Order(
        public_id=new_public_id(),
        event_id=event.id,
        project_id=project.id,
        participant_id=participant.id,
        footprint_id=footprint.id if footprint else None,
        kg=kg,
        credits_kg=p.credits_kg,
        amount_minor=p.amount_minor,
        currency=p.currency,
        owner_minor=p.owner_minor,
        platform_fee_minor=p.platform_fee_minor,
        display_name=name,
        organization=org,
        show_on_board=bool(show_on_board),
        provider=provider,
        kind=kind,
        organization_id=organization_id,
        language=language,
        client_key=client_key if kind == "visitor" else None,
        created_at=now,
        hold_expires_at=now,
    )
    share = None
    ledger.lock_project(session, project.id)
    release_open_holds(session, project, now, participant=participant if kind == "visitor" else None,
                       organization_id=organization_id, kind=kind)
    if kind == "visitor":
        share = settings.hold_share_percent
    ledger.hold(session, order, now, settings.hold_minutes, share_percent=share,
                share_floor_kg=share_floor_kg(project, settings.fee_percent),
                pool_percent=settings.hold_pool_percent)
    # The participant's board name and consent change only when this order is paid (fulfil):
    # an abandoned checkout changes nothing on any board.
    return order


def share_floor_kg(project: Project, fee_percent: int) -> int:
    """What one minimum payment buys here (e.g. 42 kg at ¥95/t): a client may always hold that much."""
    return money.price(1, project.price_per_tonne_minor, project.currency, fee_percent).credits_kg


def release_open_holds(session: Session, project: Project, now: dt.datetime, *,
                       participant: Participant | None = None, organization_id: int | None = None,
                       kind: str = "operations") -> int:
    """Cancel the participant's open visitor holds (or the organization's open holds of that kind,
    operations or sponsor) on the project: a new checkout replaces them, so one buyer has one open hold."""
    who = (Order.participant_id == participant.id, Order.kind == "visitor") if participant is not None else \
        (Order.organization_id == organization_id, Order.kind == kind)
    stale = session.execute(select(Order).where(
        *who, Order.project_id == project.id, Order.status == "pending", Order.hold_expires_at > now)).scalars().all()
    for order in stale:
        ledger.release(session, order, "cancelled")
    return len(stale)


def fulfil(
    session: Session, order: Order, *, now: dt.datetime, payment_fee_minor: int | None = None
) -> Certificate | None:
    """Retire the credits, issue the certificate, add to the board: exactly once.

    A sponsor's order retires nothing and has no certificate: its credits stay held in its pool
    (sponsors.open_pool), and each redemption retires its part (returns None)."""
    if order.kind == "sponsor":
        from . import sponsors  # sponsors builds on this module

        sponsors.open_pool(session, order, now, payment_fee_minor)
        return None
    ledger.retire(session, order, now)  # locks, refreshes, no-op if already paid
    existing = session.execute(select(Certificate).where(Certificate.order_id == order.id)).scalar_one_or_none()
    if existing is not None:
        return existing
    if payment_fee_minor is not None:
        order.payment_fee_minor = payment_fee_minor
    return issue_certificate(session, order, now)


def issue_certificate(session: Session, order: Order, now: dt.datetime) -> Certificate:
    """The certificate, board line, live stamp and register leaf of an order just retired (lock held)."""
    certificate = Certificate(
        order_id=order.id,
        number=format_number(order.id, now.year),
        token=new_token(),
        language=order.language,
        issued_at=now,
    )
    session.add(certificate)
    if order.kind == "visitor":
        # The latest paid order's name and consent are what boards show (consent can be withdrawn too).
        participant = order.participant
        participant.display_name = order.display_name
        participant.organization = order.organization
        participant.show_on_board = order.show_on_board
        boards.record(session, order)
    stamps.bump(session, order.event_id)  # live fragments of this event and the platform change
    session.flush()
    registry.record_retirement(session, certificate, now)  # the public register, same transaction
    return certificate


def settle(session: Session, order: Order, outcome: str, *, now: dt.datetime,
           payment_fee_minor: int | None = None) -> str:
    """Apply a payment outcome from any provider; safe to call repeatedly, in any order.

    "paid" fulfils (or, when the lapsed hold's credits were sold meanwhile,
    marks the order refund_due: the money must go back, no credit is sold
    twice). "failed", "expired" and "cancelled" release a pending hold and
    never undo a payment. Returns the order's resulting status.
    """
    if outcome == "paid":
        try:
            fulfil(session, order, now=now, payment_fee_minor=payment_fee_minor)
        except ledger.SoldOut:
            order.status = "refund_due"
            session.flush()
        except ledger.NotPayable:
            pass  # already refund_due or refunded: a replayed notice changes nothing
        return order.status
    if outcome in ("failed", "expired", "cancelled"):
        ledger.release(session, order, outcome)
        return order.status
    raise ValueError(f"unknown payment outcome {outcome!r}")


def owner_totals(session: Session, project_ids: list[int]) -> dict[int, int]:
    """Money owed to each project's owner from paid orders so far (minor units)."""
    rows = session.execute(
        select(Order.project_id, func.sum(Order.owner_minor))
        .where(Order.project_id.in_(project_ids), Order.status == "paid")
        .group_by(Order.project_id)
    ).all()
    return {pid: int(total or 0) for pid, total in rows}


def to_refund(session: Session) -> list[Order]:
    """Payments that arrived for credits already gone and whose refund did not go through."""
    return list(session.execute(
        select(Order).where(Order.status == "refund_due").order_by(Order.created_at)
    ).scalars())


def operations_kg(session: Session, event_id: int) -> int:
    """Kilograms an organizer neutralized for the event's own operations."""
    return int(session.execute(
        select(func.coalesce(func.sum(Order.credits_kg), 0))
        .where(Order.event_id == event_id, Order.status == "paid", Order.kind == "operations")
    ).scalar_one())


def operations_certificates(session: Session, event_id: int) -> list[Certificate]:
    """The certificates of what the organizer neutralized for the event's own operations, oldest first."""
    return list(session.execute(
        select(Certificate).join(Order, Order.id == Certificate.order_id)
        .where(Order.event_id == event_id, Order.status == "paid", Order.kind == "operations")
        .order_by(Certificate.id)
    ).scalars())


def last_paid_visitor_order(session: Session, participant_id: int | None) -> Order | None:
    """The participant's latest paid visitor order: where the calculator takes their name,
    organization and board consent from."""
    if participant_id is None:
        return None
    return session.execute(
        select(Order).where(Order.participant_id == participant_id, Order.status == "paid", Order.kind == "visitor")
        .order_by(Order.paid_at.desc(), Order.id.desc()).limit(1)
    ).scalar_one_or_none()


def last_paid_identity(session: Session, participant_token: str) -> tuple[str, str, bool] | None:
    """(name, organization, board consent) of `last_paid_visitor_order` for the browser holding
    `participant_token`, in one statement (built once: every returning phone's calculator asks)."""
    row = session.execute(_last_paid_identity(), {"token": participant_token}).one_or_none()
    return None if row is None else (row[0], row[1], bool(row[2]))


@lru_cache(maxsize=1)
def _last_paid_identity():
    return (select(Order.display_name, Order.organization, Order.show_on_board)
            .join(Participant, Participant.id == Order.participant_id)
            .where(Participant.token == bindparam("token"), Order.status == "paid", Order.kind == "visitor")
            .order_by(Order.paid_at.desc(), Order.id.desc()).limit(1))


def by_public_id(session: Session, public_id: str) -> Order | None:
    return session.execute(select(Order).where(Order.public_id == public_id)).scalar_one_or_none()

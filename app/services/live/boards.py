"""Leaderboards and ranks, for an event and across the platform.

Tie rule: equal kilograms share a rank ("standard competition" ranking:
1, 2, 2, 4); among equals, whoever got there first is listed first.

Totals are kept in BoardTotal at fulfilment (one upsert per board a paid order
counts on), so a board is the first rows of the ix_board_rank index and a rank
is one indexed count, never a scan of orders. A participant's orders add up.
Names are read live from the participant, so consent (and an operator hiding a
name) applies at once; an organization counts only the kg of participants who
agreed to appear on boards.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import BoardTotal, Event, Order, Participant
from . import stamps

ANONYMOUS = "Anonymous visitor"
NAME_LIMIT = 60


@dataclass(frozen=True)
class Row:
    rank: int
    name: str  # "" means show "Anonymous visitor"
    organization: str
    kg: int
    participant_id: int | None = None
    event_slug: str | None = None


@dataclass(frozen=True)
class Rank:
    rank: int
    of: int
    kg: int


@dataclass(frozen=True)
class EventTotals:
    participants: int
    kg: int


def fold(name: str) -> str:
    """The key an organization is counted under: case and spacing do not split it."""
    return " ".join(name.split()).casefold()[:120]


def shown_name(participant: Participant) -> str:
    """The name a board may show: only with consent and unless an operator hid it."""
    if participant.show_on_board and not participant.name_hidden:
        return participant.display_name.strip()[:NAME_LIMIT]
    return ""


def _upsert(session: Session, order: Order, scope: str, scope_id: int, kind: str, key: str, label: str = "",
            participant_id: int | None = None, event_id: int | None = None) -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(BoardTotal).values(
        scope=scope, scope_id=scope_id, kind=kind, key=key, label=label, participant_id=participant_id,
        event_id=event_id, kg=order.credits_kg, first_at=order.paid_at, hidden=False,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "scope_id", "kind", "key"], set_={"kg": BoardTotal.kg + stmt.excluded.kg}
    )
    session.execute(stmt)


def record(session: Session, order: Order) -> None:
    """Add a paid order to every board it counts on."""
    pid, eid = order.participant_id, order.event_id
    _upsert(session, order, "event", eid, "participant", str(pid), participant_id=pid, event_id=eid)
    _upsert(session, order, "global", 0, "participant", str(pid), participant_id=pid)
    _upsert(session, order, "global", 0, "event", str(eid), event_id=eid)
    organization = " ".join(order.organization.split())
    if order.show_on_board and organization:
        key = fold(organization)
        _upsert(session, order, "event", eid, "organization", key, label=organization, event_id=eid)
        _upsert(session, order, "global", 0, "organization", key, label=organization)


def _ranked(lines) -> list[Row]:
    rows: list[Row] = []
    for position, (kg, build) in enumerate(lines, start=1):
        rank = rows[-1].rank if rows and rows[-1].kg == kg else position
        rows.append(build(rank))
    return rows


def _order(stmt):
    return stmt.order_by(BoardTotal.kg.desc(), BoardTotal.first_at, BoardTotal.id)


def people(session: Session, scope: str, scope_id: int = 0, limit: int = 20) -> list[Row]:
    """The best participants of an event (scope "event") or the platform ("global")."""
    lines = session.execute(
        _order(
            select(BoardTotal.kg, Participant)
            .join(Participant, Participant.id == BoardTotal.participant_id)
            .where(BoardTotal.scope == scope, BoardTotal.scope_id == scope_id, BoardTotal.kind == "participant")
        ).limit(limit)
    ).all()
    return _ranked(
        (kg, lambda rank, kg=kg, p=p: Row(
            rank, shown_name(p), p.organization if shown_name(p) else "", kg, participant_id=p.id))
        for kg, p in lines
    )


def organizations(session: Session, scope: str, scope_id: int = 0, limit: int = 20) -> list[Row]:
    lines = session.execute(
        _order(
            select(BoardTotal.kg, BoardTotal.label, BoardTotal.hidden)
            .where(BoardTotal.scope == scope, BoardTotal.scope_id == scope_id, BoardTotal.kind == "organization")
        ).limit(limit)
    ).all()
    return _ranked(
        (kg, lambda rank, kg=kg, label=label, hidden=hidden: Row(rank, "" if hidden else label[:NAME_LIMIT], "", kg))
        for kg, label, hidden in lines
    )


def events(session: Session, limit: int = 20) -> list[Row]:
    """Events by kg neutralized across the platform."""
    lines = session.execute(
        _order(
            select(BoardTotal.kg, Event.name, Event.slug)
            .join(Event, Event.id == BoardTotal.event_id)
            .where(BoardTotal.scope == "global", BoardTotal.scope_id == 0, BoardTotal.kind == "event")
        ).limit(limit)
    ).all()
    return _ranked(
        (kg, lambda rank, kg=kg, name=name, slug=slug: Row(rank, name, "", kg, event_slug=slug))
        for kg, name, slug in lines
    )


def event_board(session: Session, event_id: int, limit: int = 20) -> list[Row]:
    return people(session, "event", event_id, limit)


def rank(session: Session, scope: str, scope_id: int, kind: str, key: str, of: int | None = None) -> Rank | None:
    """'#12 of 340': a line's shared rank on its board, or None if it has no total.

    Pass `of` when the caller already counted the board (event pages do), to
    save the second count: at a 30,000-person event that halves the cost.
    """
    where = (BoardTotal.scope == scope, BoardTotal.scope_id == scope_id, BoardTotal.kind == kind)
    kg = session.execute(select(BoardTotal.kg).where(*where, BoardTotal.key == key)).scalar_one_or_none()
    if kg is None:
        return None
    better = session.execute(select(func.count()).where(*where, BoardTotal.kg > kg)).scalar_one()
    if of is None:
        of = session.execute(select(func.count()).where(*where)).scalar_one()
    return Rank(rank=better + 1, of=of, kg=kg)


def rank_at_event(session: Session, event_id: int, participant_id: int, of: int | None = None) -> Rank | None:
    return rank(session, "event", event_id, "participant", str(participant_id), of)


def event_totals(session: Session, event_id: int) -> EventTotals:
    count, kg = session.execute(
        select(func.count(), func.coalesce(func.sum(BoardTotal.kg), 0)).where(
            BoardTotal.scope == "event", BoardTotal.scope_id == event_id, BoardTotal.kind == "participant"
        )
    ).one()
    return EventTotals(participants=int(count), kg=int(kg))


def hide_organization(session: Session, name: str) -> int:
    """Hide an organization's name on every board; returns how many lines changed."""
    lines = session.execute(
        select(BoardTotal).where(BoardTotal.kind == "organization", BoardTotal.key == fold(name))
    ).scalars().all()
    for line in lines:
        line.hidden = True
    if lines:
        stamps.bump(session, *(line.scope_id for line in lines if line.scope == "event"))
    return len(lines)


def hide_name(session: Session, participant: Participant) -> None:
    """Hide a visitor's name on every board they appear on."""
    participant.name_hidden = True
    event_ids = session.execute(
        select(Order.event_id).where(Order.participant_id == participant.id).distinct()
    ).scalars().all()
    stamps.bump(session, *event_ids)

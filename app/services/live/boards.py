"""Leaderboards and ranks, for an event and across the platform.

Tie rule: equal kilograms share a rank ("standard competition" ranking:
1, 2, 2, 4); among equals, whoever got there first is listed first.

Totals are kept in BoardTotal at fulfilment (one upsert per board a paid order
counts on), so a board is the first rows of the ix_board_rank index and a rank
is one indexed count, never a scan of orders.

One row per name: a participant's paid orders add up on one row per shown name
and organization (same participant + same name + same organization, case and
spacing aside, = one row), so every name a buyer chose to show appears, each
with its own kilograms; the orders that showed no name add up on the
participant's one anonymous row. A row keeps the name and organization its
orders showed (each order's own consent); an operator hiding a participant's
name hides it on every row at once. An organization counts only the kg of
orders that agreed to appear on boards.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import BoardTotal, Event, Order, Participant
from .. import names
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
    participants: int  # people (participants), however many names they showed
    kg: int
    lines: int = 0  # rows on the people board (a rank is "of" these)


def fold(name: str) -> str:
    """The key an organization is counted under: case and spacing do not split it."""
    return " ".join(name.split()).casefold()[:120]


def shown_name(participant: Participant) -> str:
    """The name a board may show: only with consent and unless an operator hid it."""
    if participant.show_on_board and not participant.name_hidden:
        return participant.display_name.strip()[:NAME_LIMIT]
    return ""


def line_key(participant_id: int, display_name: str, organization: str, show_on_board: bool) -> str:
    """The people-board row an order adds to: the participant alone when it shows no name, else the
    participant with the shown name and organization (folded, hashed to fit the key)."""
    name = " ".join(display_name.split())[:NAME_LIMIT]
    if not (show_on_board and name):
        return str(participant_id)
    digest = hashlib.sha256(f"{fold(name)}\n{fold(organization)}".encode()).hexdigest()[:24]
    return f"{participant_id}:{digest}"


def order_key(order: Order) -> str:
    return line_key(order.participant_id, order.display_name or "", order.organization or "", order.show_on_board)


def _upsert(session: Session, order: Order, scope: str, scope_id: int, kind: str, key: str, label: str = "",
            participant_id: int | None = None, event_id: int | None = None, organization: str = "") -> None:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(BoardTotal).values(
        scope=scope, scope_id=scope_id, kind=kind, key=key, label=label, participant_id=participant_id,
        event_id=event_id, kg=order.credits_kg, first_at=order.paid_at, hidden=False, organization=organization,
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["scope", "scope_id", "kind", "key"], set_={"kg": BoardTotal.kg + stmt.excluded.kg}
    )
    session.execute(stmt)


def record(session: Session, order: Order) -> None:
    """Add a paid order to every board it counts on."""
    pid, eid = order.participant_id, order.event_id
    organization = " ".join(order.organization.split())
    key = order_key(order)
    named = key != str(pid)
    name, shown_org = (" ".join(order.display_name.split())[:NAME_LIMIT], organization) if named else ("", "")
    _upsert(session, order, "event", eid, "participant", key, label=name, participant_id=pid, event_id=eid,
            organization=shown_org)
    _upsert(session, order, "global", 0, "participant", key, label=name, participant_id=pid,
            organization=shown_org)
    _upsert(session, order, "global", 0, "event", str(eid), event_id=eid)
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
            select(BoardTotal.kg, BoardTotal.label, BoardTotal.organization, BoardTotal.participant_id,
                   Participant.name_hidden)
            .join(Participant, Participant.id == BoardTotal.participant_id)
            .where(BoardTotal.scope == scope, BoardTotal.scope_id == scope_id, BoardTotal.kind == "participant")
        ).limit(limit)
    ).all()
    return _ranked(
        (kg, lambda rank, kg=kg, name=("" if hidden else label), org=org, pid=pid: Row(
            rank, name, org if name else "", kg, participant_id=pid))
        for kg, label, org, pid, hidden in lines
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


def events(session: Session, limit: int = 20, language: str | None = None) -> list[Row]:
    """Events by kg neutralized across the platform, each named in `language` (app/services/names.py)."""
    lines = session.execute(
        _order(
            select(BoardTotal.kg, Event, Event.slug)
            .join(Event, Event.id == BoardTotal.event_id)
            .where(BoardTotal.scope == "global", BoardTotal.scope_id == 0, BoardTotal.kind == "event")
        ).limit(limit)
    ).all()
    return _ranked(
        (kg, lambda rank, kg=kg, name=names.pick(event, "name", language), slug=slug:
            Row(rank, name, "", kg, event_slug=slug))
        for kg, event, slug in lines
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
    """A participant's best row at an event ("You are #3"), whichever name it shows."""
    key = session.execute(
        _order(select(BoardTotal.key).where(
            BoardTotal.scope == "event", BoardTotal.scope_id == event_id, BoardTotal.kind == "participant",
            BoardTotal.participant_id == participant_id)).limit(1)
    ).scalar_one_or_none()
    return None if key is None else rank(session, "event", event_id, "participant", key, of)


def rank_of_visitor(session: Session, event_id: int, participant_token: str) -> Rank | None:
    """`rank_at_event` for the browser holding `participant_token`, in one statement (the event page
    answers every returning phone with it, so the statement is built once)."""
    kg, better, of = session.execute(_visitor_rank(), {"event_id": event_id, "token": participant_token}).one()
    return None if kg is None else Rank(rank=better + 1, of=of, kg=kg)


@lru_cache(maxsize=1)
def _visitor_rank():
    where = (BoardTotal.scope == "event", BoardTotal.scope_id == bindparam("event_id"),
             BoardTotal.kind == "participant")
    best = (select(func.max(BoardTotal.kg)).join(Participant, Participant.id == BoardTotal.participant_id)
            .where(*where, Participant.token == bindparam("token")).scalar_subquery())
    return select(best, select(func.count()).where(*where, BoardTotal.kg > best).scalar_subquery(),
                  select(func.count()).where(*where).scalar_subquery())


def rank_of_order(session: Session, order: Order, of: int | None = None) -> Rank | None:
    """The rank of the row a paid order added to (its certificate's rank)."""
    return rank(session, "event", order.event_id, "participant", order_key(order), of)


def event_totals(session: Session, event_id: int) -> EventTotals:
    lines, people, kg = session.execute(
        select(func.count(), func.count(func.distinct(BoardTotal.participant_id)),
               func.coalesce(func.sum(BoardTotal.kg), 0)).where(
            BoardTotal.scope == "event", BoardTotal.scope_id == event_id, BoardTotal.kind == "participant"
        )
    ).one()
    return EventTotals(participants=int(people), kg=int(kg), lines=int(lines))


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

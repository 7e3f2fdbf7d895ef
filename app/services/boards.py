"""Leaderboards and ranks.

Tie rule: equal kilograms share a rank ("standard competition" ranking: 1, 2,
2, 4); within a tie, whoever neutralized first is listed first. A participant's
paid orders at an event add up into one BoardEntry, kept at fulfilment, so a
board is an index range scan on (event_id, kg) and a rank is one count.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ..models import BoardEntry, Order, Participant

ANONYMOUS = "Anonymous visitor"


@dataclass(frozen=True)
class Row:
    rank: int
    name: str
    organization: str
    kg: int
    participant_id: int


@dataclass(frozen=True)
class Rank:
    rank: int
    of: int
    kg: int


def shown_name(participant: Participant, entry_hidden: bool = False) -> str:
    """The name a board may show: only with consent and unless an operator hid it."""
    if participant.show_on_board and not entry_hidden and participant.display_name.strip():
        return participant.display_name.strip()
    return ""


def record(session: Session, order: Order) -> None:
    """Add a paid order's kg to its participant's total at the event (an upsert)."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    stmt = insert(BoardEntry).values(
        event_id=order.event_id, participant_id=order.participant_id, kg=order.kg, first_paid_at=order.paid_at
    )
    stmt = stmt.on_conflict_do_update(
        index_elements=["event_id", "participant_id"], set_={"kg": BoardEntry.kg + stmt.excluded.kg}
    )
    session.execute(stmt)


def event_board(session: Session, event_id: int, limit: int = 20) -> list[Row]:
    """The best `limit` participants at an event, best first, ties sharing a rank."""
    entries = session.execute(
        select(BoardEntry, Participant)
        .join(Participant, Participant.id == BoardEntry.participant_id)
        .where(BoardEntry.event_id == event_id)
        .order_by(BoardEntry.kg.desc(), BoardEntry.first_paid_at, BoardEntry.id)
        .limit(limit)
    ).all()
    rows: list[Row] = []
    for position, (entry, participant) in enumerate(entries, start=1):
        rank = rows[-1].rank if rows and rows[-1].kg == entry.kg else position
        organization = participant.organization if participant.show_on_board and not entry.hidden else ""
        rows.append(Row(rank, shown_name(participant, entry.hidden), organization, entry.kg, participant.id))
    return rows


def rank_at_event(session: Session, event_id: int, participant_id: int) -> Rank | None:
    """'#12 of 340': the participant's shared rank, or None if they have no total."""
    kg = session.execute(
        select(BoardEntry.kg).where(BoardEntry.event_id == event_id, BoardEntry.participant_id == participant_id)
    ).scalar_one_or_none()
    if kg is None:
        return None
    better = session.execute(
        select(func.count()).where(BoardEntry.event_id == event_id, BoardEntry.kg > kg)
    ).scalar_one()
    total = session.execute(select(func.count()).where(BoardEntry.event_id == event_id)).scalar_one()
    return Rank(rank=better + 1, of=total, kg=kg)


@dataclass(frozen=True)
class EventTotals:
    participants: int
    kg: int


def event_totals(session: Session, event_id: int) -> EventTotals:
    count, kg = session.execute(
        select(func.count(), func.coalesce(func.sum(BoardEntry.kg), 0)).where(BoardEntry.event_id == event_id)
    ).one()
    return EventTotals(participants=int(count), kg=int(kg))

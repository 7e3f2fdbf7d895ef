"""Where an event's visitors came from: each poster's scans and the checkouts they led to, and the
venue kiosk's walk-ups.

A poster's QR code carries ?src=<size> ("a4", "a6", "screen"); the event page counts the scan
(`record_scan`) and remembers the poster for the visitor, so an order started afterwards keeps it
(`Order.source`). The kiosk needs no marker: its orders are the ones with a phone handoff
(`Order.handoff_hash`), and a phone that scanned the handoff code claimed it (`handoff_claimed_at`).
Counts are of scans (a person who scans twice counts twice), not of people.
"""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ...models import EventScan, Order
from ..languages import N_

POSTERS = ("a4", "a6", "screen")  # the poster sizes (organizer.poster), each its own source
LABELS = {"a4": N_("A4 poster"), "a6": N_("A6 table card"), "screen": N_("Screen poster (1920×1080)"),
          "kiosk": N_("Venue kiosk"), "": N_("Other links (shared, typed)")}


def poster_source(value: str | None) -> str | None:
    """The poster a ?src= names, or None for anything else (never stored)."""
    return value if value in POSTERS else None


def record_scan(session: Session, event_id: int, source: str) -> None:
    """Count one scan of this poster (an atomic increment; the first scan inserts the row)."""
    bump = update(EventScan).where(EventScan.event_id == event_id, EventScan.source == source).values(
        scans=EventScan.scans + 1)
    if session.execute(bump).rowcount:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
        return
    try:
        with session.begin_nested():
            session.add(EventScan(event_id=event_id, source=source, scans=1))
    except IntegrityError:  # another request inserted it meanwhile
        session.execute(bump)


@dataclass(frozen=True)
class SourceLine:
    source: str  # a poster size, "kiosk", or "" for everything else
    label: str  # untranslated (translate with gettext)
    scans: int | None  # poster scans, or phones that scanned the kiosk's code; None: not counted
    checkouts: int  # orders started
    paid: int  # orders paid


def counts(session: Session, event_id: int) -> list[SourceLine]:
    """Scans, checkouts and paid orders per poster, for the kiosk, and for every other visitor order."""
    scans = dict(session.execute(
        select(EventScan.source, EventScan.scans).where(EventScan.event_id == event_id)).all())
    key = case((Order.handoff_hash.is_not(None), "kiosk"), else_=func.coalesce(Order.source, ""))
    rows = session.execute(
        select(key, func.count(), func.sum(case((Order.status == "paid", 1), else_=0)),
               func.sum(case((Order.handoff_claimed_at.is_not(None), 1), else_=0)))
        .where(Order.event_id == event_id, Order.kind == "visitor").group_by(key)
    ).all()
    started = {k: (int(n), int(paid or 0), int(claimed or 0)) for k, n, paid, claimed in rows}
    lines = [SourceLine(s, LABELS[s], int(scans.get(s, 0)), *started.get(s, (0, 0, 0))[:2]) for s in POSTERS]
    kiosk = started.get("kiosk", (0, 0, 0))
    lines.append(SourceLine("kiosk", LABELS["kiosk"], kiosk[2], kiosk[0], kiosk[1]))
    other = started.get("", (0, 0, 0))
    lines.append(SourceLine("", LABELS[""], None, other[0], other[1]))
    return lines

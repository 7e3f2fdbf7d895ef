"""Live stamps: a cheap version per event, and one for the whole platform.

Whatever can change a live fragment (a paid order, a hidden name or
organization, a revoked certificate, an edited event) calls `bump` in the same
transaction. A fragment's ETag is built from the stamp, so an unchanged fragment
answers 304 after one primary-key read, without touching the boards.
"""
from __future__ import annotations

import hashlib

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from ...models import Event, LiveStamp

PLATFORM = 0


def bump(session: Session, *event_ids: int | None) -> None:
    """Advance the stamps of these events and of the platform (created at 1 if missing)."""
    scopes = sorted({e for e in event_ids if e} | {PLATFORM})  # one lock order: no deadlock between bumps
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    for scope in scopes:
        stmt = insert(LiveStamp).values(scope_id=scope, version=1)
        session.execute(stmt.on_conflict_do_update(
            index_elements=["scope_id"], set_={"version": LiveStamp.version + 1}))


_STAMP = LiveStamp.__table__
_VERSION = select(_STAMP.c.version).where(_STAMP.c.scope_id == bindparam("scope_id"))


def version(session: Session, scope_id: int) -> int:
    """The stamp of one event (or PLATFORM); 0 before anything happened there: one primary-key read."""
    return session.connection().execute(_VERSION, {"scope_id": scope_id}).scalar() or 0


def event_by_slug(session: Session, slug: str) -> tuple[int, str] | None:
    """(event id, status) of the event at this address, or None."""
    row = session.execute(select(Event.id, Event.status).where(Event.slug == slug)).one_or_none()
    return None if row is None else (row[0], row[1])


def etag(*parts: object) -> str:
    """A short opaque validator from the stamp and everything else the fragment depends on."""
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:20]

"""Event leaderboards."""
from __future__ import annotations

from flask import Blueprint

from ..extensions import db
from ..htmx import render
from ..participants import current_participant
from ..services import boards
from .public import live_event

bp = Blueprint("boards", __name__)


@bp.get("/e/<slug>/board")
def event_board(slug: str):
    """The event's board; just the fragment when htmx refreshes it."""
    event = live_event(slug)
    participant = current_participant()
    return render(
        "boards/board.html",
        block="board",
        event=event,
        rows=boards.event_board(db.session, event.id, limit=50),
        totals=boards.event_totals(db.session, event.id),
        rank=boards.rank_at_event(db.session, event.id, participant.id) if participant else None,
        me=participant.id if participant else None,
    )

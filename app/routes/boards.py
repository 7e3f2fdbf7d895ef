"""Leaderboards: per event (people, organizations) and across the platform
(people, organizations, events). Live refresh sends just the board block."""
from __future__ import annotations

from flask import Blueprint, request
from flask_babel import get_locale

from ..extensions import db
from ..services.live import boards, stamps
from ..web import live, live_event
from ..web.htmx import render
from ..web.participants import current_participant

bp = Blueprint("boards", __name__)

EVENT_TABS = ("people", "organizations")
GLOBAL_TABS = ("people", "organizations", "events")


def tab(allowed: tuple[str, ...]) -> str:
    chosen = request.args.get("by", allowed[0])
    return chosen if chosen in allowed else allowed[0]


@bp.get("/e/<slug>/board")
def event_board(slug: str):
    """The event's board; just the fragment when htmx refreshes it."""
    by = tab(EVENT_TABS)
    event_id = live.event_id(slug)
    unchanged, etag = live.revalidate("board", event_id, by)
    if unchanged is not None:
        return unchanged
    event = live_event(slug)
    etag = live.confirm(slug, event_id, event.id, etag)
    participant = current_participant()
    rows = (boards.event_board(db.session, event.id, limit=50) if by == "people"
            else boards.organizations(db.session, "event", event.id, limit=50))
    totals = boards.event_totals(db.session, event.id)
    rank = boards.rank_at_event(db.session, event.id, participant.id, of=totals.lines) if participant else None
    return live.tag(render(
        "boards/board.html",
        block="board",
        event=event,
        by=by,
        tabs=EVENT_TABS,
        rows=rows,
        totals=totals,
        rank=rank,
        me=participant.id if participant else None,
    ), etag)


@bp.get("/boards")
def platform_board():
    """Across the platform: the people, organizations and events that neutralized most."""
    by = tab(GLOBAL_TABS)
    unchanged, etag = live.revalidate("boards", stamps.PLATFORM, by)
    if unchanged is not None:
        return unchanged
    participant = current_participant()
    if by == "people":
        rows = boards.people(db.session, "global", 0, limit=50)
    elif by == "organizations":
        rows = boards.organizations(db.session, "global", 0, limit=50)
    else:
        rows = boards.events(db.session, limit=50, language=str(get_locale() or "en"))
    return live.tag(render(
        "boards/platform.html",
        block="board",
        by=by,
        tabs=GLOBAL_TABS,
        rows=rows,
        me=participant.id if participant else None,
    ), etag)

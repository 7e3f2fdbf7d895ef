"""Conditional live fragments: ETags from the live stamps, 304 before any rendering.

htmx polls a fragment every 10 s; the browser revalidates it with If-None-Match.
The ETag is built from the stamp (app.services.stamps) and everything else the
fragment shows: the language, the visitor's participant cookie ("your rank"),
the signed-in user, the tab. An unchanged fragment costs one stamp read.
Full pages carry a CSRF token per session, so only fragments are tagged.
"""
from __future__ import annotations

from flask import Response, abort, current_app, request
from flask_babel import get_locale

from .extensions import db
from .htmx import is_htmx
from .services import stamps


def _event_ids() -> dict[str, int]:
    """slug -> id of public events, remembered per app (so per process), bounded."""
    return current_app.extensions.setdefault("live_event_ids", {})


def event_stamp(slug: str) -> tuple[int, int]:
    """(event id, stamp) of a public event page, or 404 (drafts are not public).

    The slug's event id is remembered per process, so an unchanged fragment costs
    one primary-key read. That is safe: changing an event's slug or status bumps
    its stamp, and the fragment is then rendered through the full 404 checks.
    """
    known = _event_ids()
    event_id = known.get(slug)
    if event_id is None:
        found = stamps.event_by_slug(db.session, slug)
        if found is None or found[1] == "draft":
            abort(404)
        event_id = found[0]
        if len(known) > 10_000:
            known.clear()
        known[slug] = event_id
    return event_id, stamps.version(db.session, event_id)


def confirm(slug: str, event_id: int, rendered_id: int, etag: str | None) -> str | None:
    """The ETag, unless the slug now names another event (then forget it and leave this answer untagged)."""
    if rendered_id == event_id:
        return etag
    _event_ids().pop(slug, None)
    return None


def fragment_etag(*parts: object) -> str | None:
    """The fragment's validator, or None for a full page (which is not tagged)."""
    if not is_htmx():
        return None
    visitor = request.cookies.get(current_app.config["PARTICIPANT_COOKIE"], "")
    return stamps.etag(*parts, get_locale(), visitor)


def not_modified(etag: str | None) -> Response | None:
    """A 304 when the browser already holds this version of the fragment."""
    if etag is None or not request.if_none_match.contains_weak(etag):
        return None
    return tag(Response(status=304), etag)


def tag(response: Response, etag: str | None) -> Response:
    """Mark a fragment as revalidated on every poll, answered 304 while unchanged."""
    if etag is not None:
        response.set_etag(etag, weak=True)
        response.cache_control.no_cache = True
        response.cache_control.private = True
        for header in ("HX-Request", "Cookie", "Accept-Language"):
            response.vary.add(header)
    return response

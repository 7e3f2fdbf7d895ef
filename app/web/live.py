"""Conditional live fragments: ETags from the live stamps, 304 before any rendering.

htmx polls a fragment every 10 s; the browser revalidates it with If-None-Match.
The ETag is built from the stamp (app.services.live.stamps) and everything else the
fragment shows: the language, the visitor's participant cookie ("your rank"),
the signed-in user, the tab. Full pages carry a CSRF token per session, so only
fragments are tagged.

A crowded door is thousands of phones revalidating every 10 s, so a poll may be
answered from a stamp this process read up to LIVE_STAMP_SECONDS ago (default
1 s: no database at all). A poll whose ETag does not match that remembered stamp
reads it again before anything is rendered, so a change shows on the next poll
after at most that long, and nothing is ever rendered against an old stamp.
After a payment every phone fetches the fragment once: within the same window a
worker hands out the copy it rendered for that exact ETag instead of rendering it
again (the ETag names everything the fragment shows).
"""
from __future__ import annotations

import time

from flask import Response, abort, current_app, request
from flask_babel import get_locale

from ..extensions import db
from ..services.live import stamps
from .htmx import is_htmx


def _event_ids() -> dict[str, int]:
    """slug -> id of public events, remembered per app (so per process), bounded."""
    return current_app.extensions.setdefault("live_event_ids", {})


def event_id(slug: str) -> int:
    """The id of the public event at this address, or 404 (drafts are not public).

    The slug's event id is remembered per process. That is safe: changing an
    event's slug or status bumps its stamp, and the fragment is then rendered
    through the full 404 checks (see `confirm`).
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
    return event_id


def _stamps() -> dict[int, tuple[float, int]]:
    """scope id -> (monotonic time read, stamp), per process."""
    return current_app.extensions.setdefault("live_stamps", {})


def stamp(scope_id: int, *, fresh: bool = False) -> int:
    """The scope's stamp: from this process's memory when younger than LIVE_STAMP_SECONDS, unless fresh."""
    remembered = _stamps()
    now = time.monotonic()
    if not fresh and (seen := remembered.get(scope_id)) and now - seen[0] < current_app.config["LIVE_STAMP_SECONDS"]:
        return seen[1]
    value = stamps.version(db.session, scope_id)
    if len(remembered) > 10_000:
        remembered.clear()
    remembered[scope_id] = (now, value)
    return value


def revalidate(kind: str, scope_id: int, *parts: object) -> tuple[Response | None, str | None]:
    """(a 304 when the browser holds this version of the fragment, or this worker's copy of it rendered
    within the window, else None; the ETag to tag a new render with).

    The remembered stamp answers first; a mismatch reads the stamp afresh, so a render is
    never tagged with a stamp older than the data it shows.
    """
    if not is_htmx():
        return None, None
    etag = fragment_etag(kind, scope_id, stamp(scope_id), *parts)
    if (unchanged := not_modified(etag)) is not None:
        return unchanged, etag
    etag = fragment_etag(kind, scope_id, stamp(scope_id, fresh=True), *parts)
    return not_modified(etag) or _rendered_copy(etag), etag


def _copies() -> dict[str, tuple[float, bytes, list[tuple[str, str]]]]:
    """ETag -> (monotonic time rendered, body, headers) of fragments this process rendered, per process."""
    return current_app.extensions.setdefault("live_copies", {})


def _rendered_copy(etag: str | None) -> Response | None:
    """The fragment this worker rendered for this ETag within LIVE_STAMP_SECONDS, or None."""
    seen = _copies().get(etag) if etag else None
    if seen is None or time.monotonic() - seen[0] >= current_app.config["LIVE_STAMP_SECONDS"]:
        return None
    return Response(seen[1], status=200, headers=seen[2])


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
        if response.status_code == 200 and current_app.config["LIVE_STAMP_SECONDS"] > 0:
            copies = _copies()
            if len(copies) > 256:  # bounded: a copy outlives its window only until the next clear
                copies.clear()
            headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
            copies[etag] = (time.monotonic(), response.get_data(), headers)
    return response

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
from collections.abc import Callable

from flask import Response, abort, current_app, g, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

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


# What a shared view's render holds where the visitor's CSRF token goes: the copy holds nobody's token, and
# each answer gets its visitor's own (and the session that goes with it), as a render would give it.
TOKEN_MARK = "first-view-csrf-token-mark"


def shared_view(kind: str, scope_id: int, *parts: object, token: bool = True,
                holes: dict[str, Callable[[], str]] | None = None) -> tuple[Response | None, str | None]:
    """A plain GET of a public page by anyone not signed in (a door QR scanned by a new phone, or a
    visitor coming back): (this worker's copy of it rendered within LIVE_STAMP_SECONDS for the same key,
    with this visitor's holes filled, or None; the key to keep a new render under); (None, None) for an
    organizer, an htmx request, or a session with messages to flash (rendered for themselves).

    The key names the stamp (read as `revalidate` does: at most LIVE_STAMP_SECONDS old), the language,
    the address with its query and host, and `parts`. So a shared view is at most that old, like a
    poll's answer. The render shows nothing of the visitor but marks: where the page shows something of
    the visitor (your rank, your name), the route renders `hole(name)` and `holes[name]()` gives this
    visitor's HTML for it on every answer. The visitor's CSRF token: with `token`, the render's
    `csrf_token()` gives TOKEN_MARK (Flask-WTF keeps the token on `g`) and each answer gets the visitor's
    own in its place; without (a page with no form: the event page, a certificate), base.html leaves the
    htmx header out (`g.first_view`) and no session is started. An htmx POST takes the token of the form
    it includes (every `hx-post` has `hx-include` of a form with `csrf_token`), so a boosted visit on from
    such a page works. A copy with neither token nor holes is kept compressed.
    """
    if (request.method != "GET" or request.headers.get("HX-Request") or not _anonymous()
            or current_app.config["LIVE_STAMP_SECONDS"] <= 0):
        g.first_view = False
        return None, None
    g.holes = holes or {}
    if token:
        g.csrf_token = TOKEN_MARK
    else:
        g.first_view = True
    key = stamps.etag("page", kind, scope_id, stamp(scope_id), get_locale(), request.full_path, request.host_url,
                      token, *sorted(g.holes), *parts)
    seen = _shared_views().get(key)
    if seen is None or time.monotonic() - seen[0] >= current_app.config["LIVE_STAMP_SECONDS"]:
        return None, key
    return _answer(Response(seen[1], status=200, headers=seen[2]), seen[3]), key


def _anonymous() -> bool:
    """Nobody signed in (nor remembered) and no message waiting: what a shared view may be shown to."""
    if not request.cookies:
        return True
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return False
    return "_user_id" not in session and "_flashes" not in session


def hole(name: str) -> Markup | None:
    """The mark a shared render holds where the visitor's `name` goes, or None in any other render."""
    holes = g.get("holes")
    return Markup(_mark(name)) if holes and name in holes else None


def _mark(name: str) -> str:
    return f"shared-view-hole-{name}-mark"


def _shared_views() -> dict[str, tuple[float, bytes, list[tuple[str, str]], dict[str, bytes]]]:
    """key -> (monotonic time rendered, body, headers, body compressed per encoding), per process."""
    return current_app.extensions.setdefault("shared_views", {})


def keep_shared_view(response: Response, key: str | None) -> Response:
    """Keep this worker's copy of a shared view (see `shared_view`) for LIVE_STAMP_SECONDS, only a 200
    that set no cookie; answer it with the visitor's own CSRF token and holes."""
    if key is None:
        return response
    packed: dict[str, bytes] = {}
    if response.status_code == 200 and not response.headers.get("Set-Cookie"):
        copies = _shared_views()
        if len(copies) > 256:  # bounded: a copy outlives its window only until the next clear
            copies.clear()
        headers = [(k, v) for k, v in response.headers.items() if k.lower() != "content-length"]
        copies[key] = (time.monotonic(), response.get_data(), headers, packed)
    return _answer(response, packed)


def _answer(response: Response, packed: dict[str, bytes]) -> Response:
    """The visitor's own token and holes in place of their marks. An answer with nothing of the visitor's
    own (no token, every hole empty: a new phone) is the same bytes for everyone, compressed once per copy
    (brotli, as Flask-Compress would: it leaves a response that has a Content-Encoding alone)."""
    g.pop("csrf_token", None)
    body = response.get_data()
    filled = {name: str(fill()).encode() for name, fill in (g.pop("holes", None) or {}).items()}
    if TOKEN_MARK.encode() in body or any(filled.values()):
        body = body.replace(TOKEN_MARK.encode(), generate_csrf().encode())
        for name, part in filled.items():
            body = body.replace(_mark(name).encode(), part)
        response.set_data(body)
        return response
    if "plain" not in packed:
        for name in filled:
            body = body.replace(_mark(name).encode(), b"")
        packed["plain"] = body
    response.set_data(packed["plain"])
    if "br" in current_app.config.get("COMPRESS_ALGORITHM", ()) and request.accept_encodings["br"] > 0:
        if "br" not in packed:
            import brotli

            packed["br"] = brotli.compress(packed["plain"], mode=brotli.MODE_TEXT,
                                           quality=current_app.config.get("COMPRESS_BR_LEVEL", 4))
        response.set_data(packed["br"])
        response.headers["Content-Encoding"] = "br"
        response.vary.add("Accept-Encoding")
    return response


def read_only() -> None:
    """Before a hole's first read: on SQLite its transaction is a plain BEGIN (a WAL snapshot), not the
    write lock every other transaction takes (the holes only read, and the answer follows)."""
    if not db.session().in_transaction():
        db.session.connection(execution_options={"read_only": True})

"""Compression, content-hashed static URLs and conditional live fragments."""
from __future__ import annotations

import gzip
import re

import brotli
from flask_babel import refresh

ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_pages_and_fragments_are_compressed(client, htmx, make_event):
    make_event(slug="forum")
    plain = client.get("/e/forum").get_data()
    br = client.get("/e/forum", headers={"Accept-Encoding": "br, gzip"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == plain and len(br.get_data()) < len(plain) / 2
    gz = client.get("/e/forum", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == plain
    assert "Content-Encoding" not in client.get("/e/forum", headers={"Accept-Encoding": "identity"}).headers
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"


def test_static_files_have_hashed_immutable_urls(client, make_event):
    make_event(slug="forum")
    html = client.get("/e/forum").get_data(as_text=True)
    urls = ASSETS.findall(html)
    css = next(u for u in urls if u.startswith("/static/css/app."))
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css)
    hashed = client.get(css, headers={"Accept-Encoding": "br"})
    assert hashed.status_code == 200 and hashed.headers["Content-Encoding"] == "br"
    cache = hashed.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")
    assert brotli.decompress(hashed.get_data()) == plain.get_data()
    assert client.get("/static/css/app.000000000000.css").status_code == 404
    for url in urls:
        assert client.get(url).status_code == 200, url
    # Nothing blocks rendering: the one script tag is boot.js, inline, which starts the hashed scripts it
    # names after the first paint.
    assert re.findall(r"<script[^>]*>", html) == [re.search(r'<script data-scripts="[^"]+">', html).group(0)]
    scripts = re.search(r'<script data-scripts="([^"]+)">', html).group(1).split()
    assert [re.sub(r"\.[0-9a-f]{12}\.js$", ".js", s) for s in scripts] == [
        "/static/js/htmx-2.0.11.min.js", "/static/js/app.js"]
    for url in scripts:
        assert client.get(url).status_code == 200, url


class Statements:
    """Every SQL statement the app runs while this is open."""

    def __init__(self, db):
        self.engine, self.seen = db.engine, []

    def _record(self, _conn, _cursor, statement, *_args):
        self.seen.append(statement)

    def __enter__(self):
        from sqlalchemy import event

        event.listen(self.engine, "before_cursor_execute", self._record)
        return self.seen

    def __exit__(self, *_exc):
        from sqlalchemy import event

        event.remove(self.engine, "before_cursor_execute", self._record)


def revalidate(htmx, path, etag, **headers):
    return htmx.get(path, headers={"If-None-Match": etag, **headers})


def test_event_fragment_answers_304_from_the_stamp_alone(htmx, db, make_event, make_order):
    event = make_event(slug="forum")
    first = htmx.get("/e/forum")
    etag = first.headers["ETag"]
    assert first.status_code == 200 and etag.startswith('W/"') and "no-cache" in first.headers["Cache-Control"]
    assert {"Cookie", "HX-Request"} <= set(first.headers["Vary"].replace(" ", "").split(","))
    with Statements(db) as seen:
        again = revalidate(htmx, "/e/forum", etag)
    assert again.status_code == 304 and again.get_data() == b"" and again.headers["ETag"] == etag
    selects = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1 and "live_stamp" in selects[0] and "board_total" not in " ".join(seen)
    make_order(event=event, kg=250)  # a payment bumps the stamp
    changed = revalidate(htmx, "/e/forum", etag)
    assert changed.status_code == 200 and changed.headers["ETag"] != etag and "0.25 t" in changed.get_data(as_text=True)
    assert revalidate(htmx, "/e/forum", changed.headers["ETag"]).status_code == 304


def test_a_poll_within_the_stamp_window_reads_nothing(app, htmx, db, make_event, make_order, monkeypatch):
    import app.web.live as live

    event = make_event(slug="forum")
    app.config["LIVE_STAMP_SECONDS"] = 5
    clock = [1000.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: clock[0])
    etag = htmx.get("/e/forum").headers["ETag"]
    with Statements(db) as seen:
        assert revalidate(htmx, "/e/forum", etag).status_code == 304
    assert seen == []  # the stamp this process read a moment ago answers: no database at all
    make_order(event=event, kg=250)
    clock[0] += 4  # still inside the window: this process has not looked again
    assert revalidate(htmx, "/e/forum", etag).status_code == 304
    clock[0] += 2  # past it: the new stamp is read and the fragment rendered
    changed = revalidate(htmx, "/e/forum", etag)
    assert changed.status_code == 200 and "0.25 t" in changed.get_data(as_text=True)
    newer = changed.headers["ETag"]
    assert revalidate(htmx, "/e/forum", newer).status_code == 304
    make_order(event=event, kg=250)
    # Inside the window again, a phone whose copy this process does not recognise (another server
    # rendered it after the payment) makes it read the stamp afresh: nothing is rendered stale.
    other = revalidate(htmx, "/e/forum", 'W/"rendered-by-another-server"')
    assert other.status_code == 200 and "0.5 t" in other.get_data(as_text=True)
    assert revalidate(htmx, "/e/forum", other.headers["ETag"]).status_code == 304


def test_after_a_change_each_worker_renders_a_fragment_once_per_window(app, htmx, db, make_event, make_order,
                                                                        monkeypatch):
    import app.web.live as live

    event = make_event(slug="forum")
    app.config["LIVE_STAMP_SECONDS"] = 5
    clock = [1000.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: clock[0])
    make_order(event=event, kg=250)
    first = htmx.get("/e/forum")  # a phone that has no copy yet: rendered
    with Statements(db) as seen:
        second = htmx.get("/e/forum")  # the next phone within the window: the same bytes, not rendered again
    assert second.status_code == 200 and second.get_data() == first.get_data()
    assert second.headers["ETag"] == first.headers["ETag"] and "0.25 t" in second.get_data(as_text=True)
    assert len(seen) == 1 and "live_stamp" in seen[0]  # only the stamp, read afresh: no boards, no event
    make_order(event=event, kg=250)  # a payment: a new stamp, so a new ETag and a new render
    third = htmx.get("/e/forum")
    assert third.headers["ETag"] != first.headers["ETag"] and "0.5 t" in third.get_data(as_text=True)
    clock[0] += 6  # past the window the copy is not used: rendered again (same stamp, same bytes)
    with Statements(db) as seen:
        fourth = htmx.get("/e/forum")
    assert fourth.get_data() == third.get_data() and any("board_total" in s or "event" in s for s in seen[1:])


def test_fragment_etag_varies_with_language_and_visitor(client, htmx, make_event):
    make_event(slug="forum")
    etag = htmx.get("/e/forum").headers["ETag"]
    refresh()  # the tests' requests share one app context, where Flask-Babel keeps the locale
    chinese = revalidate(htmx, "/e/forum", etag, **{"Accept-Language": "zh"})
    assert chinese.status_code == 200 and chinese.headers["ETag"] != etag
    client.set_cookie("cd_participant", "x" * 43)
    refresh()
    assert revalidate(htmx, "/e/forum", etag).status_code == 200  # another visitor: another "your rank"
    assert "ETag" not in client.get("/e/forum").headers  # full pages carry a session's CSRF token: not tagged


def test_boards_fragments_304_until_something_changes(htmx, db, make_event, make_order):
    from app.models import Participant
    from app.services.live import boards

    event = make_event(slug="forum")
    visitor = Participant(token="t" * 30, display_name="Ana")
    db.session.add(visitor)
    make_order(event=event, kg=100, participant=visitor, name="Ana", show=True, organization="Acme")
    tags = {path: htmx.get(path).headers["ETag"] for path in
            ("/e/forum/board", "/e/forum/board?by=organizations", "/boards", "/boards?by=events")}
    assert len(set(tags.values())) == 4  # the tab is part of the validator
    for path, etag in tags.items():
        assert revalidate(htmx, path, etag).status_code == 304, path
    boards.hide_name(db.session, visitor)
    db.session.commit()
    for path, etag in tags.items():
        assert revalidate(htmx, path, etag).status_code == 200, path
    tags = {path: htmx.get(path).headers["ETag"] for path in tags}
    assert boards.hide_organization(db.session, "ACME") == 2
    db.session.commit()
    assert all(revalidate(htmx, path, etag).status_code == 200 for path, etag in tags.items())
    assert revalidate(htmx, "/e/nowhere/board", tags["/e/forum/board"]).status_code == 404


def test_other_events_keep_their_304(htmx, make_event, make_order):
    make_event(slug="forum")
    other = make_event(slug="other")
    etag = htmx.get("/e/forum").headers["ETag"]
    platform = htmx.get("/boards").headers["ETag"]
    make_order(event=other)
    assert revalidate(htmx, "/e/forum", etag).status_code == 304
    assert revalidate(htmx, "/boards", platform).status_code == 200


def test_dashboard_fragment_304_per_organizer(client, htmx, db, make_event, make_order):
    from app.models import Organization
    from tests.accounts import login_as, make_user

    ann, bo = make_user(db, "ann@example.com"), make_user(db, "bo@example.com")
    org = Organization(name="Acme Events")
    db.session.add(org)
    org.members.extend([ann, bo])
    db.session.commit()
    event = make_event(slug="forum", organization_id=org.id)
    login_as(client, ann)
    path = f"/organizer/events/{event.id}"
    etag = htmx.get(path).headers["ETag"]
    assert revalidate(htmx, path, etag).status_code == 304
    login_as(client, bo)
    assert revalidate(htmx, path, etag).status_code == 200  # the signed-in user is part of the validator
    login_as(client, ann)
    make_order(event=event, kg=300)
    assert revalidate(htmx, path, etag).status_code == 200


def test_live_fragments_carry_nothing_of_a_session(client, htmx, db, make_event, make_order):
    """A worker hands one rendered copy to every phone with the same ETag (app/web/live.py), so a
    fragment must hold nothing the ETag does not name: no CSRF token, no form."""
    from app.models import Organization
    from tests.accounts import login_as, make_user

    ann = make_user(db, "ann@example.com")
    org = Organization(name="Acme Events")
    db.session.add(org)
    org.members.append(ann)
    db.session.commit()
    event = make_event(slug="forum", organization_id=org.id)
    make_order(event=event, kg=300)
    login_as(client, ann)
    for path in ("/e/forum", "/e/forum/board", "/boards", f"/organizer/events/{event.id}"):
        response = htmx.get(path)
        body = response.get_data(as_text=True)
        assert response.headers.get("ETag") and "csrf" not in body.lower() and "<form" not in body, path


def test_revocation_bumps_the_event(htmx, db, make_event, make_order):
    from app.services.certificates import images

    event = make_event(slug="forum")
    order = make_order(event=event)
    etag = htmx.get("/e/forum").headers["ETag"]
    images.revoke(db.session, order.certificate, "  test   reason ")
    db.session.commit()
    assert order.certificate.status == "revoked" and order.certificate.revoked_reason == "test reason"
    assert revalidate(htmx, "/e/forum", etag).status_code == 200


def test_a_slug_given_to_another_event_is_not_served_from_the_old_stamp(htmx, db, make_event, make_order):
    first = make_event(slug="forum")
    htmx.get("/e/forum")  # the slug's event id is remembered
    first.slug = "forum-2025"
    db.session.commit()
    second = make_event(slug="forum")
    answer = htmx.get("/e/forum")
    assert answer.status_code == 200 and "ETag" not in answer.headers  # not tagged with the old event's stamp
    tagged = htmx.get("/e/forum")
    make_order(event=second)
    assert revalidate(htmx, "/e/forum", tagged.headers["ETag"]).status_code == 200

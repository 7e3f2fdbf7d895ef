"""Shared views at the door (issue #28): a phone gets this second's copy of a public page, with its own
token, rank and name filled in; never another visitor's token, session, rank or name."""
from __future__ import annotations

import re

import pytest
from flask_babel import refresh
from sqlalchemy import event as sa_event

from app.web import live

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def window(app, monkeypatch):
    """The production window (here 5 s) and a clock the test moves."""
    app.config["LIVE_STAMP_SECONDS"] = 5
    clock = [1000.0]
    monkeypatch.setattr(live.time, "monotonic", lambda: clock[0])
    return clock


def statements(db, run):
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    sa_event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = run()
    finally:
        sa_event.remove(db.engine, "before_cursor_execute", record)
    return response, seen


def new_phone(app):
    from flask import g

    refresh()  # the tests' requests share one app context, where Flask-Babel keeps the locale (and `g`)
    for kept in ("first_view", "participant", "holes", "calculator_identity"):
        g.pop(kept, None)
    return app.test_client()


def visitor_phone(app, db, token: str):
    """A phone whose browser is the participant `token` (created if new)."""
    from app.models import Participant

    if db.session.query(Participant).filter_by(token=token).one_or_none() is None:
        db.session.add(Participant(token=token))
        db.session.flush()
    phone = new_phone(app)
    phone.set_cookie("cd_participant", token)
    return phone


def test_a_first_view_of_the_event_page_is_one_copy_per_window(app, db, window, make_event, make_order):
    event = make_event(slug="forum")
    make_order(event=event, kg=250)
    first = new_phone(app).get("/e/forum")
    second, seen = statements(db, lambda: new_phone(app).get("/e/forum"))
    assert second.status_code == 200 and second.get_data() == first.get_data() and seen == []
    body = second.get_data(as_text=True)
    assert "0.25 t" in body and "X-CSRFToken" not in body and live.TOKEN_MARK not in body
    assert "Set-Cookie" not in first.headers and "Set-Cookie" not in second.headers  # no session, no token
    br = new_phone(app).get("/e/forum", headers={"Accept-Encoding": "br, gzip"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    import brotli

    assert brotli.decompress(br.get_data()) == first.get_data()
    make_order(event=event, kg=250)  # a payment bumps the stamp: the copy is not used once the stamp is read
    window[0] += 6
    assert "0.5 t" in new_phone(app).get("/e/forum").get_data(as_text=True)


def test_a_returning_visitor_gets_the_copy_with_their_own_rank(app, db, window, make_event, make_order):
    from app.models import Participant

    event = make_event(slug="forum")
    for token, kg in (("v" * 43, 300), ("w" * 43, 500)):
        visitor_phone(app, db, token)
        make_order(event=event, kg=kg, participant=db.session.query(Participant).filter_by(token=token).one())
    new_phone(app).get("/e/forum")  # the copy exists
    copy = live._shared_views()
    assert len(copy) == 1 and live._mark("rank").encode() in next(iter(copy.values()))[1]  # nobody's rank in it
    mine, seen = statements(db, lambda: visitor_phone(app, db, "v" * 43).get("/e/forum"))
    body = mine.get_data(as_text=True)
    assert mine.status_code == 200 and "You are #2 of 2 at this event." in body and "0.8 t" in body
    assert not any("board_totals" in s and "count" in s.lower() and "sum" in s.lower() for s in seen)  # no render
    theirs = visitor_phone(app, db, "w" * 43).get("/e/forum").get_data(as_text=True)
    assert "You are #1 of 2 at this event." in theirs and "#2 of 2" not in theirs
    anyone = new_phone(app).get("/e/forum").get_data(as_text=True)
    assert "You are #" not in anyone and "shared-view-hole" not in anyone
    assert "X-CSRFToken" not in body  # no form on this page: every hx-post carries its form's own token


def test_an_organizer_is_rendered_for_themselves(app, db, window, make_event):
    from tests.accounts import login_as, make_user

    make_event(slug="forum")
    new_phone(app).get("/e/forum")
    phone = new_phone(app)
    login_as(phone, make_user(db, "org@example.com"))
    page, seen = statements(db, lambda: phone.get("/e/forum"))
    assert page.status_code == 200 and seen and "X-CSRFToken" in page.get_data(as_text=True)


def test_a_first_view_in_another_language_is_its_own_copy(app, window, make_event):
    make_event(slug="forum")
    english = new_phone(app).get("/e/forum").get_data(as_text=True)
    chinese = new_phone(app).get("/e/forum", headers={"Accept-Language": "zh-CN"}).get_data(as_text=True)
    assert 'lang="en' in english and 'lang="zh' in chinese
    assert 'lang="zh' in new_phone(app).get("/e/forum?lang=zh").get_data(as_text=True)


def test_each_first_view_of_the_calculator_carries_its_own_token(app, window, make_event, make_project):
    app.config["WTF_CSRF_ENABLED"] = True
    make_event(slug="forum")
    make_project()
    phones = [new_phone(app) for _ in range(2)]
    pages = [phone.get("/e/forum/calculate") for phone in phones]
    tokens = [TOKEN.search(page.get_data(as_text=True)).group(1) for page in pages]
    assert tokens[0] != tokens[1] and live.TOKEN_MARK not in pages[1].get_data(as_text=True)
    assert all("session=" in page.headers.get("Set-Cookie", "") for page in pages)
    for page, token in zip(pages, tokens, strict=True):
        assert f'"X-CSRFToken": "{token}"' in page.get_data(as_text=True)
    form = {"legs-0-mode": "taxi", "legs-0-distance_km": "10"}
    hx = {"HX-Request": "true"}
    assert phones[1].post("/e/forum/calculate", data=form, headers={**hx, "X-CSRFToken": tokens[1]}).status_code == 200
    assert phones[1].post("/e/forum/calculate", data=form, headers={**hx, "X-CSRFToken": tokens[0]}).status_code == 400


def test_a_first_view_of_a_certificate_follows_its_revocation(app, db, window, make_order):
    from app.services.certificates import images

    order = make_order(kg=120)
    path = f"/c/{order.certificate.token}"
    first = new_phone(app).get(path)
    assert first.status_code == 200 and "X-CSRFToken" not in first.get_data(as_text=True)
    assert new_phone(app).get(path).get_data() == first.get_data()
    images.revoke(db.session, order.certificate, "test reason")
    db.session.commit()
    window[0] += 6  # within the window a first view may be that old (as a poll's answer); not after it
    assert "test reason" in new_phone(app).get(path).get_data(as_text=True)
    assert new_phone(app).get("/c/" + "x" * 24).status_code == 404


def test_the_calculator_copy_holds_each_visitors_own_name(app, db, window, make_event, make_project, make_order):
    from app.models import Participant

    event = make_event(slug="forum")
    make_project()
    visitor_phone(app, db, "n" * 43)
    make_order(event=event, participant=db.session.query(Participant).filter_by(token="n" * 43).one(),
               name='Mei "<Lin>"', organization="Panda Lab", show=True)
    blank = new_phone(app).get("/e/forum/calculate").get_data(as_text=True)  # the copy
    assert 'id="display_name" name="display_name" maxlength="60" value=""' in blank
    page = visitor_phone(app, db, "n" * 43).get("/e/forum/calculate").get_data(as_text=True)
    assert 'value="Mei &#34;&lt;Lin&gt;&#34;"' in page and 'value="Panda Lab"' in page  # escaped, as a render would
    assert 'name="show_on_board" checked' in page and 'name="show_on_board" checked' not in blank
    again = new_phone(app).get("/e/forum/calculate").get_data(as_text=True)
    assert "Mei" not in again and "Panda Lab" not in again and "shared-view-hole" not in again


def test_a_certificate_shows_its_buyer_their_own_lines(app, db, window, make_order):
    from app.models import Participant

    visitor_phone(app, db, "b" * 43)
    order = make_order(kg=120, participant=db.session.query(Participant).filter_by(token="b" * 43).one())
    path = f"/c/{order.certificate.token}"
    anyone = new_phone(app).get(path).get_data(as_text=True)
    buyer = visitor_phone(app, db, "b" * 43).get(path).get_data(as_text=True)
    assert "All your certificates" in buyer and "All your certificates" not in anyone
    assert new_phone(app).get(path).get_data(as_text=True) == anyone

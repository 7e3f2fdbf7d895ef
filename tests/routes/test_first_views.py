"""First views at the door (issue #28): a phone with no cookie gets this second's copy of a public page,
never another visitor's token, session or rank."""
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
    g.pop("first_view", None)
    return app.test_client()


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


def test_a_visitor_with_a_cookie_is_rendered_for_themselves(app, db, window, make_event, make_order):
    from app.models import Participant

    event = make_event(slug="forum")
    visitor = Participant(token="v" * 43)
    db.session.add(visitor)
    db.session.flush()
    make_order(event=event, kg=300, participant=visitor)
    new_phone(app).get("/e/forum")  # a copy exists
    phone = new_phone(app)
    phone.set_cookie("cd_participant", "v" * 43)
    mine, seen = statements(db, lambda: phone.get("/e/forum"))
    assert mine.status_code == 200 and seen  # rendered, with their rank
    assert "X-CSRFToken" in mine.get_data(as_text=True)


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

"""Issue #26, the kiosk walk (1920x1080, taps only): a local visitor (the venue's own city, a local
mode and a distance), the minimum charge explained, a choice of project, "Cancel" releasing the
held credits, a searched place's tile keeping its words whole, and an archived event's kiosk
taking no walk-ups. The kiosk has no form to type in: every choice is a link, so JavaScript on
and off walk the same pages (both are walked where the page is a form post)."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from tests.browser.conftest import SHOTS
from tests.browser.helpers import watch_errors

pytestmark = pytest.mark.browser

SLUG = "cdcn-forum-2021"


@pytest.fixture(scope="module")
def kiosk_app(tmp_path_factory):
    """A seeded server and its app (to read the orders and to archive an event)."""
    import threading

    from flask_migrate import upgrade
    from werkzeug.serving import make_server

    from app import create_app
    from app.commands.demo import seed_demo

    db_file = tmp_path_factory.mktemp("walkkiosk") / "kiosk.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "WTF_CSRF_ENABLED": True,
                      "TESTING": False})
    with app.app_context():
        upgrade()
        seed_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield base, app
    server.shutdown()


def kiosk_page(browser, js=True):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, has_touch=True, locale="en-US",
                                  java_script_enabled=js)
    return context.new_page()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_a_local_visitor_comes_by_metro_sees_the_minimum_chooses_a_project_and_cancels(kiosk_app, browser, js):
    base, app = kiosk_app
    page = kiosk_page(browser, js)
    errors = watch_errors(page)
    page.goto(f"{base}/kiosk/{SLUG}/calculate")
    # 12. The venue's own city has a tile; within it, only the local modes, and a distance.
    page.locator(".k-here").click()
    expect(page.locator(".k-here")).to_have_attribute("aria-current", "true")
    modes = page.locator("[aria-labelledby=step-mode] .k-tile")
    expect(modes).to_have_text(["Metro", "Bus", "Taxi", "Car", "Cycling", "Walking"])
    page.get_by_role("link", name="Metro", exact=True).click()
    expect(page.locator(".k-kg")).to_have_count(0)  # no distance yet, no error either
    expect(page.locator(".k-error")).to_have_count(0)
    page.get_by_role("link", name="5 km", exact=True).click()
    page.get_by_role("link", name="One kilometre more").click()
    expect(page.locator(".k-km")).to_have_text("6 km")
    expect(page.locator(".k-kg")).to_be_visible()  # 6 km each way by metro: 0.3 kg
    # 15. The minimum charge is said, as on the phone calculator.
    expect(page.locator(".k-minimum")).to_have_text(re.compile(r"¥\d+\.\d\d minimum: retires \d+\s?kg, \d+\s?kg more "
                                                               r"than your footprint\."))
    # 16. The projects on offer as tiles; choosing one changes the order's project.
    tiles = page.locator(".k-projects .k-tile")
    assert tiles.count() >= 2
    second = tiles.nth(1)
    name = second.evaluate("el => el.firstChild.textContent.trim()")
    second.click()
    expect(page.locator(".k-projects .k-tile.on")).to_contain_text(name)
    fits = page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert fits
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"walk-kiosk-12-local-{'js' if js else 'nojs'}.png"))
    page.get_by_role("button", name="Pay on your phone").click()
    page.wait_for_url(re.compile(rf"/kiosk/{SLUG}/handoff/[A-Za-z0-9_-]{{24}}$"))
    expect(page.locator(".k-muted").last).to_contain_text(name)

    from app.extensions import db
    from app.models import Order
    with app.app_context():
        order = db.session.scalars(
            select(Order).where(Order.handoff_hash.is_not(None)).order_by(Order.id.desc())).first()
        assert order.status == "pending" and order.project.name == name
        order_id = order.id
    # 16. "Cancel" releases the held credits at once (a POST through the handoff service).
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(re.compile(rf"/kiosk/{SLUG}$"))
    with app.app_context():
        assert db.session.get(Order, order_id).status == "cancelled"
    assert errors == []
    page.context.close()


BROKEN_WORDS = """() => { const out = [];
    for (const tile of document.querySelectorAll('.k-tile')) {
        const walker = document.createTreeWalker(tile, NodeFilter.SHOW_TEXT); let node;
        while ((node = walker.nextNode())) {
            const re = /\\S+/g; let m;
            while ((m = re.exec(node.textContent))) {
                const range = document.createRange();
                range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
                if ([...range.getClientRects()].filter(r => r.width > 0).length > 1) out.push(m[0]);
            } } }
    return out; }"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (1080, 1920)])
def test_a_searched_place_keeps_its_words_whole(kiosk_app, browser, width, height):
    base, _app = kiosk_app
    context = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, locale="en-US")
    page = context.new_page()
    for query in ("SHIJIAZHUANG", "XISHUANGBANNA", "URUMQI"):
        page.goto(f"{base}/kiosk/{SLUG}/calculate?mode=flight&q={query}")
        expect(page.locator(".k-found .k-tile").first).to_be_visible()
        assert page.evaluate(BROKEN_WORDS) == [], query  # no word split across two lines
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        if query == "SHIJIAZHUANG":
            page.screenshot(path=str(SHOTS / f"walk-kiosk-16-search-{width}x{height}.png"))
        page.locator(".k-found .k-tile").first.click()
        expect(page.locator(".k-search-tile.on")).to_be_visible()
        assert page.evaluate(BROKEN_WORDS) == [], query
    context.close()


def test_an_archived_event_s_kiosk_says_so_and_takes_no_walk_ups(kiosk_app, browser):
    base, app = kiosk_app
    from app.extensions import db
    from app.models import Event
    with app.app_context():
        event = db.session.scalars(select(Event).where(Event.slug == "chengdu-marathon-2026")).one()
        event.status = "archived"
        db.session.commit()
    page = kiosk_page(browser)
    page.goto(f"{base}/kiosk/chengdu-marathon-2026")
    expect(page.get_by_role("heading", name="This event is closed")).to_be_visible()
    expect(page.get_by_role("link", name="I want to be carbon neutral")).to_have_count(0)
    page.screenshot(path=str(SHOTS / "walk-kiosk-14-archived.png"))
    page.goto(f"{base}/kiosk/chengdu-marathon-2026/calculate?mode=flight&from=PEK")
    page.wait_for_url(re.compile(r"/kiosk/chengdu-marathon-2026$"))
    response = page.request.post(f"{base}/kiosk/chengdu-marathon-2026/order",
                                 form={"mode": "flight", "from": "PEK", "return": "1"}, max_redirects=0)
    assert response.status == 303 and response.headers["location"].endswith("/kiosk/chengdu-marathon-2026")
    page.context.close()

"""A live CarbonDot server (migrated with Alembic, demo data seeded, CSRF on)
and Debian's chromium driven by Playwright at phone size."""
from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]
SHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def pytest_collection_modifyitems(config, items):
    if Path(CHROMIUM).exists() or shutil.which("chromium"):
        return
    if os.environ.get("CARBONDOT_REQUIRE_BROWSER"):
        raise pytest.UsageError(f"Browser tests required but {CHROMIUM} is missing: apt-get install chromium")
    skip = pytest.mark.skip(reason=f"{CHROMIUM} not installed (apt-get install chromium); CI installs it")
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


def serve_seeded(tmp_path_factory, name: str = "live", **config):
    """A migrated, seeded CarbonDot on a free port (CSRF on), served until the generator closes."""
    from flask_migrate import upgrade

    from app import create_app
    from app.commands.demo import seed_demo

    db_file = tmp_path_factory.mktemp(name) / f"{name}.db"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_file}", "WTF_CSRF_ENABLED": True,
                      "TESTING": False, **config})
    with app.app_context():
        upgrade()
        seed_demo()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    base = f"http://127.0.0.1:{server.server_port}"
    app.config["BASE_URL"] = base
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield base
    server.shutdown()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    yield from serve_seeded(tmp_path_factory)


def scripts_started(page) -> None:
    """Wait until a page's scripts have run. boot.js starts htmx and app.js once the page has loaded and
    painted, so a navigation's "load" comes first; <html data-scripts="ready"> says they ran. Without
    JavaScript (no "has-js") there is nothing to wait for."""
    if page.locator("html.has-js").count():
        page.locator("html[data-scripts=ready]").wait_for(state="attached")


def _after_navigation(method):
    def navigate(self, *args, **kwargs):
        result = method(self, *args, **kwargs)
        if kwargs.get("wait_until", "load") == "load":  # a test that asks for less gets less
            scripts_started(self)
        return result
    return navigate


def _wait_for_scripts_after_navigations():
    """Every test's goto, reload, Back, Forward and wait_for_url returns once the page's scripts run, as
    a visitor's tap lands on a live page (tests type at once; a person takes longer than the scripts)."""
    from playwright.sync_api import Page

    for name in ("goto", "reload", "go_back", "go_forward", "wait_for_url"):
        setattr(Page, name, _after_navigation(getattr(Page, name)))


_wait_for_scripts_after_navigations()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take

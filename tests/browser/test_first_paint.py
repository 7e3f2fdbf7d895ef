"""Issue #28: a page paints before its scripts load (boot.js starts htmx and app.js after the first paint,
so a slow phone shows the event page first), and is live once they have run."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import watch_errors

pytestmark = pytest.mark.browser

# (the script's URL, when its request started, when the first contentful paint was), in ms since navigation.
TIMINGS = """() => {
    const paint = performance.getEntriesByName("first-contentful-paint")[0];
    return performance.getEntriesByType("resource").filter(r => r.initiatorType === "script")
        .map(r => [r.name, r.startTime, paint ? paint.startTime : null]);
}"""


@pytest.mark.parametrize("path", ["/e/cdcn-forum-2021", "/e/cdcn-forum-2021/calculate", "/kiosk/cdcn-forum-2021"])
def test_scripts_start_after_the_first_paint_and_the_page_is_live(live_server, phone, path):
    errors = watch_errors(phone)  # a CSP refusal of the inlined boot script would show here
    phone.goto(live_server + path)  # returns once <html data-scripts="ready"> (tests/browser/conftest.py)
    timings = phone.evaluate(TIMINGS)
    assert {name.rsplit("/", 1)[-1].split(".")[0] for name, _start, _paint in timings} >= {"htmx-2"}
    for name, start, paint in timings:
        assert paint is not None and start >= paint, (name, start, paint)
    assert phone.evaluate("() => typeof window.htmx") == "object"
    expect(phone.locator("html")).to_have_class("has-js")
    assert errors == []


def test_the_calculator_is_live_after_boot(live_server, phone):
    phone.goto(live_server + "/e/cdcn-forum-2021/calculate")
    with phone.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/calculate")):
        phone.locator("#legs-0-distance_km").fill("120")  # htmx's live total answers: it started


def test_what_is_typed_before_the_scripts_run_gets_its_live_total(live_server, phone):
    """A visitor who types while htmx is still on its way (held here) gets the live total once it runs."""
    import re

    held = []
    phone.route(re.compile(r".*/js/htmx-2[^/]*\.js$"), lambda route: held.append(route))
    with phone.expect_request(re.compile(r".*/js/htmx-2[^/]*\.js$")):  # boot.js asked for it: the page painted
        phone.goto(live_server + "/e/cdcn-forum-2021/calculate", wait_until="domcontentloaded")
    phone.locator("#legs-0-mode").select_option("taxi")
    phone.locator("#legs-0-distance_km").fill("65")
    expect(phone.locator("html")).to_have_attribute("data-typed", "")
    before = phone.locator(".total-value strong").inner_text()
    with phone.expect_response(lambda r: r.request.method == "POST" and r.url.endswith("/calculate")):
        held[0].continue_()
    expect(phone.locator(".total-value strong")).not_to_have_text(before)
    expect(phone.locator("html")).to_have_attribute("data-scripts", "ready")

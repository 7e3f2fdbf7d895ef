"""Issue #26, the visitor's calculator walked on a 390x844 phone, JavaScript on and off: Enter/Go never adds
or removes a trip (1), a language switch keeps the answers (2), the total and "Neutralize and pay" stay in
sight while typing (3), "1,200" km is read as each language writes it (4), and names stay out of URLs (10)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS
from tests.browser.helpers import watch_errors

pytestmark = pytest.mark.browser

CALC = "/e/qingcheng-mountain/calculate"
NAME, ORG = "Mei Zhang", "Panda Lab"


@pytest.fixture(params=[True, False], ids=["js", "nojs"])
def javascript(request):
    return request.param


@pytest.fixture
def page(browser, javascript):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="en-US", java_script_enabled=javascript)
    yield context.new_page()
    context.close()


# The page tells the console when the swap of the next request it sends has settled (the CSP forbids polling
# with evaluated strings). A newer request replaces an older one in flight (hx-sync), so what swaps after it
# starts carries what is typed now; a response alone is not enough, htmx swaps after it.
WHEN_SETTLED = """() => document.body.addEventListener("htmx:beforeRequest", () =>
    document.body.addEventListener("htmx:afterSettle", () => console.info("settled"), {once: true}), {once: true})"""


def total(page) -> str:
    return page.locator(".total-value strong").inner_text()


def settle(page, javascript):
    """Wait for the total of what was typed: the live total (JavaScript), or "Update total" (without)."""
    if javascript:
        page.evaluate(WHEN_SETTLED)
        with page.expect_console_message(lambda message: message.text == "settled"):
            page.locator("#calc-inputs").dispatch_event("recalc")
    else:
        page.locator("#calc-inputs button[value=update]").click()  # "Update total", in any language


def taxi(page, leg: int, km: str):
    page.locator(f"#legs-{leg}-mode").select_option("taxi")
    page.locator(f"#legs-{leg}-distance_km").fill(km)


def shoot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))  # the viewport: what the visitor sees


def press_enter(page, javascript, selector: str):
    """Enter/Go in a field; waits for the recalculation it starts (or the page it loads without JavaScript)."""
    if javascript:
        page.evaluate(WHEN_SETTLED)
        with page.expect_console_message(lambda message: message.text == "settled"):
            page.locator(selector).press("Enter")
    else:
        with page.expect_navigation():
            page.locator(selector).press("Enter")


# ---------------------------------------------------------------- 1. Enter/Go

def test_enter_in_any_field_recalculates_and_never_adds_or_removes_a_trip(live_server, page, javascript):
    errors = watch_errors(page)
    page.goto(live_server + CALC)
    taxi(page, 0, "65")
    press_enter(page, javascript, "#legs-0-distance_km")  # one trip: no empty trip is added
    expect(page.locator(".leg")).to_have_count(1)
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    one = total(page)
    assert not one.startswith("0")
    page.get_by_role("button", name="+ Add a trip").click()
    expect(page.locator(".leg")).to_have_count(2)
    taxi(page, 1, "30")
    settle(page, javascript)
    two = total(page)
    assert two != one
    for field in ("#legs-1-distance_km", "#legs-0-distance_km", "#hotel-nights", "#display_name"):
        press_enter(page, javascript, field)  # two trips: Trip 1 is not removed
        expect(page.locator(".leg")).to_have_count(2)
        expect(page.locator("#legs-0-distance_km")).to_have_value("65")
        expect(page.locator("#legs-1-distance_km")).to_have_value("30")
        expect(page.locator(".total-value strong")).to_have_text(two)
    assert re.search(r"/e/qingcheng-mountain/calculate", page.url)  # never the checkout
    assert errors == []


# ---------------------------------------------------------------- 2. the language switch

def test_switching_language_mid_form_keeps_every_answer(live_server, page, javascript):
    page.goto(live_server + CALC)
    taxi(page, 0, "65")
    page.locator("#hotel-nights").fill("2")
    page.locator("#display_name").fill(NAME)
    page.locator("#organization").fill(ORG)
    page.get_by_label("Show my name on the leaderboard").check()
    # Straight to the switch: nothing sent yet without JavaScript, the live total maybe on its way with it.
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", re.compile(r"^zh"))
    expect(page.locator("h1")).to_have_text("您的碳足迹")
    expect(page.locator("#legs-0-mode")).to_have_value("taxi")
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#hotel-nights")).to_have_value("2")
    expect(page.locator("#display_name")).to_have_value(NAME)
    expect(page.locator("#organization")).to_have_value(ORG)
    expect(page.locator("input[name=show_on_board]")).to_be_checked()
    assert not total(page).startswith("0")
    assert NAME.split()[0] not in page.url and "Panda" not in page.url
    shoot(page, f"walk-calculator-language-kept-{'js' if javascript else 'nojs'}")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Your footprint")
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#display_name")).to_have_value(NAME)


# ---------------------------------------------------------------- 3. the total in sight

IN_VIEW = """field => {
    const bar = document.querySelector('.summary-bar').getBoundingClientRect();
    const total = document.querySelector('#bar-total strong').getBoundingClientRect();
    const f = document.activeElement.getBoundingClientRect();
    return {focused: document.activeElement === field, total_top: total.top, total_bottom: total.bottom,
            bar_top: bar.top, field_top: f.top, field_bottom: f.bottom, height: window.innerHeight,
            pay: document.querySelector('.summary-bar button').getBoundingClientRect().bottom};
}"""


def assert_total_in_view(page, selector: str):
    field = page.locator(selector)
    field.focus()
    box = field.evaluate(IN_VIEW)
    assert box["focused"]
    assert box["total_top"] >= 0 and box["total_bottom"] <= box["height"], box  # the total is on screen
    assert box["pay"] <= box["height"], box  # and so is "Neutralize and pay"
    assert box["field_top"] >= 0 and box["field_bottom"] <= box["bar_top"], box  # the bar hides no field


def test_the_total_and_the_pay_button_stay_in_sight_while_typing(live_server, page, javascript):
    page.goto(live_server + CALC)
    assert_total_in_view(page, "#legs-0-mode")  # the first field
    taxi(page, 0, "65")
    if javascript:  # the bar's total is live
        expect(page.locator("#bar-total strong")).not_to_have_text(re.compile(r"^0"))
    else:
        page.get_by_role("button", name="Update total").click()
    expect(page.locator("#bar-total strong")).to_have_text(total(page))
    assert_total_in_view(page, "#legs-0-distance_km")
    shoot(page, f"walk-calculator-total-in-sight-first-{'js' if javascript else 'nojs'}")
    page.locator("#hotel-nights").fill("2")
    assert_total_in_view(page, "#organization")  # the last field
    shoot(page, f"walk-calculator-total-in-sight-last-{'js' if javascript else 'nojs'}")
    if javascript:
        expect(page.locator("#bar-total strong")).to_have_text(total(page))
    assert page.get_by_role("button", name="Neutralize and pay").count() == 1


# ---------------------------------------------------------------- 4. thousands separators

def km_total(page, javascript, km: str) -> str:
    page.locator("#legs-0-distance_km").fill(km)
    settle(page, javascript)
    expect(page.locator("#result .error")).to_have_count(0)
    return total(page)


def test_thousands_separators_are_read_as_each_language_writes_them(live_server, page, javascript):
    page.goto(live_server + CALC)
    page.locator("#legs-0-mode").select_option("car")
    plain = km_total(page, javascript, "1200")
    assert km_total(page, javascript, "1,200") == plain
    expect(page.locator("#legs-0-distance_km")).to_have_value("1,200")  # the field keeps what was typed
    assert km_total(page, javascript, "1 200") == plain
    # In English "1.200" is one point two kilometres, never 1200.
    assert km_total(page, javascript, "1.200") == km_total(page, javascript, "1.2") != plain
    page.locator("#legs-0-distance_km").fill("1,20")  # a decimal comma is not a thousands separator here
    settle(page, javascript)
    expect(page.locator("#result .error")).to_contain_text("Distance must be between 0 and 40,000 km")
    page.goto(live_server + CALC + "?lang=zh")
    page.locator("#legs-0-mode").select_option("car")
    assert km_total(page, javascript, "1,200").split()[0] == plain.split()[0]  # 千克 on zh pages (GLOSSARY.md)


# ---------------------------------------------------------------- 10. names out of URLs

def test_names_never_reach_a_url(live_server, page, javascript):
    urls: list[str] = []
    page.on("request", lambda request: urls.append(request.url))
    replaced: list[str] = []
    page.on("response", lambda response: replaced.append(response.headers.get("hx-replace-url", "")))
    page.goto(live_server + CALC)
    taxi(page, 0, "65")
    page.locator("#display_name").fill(NAME)
    page.locator("#organization").fill(ORG)
    settle(page, javascript)
    if javascript:
        expect(page).to_have_url(re.compile(r"legs-0-distance_km=65"))  # the state is still in the address bar
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    hrefs = page.locator("a[href]").evaluate_all("links => links.map(a => a.href)")
    for url in [page.url, *urls, *replaced, *hrefs]:
        assert "Mei" not in url and "Panda" not in url and "display_name" not in url and "organization" not in url
    page.reload()  # what the browser typed is kept for this event, out of the URL
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#display_name")).to_have_value(NAME)
    expect(page.locator("#organization")).to_have_value(ORG)

"""The calculator keeps what the visitor typed, in chromium at 390x844 with JavaScript on and off: through
a project's details and back, a tap on details while the live total refreshes, Try again after a failed
payment, and the last paid name and consent (which an abandoned checkout leaves on the board)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_js_context, pay_for_a_taxi, watch_errors

pytestmark = pytest.mark.browser


def named(name):
    """The live total's request that carries `name` (as typed last)."""
    return lambda r: r.request.method == "POST" and f"display_name={name}&" in (r.request.post_data or "")


def fill_qingcheng(page, base):
    page.goto(f"{base}/e/qingcheng-mountain/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("65")
    page.locator("#hotel-nights").fill("2")
    page.locator("#display_name").fill("Mei")


def test_details_then_back_keeps_the_input_with_javascript(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    with page.expect_response(named("Mei")):
        fill_qingcheng(page, live_server)
    total = page.locator(".total-value strong")
    expect(total).not_to_have_text(re.compile(r"^0"))
    expect(page).to_have_url(re.compile(r"legs-0-distance_km=65.*hotel-nights=2"))  # the live total keeps the URL
    assert "Mei" not in page.url and "display_name" not in page.url  # but never the name (issue #26)
    typed = total.inner_text()
    page.locator(".project a.details").first.click()
    page.wait_for_url(re.compile(r"/p/\d+\?"))
    shot(page, "calculator-project-details")
    page.go_back()
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#hotel-nights")).to_have_value("2")
    expect(page.locator("#display_name")).to_have_value("Mei")
    expect(total).to_have_text(typed)
    page.locator(".project a.details").first.click()
    page.get_by_role("link", name="Back to your calculation").click()
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(total).to_have_text(typed)
    shot(page, "calculator-after-back")
    assert errors == []


def test_details_tapped_while_the_total_refreshes_still_opens(live_server, phone):
    """A tap on "details" must not be lost when the live total, already on its way, swaps the list away."""
    page = phone
    with page.expect_response(named("Mei")):  # the last live total has landed
        fill_qingcheng(page, live_server)
    held = {}

    def hold(route):
        if route.request.method == "POST" or "/p/" in route.request.url:
            held[route.request.method] = route
        else:
            route.continue_()

    page.route(re.compile(r".*/calculate$"), hold)
    page.route(re.compile(r".*/p/\d+\?.*"), hold)
    with page.expect_request(lambda request: request.method == "POST" and request.url.endswith("/calculate")):
        page.locator("#display_name").fill("Mei Lin")  # the refresh is on its way (and held)
    details = page.locator(".project a.details").first
    # The page says when the refresh has swapped the list (the page cannot be asked once the tap's navigation
    # is on its way, so it tells the console).
    page.evaluate("""link => document.body.addEventListener("htmx:afterSwap",
        () => console.info(link.isConnected ? "list kept" : "list swapped"), {once: true})""",
                  details.element_handle())
    with page.expect_request(re.compile(r"/p/\d+\?")):
        details.click(no_wait_after=True)
    with page.expect_console_message(lambda message: message.text.startswith("list ")) as swap:
        held.pop("POST").continue_()  # the refresh lands first
    assert swap.value.text == "list swapped"  # and swaps the list, and the tapped link, away
    held.pop("GET").continue_()
    page.wait_for_url(re.compile(r"/p/\d+\?"))
    expect(page.get_by_role("link", name="Back to your calculation")).to_be_visible()


def test_details_then_back_keeps_the_input_without_javascript(live_server, browser):
    context = no_js_context(browser)
    page = context.new_page()
    fill_qingcheng(page, live_server)
    page.get_by_role("button", name="Update total").click()
    page.locator(".project a.details").first.click()
    page.wait_for_url(re.compile(r"/p/\d+\?"))
    page.go_back()
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#hotel-nights")).to_have_value("2")
    page.locator(".project a.details").first.click()
    page.get_by_role("link", name="Back to your calculation").click()
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#display_name")).to_have_value("Mei")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_try_again_after_a_failed_payment_keeps_the_input(live_server, browser, shot, javascript):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=javascript)
    page = context.new_page()
    fill_qingcheng(page, live_server)
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name=re.compile("Simulate a failed payment")).click()
    page.get_by_role("link", name="Try again").click()
    page.wait_for_url(re.compile(r"/e/qingcheng-mountain/calculate\?"))
    expect(page.locator("#legs-0-mode")).to_have_value("taxi")
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#hotel-nights")).to_have_value("2")
    expect(page.locator("#display_name")).to_have_value("Mei")
    assert not page.locator(".total-value strong").inner_text().startswith("0")
    shot(page, f"calculator-try-again-{'js' if javascript else 'nojs'}")
    context.close()


def test_the_paid_name_is_prefilled_and_an_abandoned_checkout_leaves_the_board_alone(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    pay_for_a_taxi(page, live_server, name="Xiao Bao", show=True)
    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    # The calculator remembers the paid name and consent.
    expect(page.locator("#display_name")).to_have_value("Xiao Bao")
    expect(page.get_by_label("Show my name on the leaderboard")).to_be_checked()
    shot(page, "calculator-prefilled-from-the-paid-order")
    page.locator("#display_name").fill("")
    page.get_by_label("Show my name on the leaderboard").uncheck()
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("30")
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.goto(f"{live_server}/e/qingcheng-mountain/board")  # leaves without paying
    expect(page.locator(".board").get_by_text("Xiao Bao")).to_be_visible()
    shot(page, "board-after-an-abandoned-checkout")
    assert errors == []

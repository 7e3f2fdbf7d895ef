"""Issue #11 in chromium at 390x844: what visitors tripped over, walked again
with JavaScript on and off."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import watch_errors

pytestmark = pytest.mark.browser


def _no_js(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False,
                               accept_downloads=True)


def pay_for_a_taxi(page, base, km="65", name=None, show=False):
    """Calculator -> demo payment -> the certificate page."""
    page.goto(f"{base}/e/qingcheng-mountain/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill(km)
    if name:
        page.locator("#display_name").fill(name)
    if show:
        page.get_by_label("Show my name on the leaderboard").check()
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))


def test_download_saves_the_certificate_with_javascript(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    pay_for_a_taxi(page, live_server)
    url = page.url
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith(".png")
    with open(download.path(), "rb") as saved:
        assert saved.read(8) == b"\x89PNG\r\n\x1a\n"
    assert page.url == url  # the page stays; no raw bytes swapped in
    expect(page.locator(".cert img")).to_be_visible()
    shot(page, "i11-1-certificate-after-download")
    assert errors == []


def test_download_saves_the_certificate_without_javascript(live_server, browser):
    context = _no_js(browser)
    page = context.new_page()
    pay_for_a_taxi(page, live_server)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    assert info.value.suggested_filename.endswith(".png")
    context.close()


def fill_qingcheng(page, base):
    page.goto(f"{base}/e/qingcheng-mountain/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("65")
    page.locator("#hotel-nights").fill("2")
    page.locator("#display_name").fill("Mei")


def test_details_then_back_keeps_the_input_with_javascript(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    fill_qingcheng(page, live_server)
    total = page.locator(".total-value strong")
    expect(total).not_to_have_text(re.compile(r"^0"))
    expect(page).to_have_url(re.compile(r"hotel-nights=2.*display_name=Mei"))  # the live total keeps the URL
    typed = total.inner_text()
    page.locator(".project a.details").first.click()
    page.wait_for_url(re.compile(r"/p/\d+\?"))
    shot(page, "i11-3-project-details")
    page.go_back()
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(page.locator("#hotel-nights")).to_have_value("2")
    expect(page.locator("#display_name")).to_have_value("Mei")
    expect(total).to_have_text(typed)
    page.locator(".project a.details").first.click()
    page.get_by_role("link", name="Back to your calculation").click()
    expect(page.locator("#legs-0-distance_km")).to_have_value("65")
    expect(total).to_have_text(typed)
    shot(page, "i11-3-calculator-after-back")
    assert errors == []


def test_details_tapped_while_the_total_refreshes_still_opens(live_server, phone):
    """A tap on "details" must not be lost when the live total, already on its way, swaps the list away."""
    page = phone
    fill_qingcheng(page, live_server)
    expect(page).to_have_url(re.compile(r"display_name=Mei"))
    held = {}

    def hold(route):
        if route.request.method == "POST" or "/p/" in route.request.url:
            held[route.request.method] = route
        else:
            route.continue_()

    page.route(re.compile(r".*/calculate$"), hold)
    page.route(re.compile(r".*/p/\d+\?.*"), hold)
    page.locator("#display_name").fill("Mei Lin")
    page.wait_for_function("() => document.querySelector('.htmx-request') !== null")  # the refresh is in flight
    page.locator(".project a.details").first.click(no_wait_after=True)
    page.wait_for_timeout(300)
    held.pop("POST").continue_()  # the refresh lands first and swaps the list (and the tapped link) away
    page.wait_for_timeout(300)
    held.pop("GET").continue_()
    page.wait_for_url(re.compile(r"/p/\d+\?"))
    expect(page.get_by_role("link", name="Back to your calculation")).to_be_visible()


def test_details_then_back_keeps_the_input_without_javascript(live_server, browser):
    context = _no_js(browser)
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
    shot(page, f"i11-3-try-again-{'js' if javascript else 'nojs'}")
    context.close()


TARGETS = """(sel) => Array.from(document.querySelectorAll(sel)).filter(el => el.offsetParent !== null)
    .map(el => el.getBoundingClientRect()).filter(r => r.width < 24 || r.height < 24).length"""


def test_small_things_a_visitor_sees(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    pay_for_a_taxi(page, live_server, name="Ana")
    expect(page.get_by_role("heading", level=1, name="Carbon Neutral Certificate of Honor")).to_be_visible()
    expect(page.get_by_text(re.compile(r"You are carbon neutral for .* at Mount Qingcheng"))).to_be_visible()
    assert page.evaluate(TARGETS, "footer a") == 0
    shot(page, "i11-8-certificate")

    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    assert page.evaluate(TARGETS, ".project a.details") == 0

    page.goto(f"{live_server}/")
    cards = page.locator(".event-card")
    names = cards.locator("strong").all_inner_texts()
    forum = names.index("China Digital Carbon Neutrality Forum")
    expect(cards.nth(forum)).to_contain_text("Ended")
    ended = ["Ended" in text for text in cards.all_inner_texts()]
    assert ended == sorted(ended) and not ended[0]  # the live ones first
    shot(page, "i11-8-home")
    assert errors == []


def test_methodology_is_short_on_a_phone_with_linked_sources(live_server, phone, shot):
    page = phone
    page.goto(f"{live_server}/methodology")
    assert page.locator("nav.toc a").count() >= 5
    height = page.evaluate("document.documentElement.scrollHeight")
    assert height < 12000, height
    page.locator("nav.toc a[href='#cat-transport']").click()
    link = page.locator("#cat-transport a[rel~=external]").first
    expect(link).to_be_visible()  # the folded section opens at its contents link
    shot(page, "i11-8-methodology")


def test_an_abandoned_checkout_leaves_the_board_alone(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    pay_for_a_taxi(page, live_server, name="Xiao Bao", show=True)
    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    # The calculator remembers the paid name and consent.
    expect(page.locator("#display_name")).to_have_value("Xiao Bao")
    expect(page.get_by_label("Show my name on the leaderboard")).to_be_checked()
    shot(page, "i11-2-calculator-prefilled")
    page.locator("#display_name").fill("")
    page.get_by_label("Show my name on the leaderboard").uncheck()
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("30")
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.goto(f"{live_server}/e/qingcheng-mountain/board")  # leaves without paying
    expect(page.locator(".board").get_by_text("Xiao Bao")).to_be_visible()
    shot(page, "i11-2-board")
    assert errors == []

"""Scan -> calculator -> project -> demo pay -> certificate -> board, in chromium at 390x844; the
certificate downloads with JavaScript on and off; what a visitor sees is big enough to tap, and ended
events come last."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, no_js_context, pay_for_a_taxi, watch_errors

pytestmark = pytest.mark.browser


def test_visitor_goes_from_scan_to_certificate_and_rank(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)

    page.goto(f"{live_server}/e/cdcn-forum-2021")
    assert page.get_by_role("heading", name="China Digital Carbon Neutrality Forum").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "1-event")

    page.get_by_role("link", name="I want to be carbon neutral").click()
    page.wait_for_url(re.compile(r"/e/cdcn-forum-2021/calculate$"))
    assert page.locator("#legs-0-to").input_value() == "Chengdu Global Center"  # placed by its coordinates
    total = page.locator(".total-value strong")
    assert total.inner_text().startswith("0")

    # The total updates live (htmx) as the visitor types.
    page.locator("#legs-0-from").fill("PEK")
    expect(total).not_to_have_text(re.compile(r"^0"))
    flight_only = total.inner_text()
    page.locator("#hotel-nights").fill("2")
    expect(total).not_to_have_text(flight_only)
    assert page.locator(".project input[type=radio]:checked").count() == 1
    page.locator("#display_name").fill("Lin Wei")
    page.locator("#organization").fill("Chengdu Tech")
    page.get_by_label("Show my name on the leaderboard").check()
    assert no_horizontal_scroll(page)
    shot(page, "2-calculator")

    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    assert page.get_by_text("Demo payment — no money moves").is_visible()
    shot(page, "3-demo-pay")

    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    image = page.locator(".cert img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1080
    assert page.get_by_text(re.compile(r"#1 of \d+ at China Digital Carbon Neutrality Forum")).is_visible()
    assert page.get_by_role("button", name="Share").is_visible()
    assert no_horizontal_scroll(page)
    shot(page, "4-certificate")

    page.get_by_role("link", name=re.compile(r"#1 of")).click()
    page.wait_for_url(re.compile(r"/e/cdcn-forum-2021/board$"))
    assert page.locator(".board").get_by_text("Lin Wei").is_visible()
    shot(page, "5-board")
    assert errors == []


def test_calculator_works_without_javascript(live_server, browser, shot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("65")
    page.get_by_role("button", name="Update total").click()
    expect(page.locator(".total-value strong")).not_to_have_text(re.compile(r"^0"))
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    shot(page, "nojs-certificate")
    context.close()


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
    shot(page, "certificate-after-download")
    assert errors == []


def test_download_saves_the_certificate_without_javascript(live_server, browser):
    context = no_js_context(browser)
    page = context.new_page()
    pay_for_a_taxi(page, live_server)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download").click()
    assert info.value.suggested_filename.endswith(".png")
    context.close()


TARGETS = """(sel) => Array.from(document.querySelectorAll(sel)).filter(el => el.offsetParent !== null)
    .map(el => el.getBoundingClientRect()).filter(r => r.width < 24 || r.height < 24).length"""


def test_targets_are_big_enough_and_ended_events_come_last(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    pay_for_a_taxi(page, live_server, name="Ana")
    expect(page.get_by_role("heading", level=1, name="Carbon Neutral Certificate of Honor")).to_be_visible()
    expect(page.get_by_text(re.compile(r"You are carbon neutral for .* at Mount Qingcheng"))).to_be_visible()
    assert page.evaluate(TARGETS, "footer a") == 0
    shot(page, "certificate-named")

    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    assert page.evaluate(TARGETS, ".project a.details") == 0

    page.goto(f"{live_server}/")
    cards = page.locator(".event-card")
    names = cards.locator("strong").all_inner_texts()
    forum = names.index("China Digital Carbon Neutrality Forum")
    expect(cards.nth(forum)).to_contain_text("Ended")
    ended = ["Ended" in text for text in cards.all_inner_texts()]
    assert ended == sorted(ended) and not ended[0]  # the live ones first
    shot(page, "home-ended-events-last")
    assert errors == []

"""Scan -> calculator -> project -> demo pay -> certificate -> board, in chromium at 390x844."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, watch_errors

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
    assert not page.locator(".total-value strong").inner_text().startswith("0")
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    shot(page, "nojs-certificate")
    context.close()

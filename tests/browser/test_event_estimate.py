"""An organizer enters the whole event's estimate and sees the share covered on the live dashboard, then
neutralizes the operations in it (chromium at 390x844)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import freeze_clock, no_horizontal_scroll, small_targets, watch_errors

pytestmark = pytest.mark.browser

SLUG = "estimate-summit-2026"


def test_organizer_enters_an_estimate_and_sees_the_share(live_server, browser, phone, shot):
    page = phone
    errors = watch_errors(page)
    page.goto(f"{live_server}/account/signup")
    page.get_by_label("Your name").fill("Lin Wei")
    page.get_by_label("Organization").fill("Estimate Events")
    page.get_by_label("E-mail").fill("estimate@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/events/new$"))
    page.get_by_label("Event name", exact=True).fill("Estimate Summit 2026")
    page.get_by_label("Venue", exact=True).fill("Chengdu Global Center")
    page.locator("#venue_code").fill("Chengdu")
    page.get_by_label("Starts on").fill("2026-09-07")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+$"))
    dashboard_url = page.url
    expect(page.locator("#live")).to_contain_text("No estimate yet.")

    # The estimate: attendance by origin, the venue, catering, waste, water, paper, freight, staff.
    page.get_by_role("link", name="Footprint estimate").click()
    page.wait_for_url(re.compile(r"/estimate$"))
    page.get_by_label("Days", exact=True).fill("2")
    page.get_by_label("Domestic attendees by rail").fill("2")
    page.locator("#rail-km").fill("100")
    page.get_by_label("Electricity (kWh)").fill("200")
    page.get_by_label("Waste (kg)").fill("100")
    page.get_by_label("Water (m³)").fill("10")
    page.get_by_label("Printed materials (kg of paper)").fill("5")
    page.get_by_label("Freight (tonne-km)").fill("100")
    expect(page.locator("#estimate-lines")).to_contain_text("Not saved yet")  # live as typed (htmx)
    expect(page.locator("#estimate-lines")).to_contain_text("Freight")
    page.get_by_role("button", name="Save the estimate").click()
    expect(page.get_by_text("Estimate saved.")).to_be_visible()
    lines = page.locator("ul.estimate-lines")
    for words in ("Domestic attendees' rail travel", "Attendees' hotel nights", "Venue electricity", "Waste",
                  "Water", "Printed materials", "Freight", "520.5327 kg CO2e per tonne"):
        expect(lines).to_contain_text(words)
    expect(page.locator("#coverage [data-share]")).to_have_text("0%")
    assert no_horizontal_scroll(page) and not small_targets(page)
    shot(page, "estimate-1-form")

    # The dashboard shows the estimate and 0 % covered; a visitor pays and the share moves live.
    freeze_clock(page.context)
    page.goto(dashboard_url)
    share = page.locator("#live [data-share]")
    expect(share).to_have_text("0%")
    visitor_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                          locale="en-US")
    visitor = visitor_context.new_page()
    visitor.goto(f"{live_server}/e/{SLUG}/calculate")
    visitor.locator("#legs-0-mode").select_option("taxi")
    visitor.locator("#legs-0-distance_km").fill("20")
    expect(visitor.locator(".total-value strong")).not_to_have_text(re.compile(r"^0"))
    visitor.get_by_role("button", name="Neutralize and pay").click()
    visitor.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    visitor.get_by_role("button", name="Confirm demo payment").click()
    visitor.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    visitor_context.close()
    with page.expect_response(lambda response: response.url == dashboard_url
                              and response.request.headers.get("hx-request") == "true"):
        page.clock.run_for(10_000)
    page.clock.resume()
    expect(share).not_to_have_text("0%")
    expect(page.locator("#live")).to_contain_text("neutralized so far")
    assert no_horizontal_scroll(page)
    shot(page, "estimate-2-dashboard")

    # The operations in the estimate, neutralized in one order; the event page then says so.
    page.get_by_role("link", name="Operations still to neutralize").click()
    page.wait_for_url(re.compile(r"/estimate$"))
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    page.goto(f"{live_server}/e/{SLUG}")
    badge = page.locator(".neutral-badge .neutral-title")
    expect(badge).to_have_text(re.compile(r"Operations neutral · Attendees \d+% neutral"))
    assert no_horizontal_scroll(page)
    shot(page, "estimate-3-badge")
    assert errors == []

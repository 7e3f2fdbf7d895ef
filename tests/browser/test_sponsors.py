"""An organizer sells a sponsor's codes through the demo checkout, prints the cards, and two attendees
redeem them at the calculator (one by the card's QR link, one typing it): their certificates say
"Sponsored by" the sponsor, with no payment. Chromium at 390x844, JavaScript on."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, watch_errors

pytestmark = pytest.mark.browser


def sign_up_with_an_event(page, base) -> str:
    page.goto(f"{base}/account/signup")
    page.get_by_label("Your name").fill("Ann Lee")
    page.get_by_label("Organization").fill("Summit Org")
    page.get_by_label("E-mail").fill("ann-sponsors@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/organizer/organizations/\d+/events/new$"))
    page.get_by_label("Event name", exact=True).fill("Sponsor Summit 2026")
    page.get_by_label("Venue", exact=True).fill("Chengdu Global Center")
    page.locator("#venue_code").fill("Chengdu")
    page.get_by_label("Starts on").fill("2026-09-07")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+$"))
    return page.url


def redeem(page, url, code=None) -> None:
    page.goto(url)
    page.locator("#legs-0-from").fill("PEK")
    expect(page.locator(".total-value strong")).not_to_have_text(re.compile(r"^0"))
    if code is not None:
        page.get_by_text("Have a sponsor code?").click()
        page.get_by_label("Sponsor code").fill(code)
    page.get_by_role("button", name="Neutralize with this code").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))


def test_buy_sponsor_codes_and_redeem_two_at_the_calculator(live_server, browser, phone, shot):
    page = phone
    errors = watch_errors(page)
    dashboard = sign_up_with_an_event(page, live_server)
    page.get_by_role("link", name="Sponsor codes").click()
    page.wait_for_url(re.compile(r"/sponsors$"))
    page.get_by_label("Sponsor", exact=True).fill("Panda Bank")
    page.get_by_label("Kilograms of CO₂e to prepay").fill("3000")
    page.get_by_label("Number of attendees", exact=True).fill("3")
    assert no_horizontal_scroll(page)
    shot(page, "sponsors-1-buy")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+/sponsors$"))
    pool = page.locator(".sponsor-pool").first
    expect(pool).to_contain_text("Panda Bank")
    page.get_by_text("3 codes").click()
    codes = pool.locator("ul.codes code").all_inner_texts()
    assert len(codes) == 3 and all(re.fullmatch(r"[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}", c) for c in codes)
    shot(page, "sponsors-2-pool")

    page.get_by_role("link", name="Print the code cards").click()
    page.wait_for_url(re.compile(r"/cards$"))
    expect(page.locator(".sponsor-card svg.k-qr")).to_have_count(3)
    card_link = page.locator(".sponsor-card").first.locator("p.wrap").inner_text()
    assert re.search(r"/s/[A-Z2-9]{12}$", card_link)
    shot(page, "sponsors-3-cards")

    attendee_context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                           locale="en-US")
    attendee = attendee_context.new_page()
    attendee_errors = watch_errors(attendee)
    # One scans a card (its QR link fills the code in)...
    redeem(attendee, card_link)
    expect(attendee.locator("p.sponsored")).to_have_text("Sponsored by Panda Bank")
    expect(attendee.get_by_text("Paid").locator("xpath=following-sibling::dd[1]")).to_contain_text("Panda Bank")
    shot(attendee, "sponsors-4-certificate")
    # ...another types the next code at "Have a sponsor code?"
    attendee.context.clear_cookies()
    redeem(attendee, f"{live_server}/e/sponsor-summit-2026/calculate", code=codes[1].lower())
    expect(attendee.locator("p.sponsored")).to_have_text("Sponsored by Panda Bank")
    # The first code again: a friendly refusal beside the field
    attendee.goto(f"{live_server}/e/sponsor-summit-2026/calculate")
    attendee.locator("#legs-0-from").fill("PEK")
    expect(attendee.locator(".total-value strong")).not_to_have_text(re.compile(r"^0"))
    attendee.get_by_text("Have a sponsor code?").click()
    attendee.get_by_label("Sponsor code").fill(card_link.rsplit("/", 1)[1])
    attendee.get_by_role("button", name="Neutralize with this code").click()
    expect(attendee.locator("#err-sponsor")).to_have_text("That sponsor code has already been used.")
    assert no_horizontal_scroll(attendee)
    shot(attendee, "sponsors-5-refused")
    attendee_context.close()

    page.goto(dashboard.rstrip("/") + "/sponsors")
    expect(page.locator(".sponsor-pool").first).to_contain_text("2 attendees")
    assert errors == []
    assert [e for e in attendee_errors if "422" not in e] == []  # the refusal answers 422, on purpose

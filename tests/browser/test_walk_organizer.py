"""Issue #26, the organizer's and the register's walk on a 390x844 phone, JavaScript on and off:
an event's country is chosen from a list (never "China" cut to "Ch", Switzerland); a name of
spaces is refused, with every problem shown at once and the first bad field focused and in view;
the register finds a lower-case serial and a certificate by its number or link."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS
from tests.browser.helpers import pay_for_a_taxi, watch_errors

pytestmark = pytest.mark.browser


def phone_page(browser, js: bool):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="en-US", java_script_enabled=js)
    return context.new_page()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_an_event_needs_a_name_and_a_country_from_the_list(live_server, browser, js):
    page = phone_page(browser, js)
    errors = watch_errors(page)
    page.goto(f"{live_server}/account/signup")
    page.get_by_label("Your name").fill("Zhou Min")
    page.get_by_label("Organization").fill(f"Walk Events {'js' if js else 'nojs'}")
    page.get_by_label("E-mail").fill(f"walk-{'js' if js else 'nojs'}@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/organizer/organizations/\d+/events/new$"))

    # 17. A name of spaces and an unknown venue: both refused at once, the name focused and in view.
    page.get_by_label("Event name", exact=True).fill("     ")
    page.locator("#venue_code").fill("Nowhere Atall")
    page.get_by_role("button", name="Create event").click()
    expect(page.locator("#err-name")).to_have_text("Give the event a name.")
    expect(page.locator("#err-venue_code")).to_contain_text("We do not know that place")
    expect(page.locator("#name")).to_be_focused()
    box = page.locator("#name").bounding_box()
    assert box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 844
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"walk-organizer-17-errors-{'js' if js else 'nojs'}.png"))

    # 13. The country is a list of names; "China" is China (CN), not "Ch" (Switzerland).
    country = page.get_by_label("Country", exact=True)
    assert country.evaluate("el => el.tagName") == "SELECT"
    country.select_option(label="China")
    page.get_by_label("Event name", exact=True).fill(f"Walk Summit {'js' if js else 'nojs'}")
    page.locator("#venue_code").fill("Chengdu")
    page.screenshot(path=str(SHOTS / f"walk-organizer-13-country-{'js' if js else 'nojs'}.png"))
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+$"))
    page.goto(page.url + "/edit")
    expect(page.get_by_label("Country", exact=True)).to_have_value("CN")
    expect(page.get_by_label("Event name", exact=True)).to_have_value(f"Walk Summit {'js' if js else 'nojs'}")
    # Issue #24: the venue's time zone, China's usual one by default, a list of China's zones.
    zone = page.get_by_label("Time zone of the venue")
    expect(zone).to_have_value("Asia/Shanghai")
    assert "Asia/Urumqi" in zone.inner_text() and "Europe/Paris" not in zone.inner_text()
    zone.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"walk-organizer-timezone-{'js' if js else 'nojs'}.png"))
    assert [e for e in errors if "422" not in e] == []  # the refused form answers 422, as it should
    page.context.close()


@pytest.mark.parametrize("js", [True, False], ids=["js", "nojs"])
def test_the_register_finds_any_case_and_certificate_numbers(live_server, browser, js):
    payer = phone_page(browser, True)
    pay_for_a_taxi(payer, live_server, km="30")
    number = payer.get_by_text(re.compile(r"CD-\d{4}-\d{6}")).first.inner_text()
    number = re.search(r"CD-\d{4}-\d{6}", number).group(0)
    certificate_url = payer.url
    payer.context.close()

    page = phone_page(browser, js)
    page.goto(f"{live_server}/registry?serial={number}")
    expect(page.get_by_role("heading", name=f"Certificate {number}")).to_be_visible()
    serial = page.locator(".serial-range").first.inner_text().split(" – ")[0].strip()

    page.goto(f"{live_server}/registry")
    page.get_by_label("Look up a serial or a certificate number").fill(serial.lower())
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name=f"{serial} is retired")).to_be_visible()
    page.get_by_label("Look up a serial or a certificate number").fill(number.lower())
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name=f"Certificate {number}")).to_be_visible()
    page.get_by_label("Look up a serial or a certificate number").fill(certificate_url)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name=f"Certificate {number}")).to_be_visible()
    page.screenshot(path=str(SHOTS / f"walk-register-18-{'js' if js else 'nojs'}.png"))
    page.context.close()

"""Issue #26, the visitor's walk after paying (items 7, 8 and 9), in chromium at 390x844: the certificate
page leads with the kilograms retired (the image's figure) when the minimum charge applies; sharing without
the Web Share API says what happened in words, and without clipboard access offers the link to copy; a
returning visitor finds their certificates at /my/certificates."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, no_js_context, pay_for_a_taxi, watch_errors

pytestmark = pytest.mark.browser

NO_WEB_SHARE = "delete Navigator.prototype.share; delete Navigator.prototype.canShare;"
CLIPBOARD_DENIED = """
Object.defineProperty(Navigator.prototype, 'clipboard', {configurable: true, get() { return {
  writeText() { return Promise.reject(new DOMException('Write permission denied.', 'NotAllowedError')); }
}; }});
"""


def _phone(browser, *scripts, grant=()):
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1, is_mobile=True,
                                  has_touch=True, locale="en-US")
    for script in scripts:
        context.add_init_script(script)
    if grant:
        context.grant_permissions(list(grant))
    return context


def test_the_certificate_leads_with_the_kg_retired_when_the_minimum_charge_applies(live_server, phone, shot):
    page = phone
    pay_for_a_taxi(page, live_server, km="5")  # about 1 kg: the minimum charge buys more
    alt = page.locator(".cert img").get_attribute("alt")
    retired = re.search(r"([\d.]+ t) CO₂e$", alt).group(1)
    lead = page.locator(".lead.confirm")
    expect(lead).to_contain_text(f"You are carbon neutral for {retired} CO₂e")
    note = page.locator(".minimum-note")
    expect(note).to_contain_text("the minimum charge retired")
    footprint, extra, total = map(int, re.search(r"was (\d+) kg; .* (\d+) kg more, so (\d+) kg", note.inner_text())
                                  .groups())
    assert footprint + extra == total and extra > 0
    expect(page.locator(".facts")).to_contain_text(f"{total} kg")
    assert no_horizontal_scroll(page)
    shot(page, "walk-7-certificate-minimum-charge")


@pytest.mark.parametrize("clipboard", ["allowed", "denied"])
def test_share_without_the_web_share_api_says_what_it_did(live_server, browser, shot, clipboard):
    scripts = (NO_WEB_SHARE,) if clipboard == "allowed" else (NO_WEB_SHARE, CLIPBOARD_DENIED)
    context = _phone(browser, *scripts, grant=("clipboard-read", "clipboard-write") if clipboard == "allowed" else ())
    page = context.new_page()
    errors = watch_errors(page)
    pay_for_a_taxi(page, live_server)
    assert page.evaluate("typeof navigator.share") == "undefined"
    share, status = page.get_by_role("button", name="Share"), page.get_by_role("status")
    share.click()
    if clipboard == "allowed":
        expect(status).to_have_text("Link copied")
        assert page.evaluate("navigator.clipboard.readText()") == page.url
    else:
        expect(status).to_contain_text("the link is selected in the box above")
        field = page.get_by_role("textbox", name="Link to this certificate")
        expect(field).to_be_focused()
        assert field.evaluate("f => f.value.slice(f.selectionStart, f.selectionEnd)") == page.url
    expect(share).to_have_text("Share")  # the button keeps its words
    page.get_by_role("button", name="Copy link").click()
    expect(status).to_contain_text("Link copied" if clipboard == "allowed" else "the link is selected in the box above")
    assert no_horizontal_scroll(page)
    shot(page, f"walk-8-share-clipboard-{clipboard}")
    assert errors == []
    context.close()


def test_a_returning_visitor_finds_their_certificates(live_server, browser, shot):
    context = _phone(browser)
    page = context.new_page()
    page.goto(f"{live_server}/my/certificates")
    expect(page.get_by_role("heading", name="Your certificates")).to_be_visible()
    expect(page.get_by_text("No certificates in this browser yet")).to_be_visible()

    pay_for_a_taxi(page, live_server, name="Returning Ren")
    first = page.url
    page.get_by_role("link", name="All your certificates").click()
    page.wait_for_url(re.compile(r"/my/certificates$"))
    pay_for_a_taxi(page, live_server, km="120")
    second = page.url

    page.goto(f"{live_server}/e/qingcheng-mountain")  # a later visit: the footer leads back
    page.locator("footer").get_by_role("link", name="Your certificates").click()
    page.wait_for_url(re.compile(r"/my/certificates$"))
    links = page.locator(".my-certificates a")
    expect(links).to_have_count(2)
    assert [links.nth(i).get_attribute("href") for i in range(2)] == [
        re.sub(r"^https?://[^/]+", "", second), re.sub(r"^https?://[^/]+", "", first)]  # newest first
    assert all(links.nth(i).bounding_box()["height"] >= 24 for i in range(2))
    assert no_horizontal_scroll(page)
    shot(page, "walk-9-your-certificates")
    links.first.click()
    page.wait_for_url(second)
    context.close()

    other = _phone(browser)  # another browser has none of them
    page = other.new_page()
    page.goto(f"{live_server}/my/certificates")
    expect(page.locator(".my-certificates a")).to_have_count(0)
    other.close()


def test_your_certificates_without_javascript(live_server, browser):
    context = no_js_context(browser)
    page = context.new_page()
    pay_for_a_taxi(page, live_server, km="40")
    certificate = page.url
    page.locator("footer").get_by_role("link", name="Your certificates").click()
    page.wait_for_url(re.compile(r"/my/certificates$"))
    page.locator(".my-certificates a").first.click()
    page.wait_for_url(certificate)
    context.close()


def test_place_search_finds_what_visitors_type_near_the_venue(live_server, phone, shot):
    """Item 5, JavaScript on: suggestions put the venue's country first; a mode that cannot make the trip is
    refused in words."""
    page = phone
    errors = watch_errors(page)
    page.goto(f"{live_server}/e/cdcn-forum-2021/calculate")  # the venue is in Chengdu, CN
    page.locator("#legs-0-mode").select_option("rail_hsr")
    field, options = page.locator("#legs-0-from"), page.locator("#dl-legs-0-from option")
    for typed, first in (("Canton", "Guangzhou, CN"), ("北京南站", "Beijing South Railway Station, CN"),
                         ("Wulumuqi", "Urumqi, CN"), ("Peking", "Beijing, CN"), ("Lasa", "Lhasa, CN")):
        field.fill(typed)
        expect(options.first).to_have_text(first)
    field.fill("Canton")
    total = page.locator(".total-value strong")
    expect(total).not_to_have_text(re.compile(r"^0"))
    expect(page.locator(".error")).to_have_count(0)
    field.fill("CAK")  # Akron-Canton, US: no train goes there from Chengdu
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("km apart: too far for high-speed rail")
    assert no_horizontal_scroll(page)
    shot(page, "walk-5-too-far-for-a-train")
    assert [e for e in errors if "status of 422" not in e] == []  # the refusal itself answers 422


def test_place_names_resolve_without_javascript(live_server, browser):
    context = no_js_context(browser)
    page = context.new_page()
    for typed, mode in (("Canton", "rail_hsr"), ("重庆北站", "rail_hsr"), ("xian", "rail_hsr"),
                        ("Quezon City", "flight"), ("Cebu", "flight")):
        page.goto(f"{live_server}/e/cdcn-forum-2021/calculate")
        page.locator("#legs-0-mode").select_option(mode)
        page.locator("#legs-0-from").fill(typed)
        page.get_by_role("button", name="Update total").click()
        expect(page.locator(".total-value strong")).not_to_have_text(re.compile(r"^0"))
        assert page.locator(".error").count() == 0, typed
    page.goto(f"{live_server}/e/cdcn-forum-2021/calculate")
    page.locator("#legs-0-mode").select_option("rail")
    page.locator("#legs-0-from").fill("CAK")
    page.get_by_role("button", name="Update total").click()
    expect(page.get_by_role("alert").first).to_contain_text("too far for train")
    context.close()


def test_the_board_shows_every_name_one_phone_paid_for(live_server, browser, shot):
    """Item 6: one phone pays for three people, each name shown: three rows (one row per participant, shown
    name and organization), each with its own certificate's kilograms; JavaScript on."""
    context = _phone(browser)
    page = context.new_page()
    names = ("Walk Mei", "Walk Jun", "Walk Hao")
    for km, name in zip(("300", "200", "100"), names, strict=True):
        pay_for_a_taxi(page, live_server, km=km, name=name, show=True)
    page.goto(f"{live_server}/e/qingcheng-mountain/board")
    board = page.locator(".board")
    for name in names:
        expect(board.get_by_text(name, exact=True)).to_have_count(1)
    assert no_horizontal_scroll(page)
    shot(page, "walk-6-board-one-phone-three-names")
    context.close()


def test_the_board_shows_every_name_without_javascript(live_server, browser):
    context = no_js_context(browser)
    page = context.new_page()
    for name in ("Nojs Ada", "Nojs Ben"):
        pay_for_a_taxi(page, live_server, km="50", name=name, show=True)
    page.goto(f"{live_server}/e/qingcheng-mountain/board")
    for name in ("Nojs Ada", "Nojs Ben"):
        expect(page.locator(".board").get_by_text(name, exact=True)).to_have_count(1)
    context.close()

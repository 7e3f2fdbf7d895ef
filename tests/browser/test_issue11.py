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

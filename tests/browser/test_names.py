"""An organizer types the event's Chinese name beside the English one; the Chinese page, the home search
and the demo forum speak Chinese (app/services/names.py): chromium at 390x844."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_horizontal_scroll, small_targets, watch_errors

pytestmark = pytest.mark.browser


def test_the_organizer_enters_a_chinese_name_side_by_side(live_server, phone, shot):
    page = phone
    errors = watch_errors(page)
    page.goto(f"{live_server}/account/signup")
    page.get_by_label("Your name").fill("Lin Wei")
    page.get_by_label("Organization").fill("Names Test Events")
    page.get_by_label("E-mail").fill("names@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/organizer/organizations/\d+/events/new$"))

    page.get_by_label("Event name", exact=True).fill("Tianfu Green Summit")
    page.get_by_label("Event name (中文)").fill("天府绿色峰会")
    page.get_by_label("Event name (Filipino)").fill("Luntiang Summit ng Tianfu")
    page.get_by_label("Venue", exact=True).fill("Chengdu Global Center")
    page.get_by_label("Venue (中文)").fill("成都新世纪环球中心")
    page.locator("#venue_code").fill("Chengdu")
    assert no_horizontal_scroll(page) and not small_targets(page)
    shot(page, "names-1-event-form")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+$"))
    expect(page.get_by_role("heading", name="Tianfu Green Summit")).to_be_visible()

    page.goto(f"{live_server}/e/tianfu-green-summit?lang=zh")
    expect(page.get_by_role("heading", name="天府绿色峰会")).to_be_visible()
    expect(page.locator(".kicker").first).to_contain_text("成都")
    shot(page, "names-2-event-zh")
    page.goto(f"{live_server}/e/tianfu-green-summit?lang=fil")
    expect(page.get_by_role("heading", name="Luntiang Summit ng Tianfu")).to_be_visible()

    page.goto(f"{live_server}/?q=论坛&lang=zh")
    expect(page.get_by_text("首届中国数字碳中和高峰论坛")).to_be_visible()
    shot(page, "names-3-search-zh")
    page.goto(f"{live_server}/e/cdcn-forum-2021/calculate?lang=zh")
    expect(page.locator("#legs-0-to")).to_have_value("成都新世纪环球中心")
    expect(page.get_by_text("凉山彝族自治州森林恢复项目").first).to_be_visible()
    shot(page, "names-4-calculator-zh")
    assert errors == []

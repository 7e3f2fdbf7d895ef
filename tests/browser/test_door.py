"""A rate limit at the checkout, as a visitor meets it: the answers stay and the reason is in
their language, with JavaScript on (htmx swaps the 429) and off (the whole page)."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import serve_seeded

pytestmark = pytest.mark.browser

CALCULATOR = "/e/cdcn-forum-2021/calculate?lang=zh"
WHY = "此处同时结账的人很多"


@pytest.fixture(scope="module")
def limited_server(tmp_path_factory):
    yield from serve_seeded(tmp_path_factory, "limited", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://",
                            CHECKOUT_RATE_LIMIT="1 per minute")


def fill_and_pay(page, base: str) -> None:
    page.goto(base + CALCULATOR)
    page.locator("#legs-0-from").fill("PEK")
    page.locator("#display_name").fill("王小明")
    page.locator("#organization").fill("成都科技")
    page.get_by_role("button", name="中和并支付").click()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_the_second_checkout_within_the_limit_keeps_the_form_and_says_why(browser, limited_server, javascript,
                                                                           shot):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  java_script_enabled=javascript, locale="zh-CN")
    page = context.new_page()
    try:
        fill_and_pay(page, limited_server)
        page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
        if javascript:
            page.goto(limited_server + CALCULATOR)
            page.locator("#legs-0-from").fill("PEK")
            page.locator("#display_name").fill("王小明")
            page.locator("#organization").fill("成都科技")
            with page.expect_response(lambda r: r.url.endswith("/checkout")) as answer:
                page.get_by_role("button", name="中和并支付").click()
            assert answer.value.status == 429
        else:
            fill_and_pay(page, limited_server)
            page.wait_for_load_state("load")
        expect(page.get_by_text(WHY)).to_be_visible()
        assert "/calculate" in page.url or page.url.endswith("/checkout")
        assert page.locator("#display_name").input_value() == "王小明"
        assert page.locator("#organization").input_value() == "成都科技"
        assert page.locator("#legs-0-from").input_value() == "PEK"
        shot(page, f"door-429-{'js' if javascript else 'nojs'}")
    finally:
        context.close()

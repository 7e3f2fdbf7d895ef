"""WeChat Pay and Alipay in chromium, against the local fakes (app/fakes) that speak the real
protocols: the fakes sign, encrypt and POST their notices to the live server's notify URLs, so
every payment here is settled by a real notice, not by the test.

- inside WeChat (a MicroMessenger user agent): OAuth, then the JSAPI page and WeixinJSBridge;
- Chrome on Android: Alipay's WAP cashier, and back to our return URL;
- the kiosk: a WeChat Pay Native code read off the screen with zbarimg and "scanned", and the
  switch to Alipay's precreate code (the WeChat payment closed first);
- a desktop with JavaScript off: the server-rendered code and the page's meta refresh.

Nothing waits on the clock: each step waits for a URL, a selector or an event."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from app.fakes import FakeAlipay, FakeWeChatPay
from tests.browser.conftest import SHOTS, serve_seeded
from tests.browser.helpers import ABORTED, decode_qr, small_targets, start_checkout, watch_errors

pytestmark = pytest.mark.browser

SLUG = "cdcn-forum-2021"  # a CNY event: wallets take CNY only
# WeChat 8.0 on Android (its in-app browser, XWEB): what device_of reads as WeChat.
WECHAT_UA = ("Mozilla/5.0 (Linux; Android 13; V2055A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
             "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
             "MMWEBSDK/20231202 MMWEBID/2247 MicroMessenger/8.0.47.2560(0x28002F30) WeChat/arm64 Weixin "
             "NetType/WIFI Language/zh_CN ABI/arm64")
ANDROID_CHROME_UA = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                     "Chrome/124.0.0.0 Mobile Safari/537.36")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True,
         "locale": "en-US"}
CERTIFICATE = re.compile(r"/c/[A-Za-z0-9_-]+$")
NUMBER = re.compile(r"CD-\d{4}-\d{6}")
WECHAT_CODE = re.compile(r"weixin://wxpay/bizpayurl\?pr=\w+")
ALIPAY_CODE = re.compile(r"https://qr\.alipay\.com/\w+")
CELEBRATION = 20_000  # ms: the kiosk asks every 3 s (htmx), then reloads into the celebration


@pytest.fixture(scope="module")
def wallets(tmp_path_factory):
    """A seeded server that takes WeChat Pay (JSAPI too: WECHAT_APP_SECRET) and Alipay, both fakes."""
    wechat, alipay = FakeWeChatPay(), FakeAlipay()
    wechat.start()
    alipay.start()
    try:
        for base in serve_seeded(tmp_path_factory, "wallets", **wechat.config(), **alipay.config()):
            yield base, wechat, alipay
    finally:
        wechat.stop()
        alipay.stop()


def our_errors(page, base) -> list[str]:
    """watch_errors, for our pages only: the wallet's own pages (the fakes) are not ours to judge
    (the fake Alipay cashier has no favicon: a 404 in the console)."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: page.url.startswith(base) and errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and msg.location.get("url", "").startswith(base)
            and not msg.text.startswith(ABORTED) and errors.append(msg.text))
    return errors


def navigations(page) -> list[str]:
    """The main frame's navigation requests (redirects included), as they happen."""
    urls: list[str] = []
    page.on("request", lambda r: r.is_navigation_request() and r.frame == page.main_frame and urls.append(r.url))
    return urls


def paid_order(page, base, order_id) -> dict:
    """The order as the API has it, paid, with its certificate's number."""
    order = page.request.get(f"{base}/api/v1/orders/{order_id}").json()
    assert order["status"] == "paid" and order["certificate_token"]
    certificate = page.request.get(f"{base}/api/v1/certificates/{order['certificate_token']}").json()
    return {**order, "number": certificate["number"]}


def expect_certificate(page, number) -> None:
    expect(page.get_by_role("heading", level=1, name="Carbon Neutral Certificate of Honor")).to_be_visible()
    expect(page.locator("main")).to_contain_text(number)


def pay_buttons(page) -> list[str]:
    return [text.strip() for text in page.locator(".pay-options button").all_inner_texts()]


def wechat_context(browser, wechat):
    # WeixinJSBridge is native inside WeChat: not a script of the page, so not bound by its CSP (its
    # fetch to the fake would be refused by connect-src). The context bypasses CSP to stand in for it.
    context = browser.new_context(**PHONE, user_agent=WECHAT_UA, bypass_csp=True)
    context.add_init_script(wechat.bridge_script())
    return context


def test_inside_wechat_the_pay_page_offers_wechat_pay(wallets, browser, shot):
    base, _wechat, _alipay = wallets
    context = browser.new_context(**PHONE, user_agent=WECHAT_UA)  # no bridge: nothing pays by itself
    page = context.new_page()
    failed: list[str] = []
    page.on("response", lambda r: r.status >= 500 and failed.append(f"{r.status} {r.url}"))
    try:
        page.goto(f"{base}/e/{SLUG}/calculate")
        page.locator("#legs-0-from").fill("PEK")
        page.locator(".total-value strong").filter(has_not_text=re.compile(r"^0")).wait_for()
        page.get_by_role("button", name="Neutralize and pay").click()
        page.wait_for_url(re.compile(r"/pay/wechat/oauth\?"))  # its one way to pay: WeChat's OAuth, then JSAPI
        shot(page, "wallets-0-wechat-pay-page")
        # The chooser's first button, or the JSAPI page's own: the primary one.
        first = page.locator("main button").first
        expect(first).to_have_text("Pay with WeChat Pay")
        assert "big" in (first.get_attribute("class") or "").split()
        assert failed == []
    finally:
        context.close()


def test_inside_wechat_oauth_then_the_jsapi_bridge_pays(wallets, browser, shot):
    base, wechat, _alipay = wallets
    context = wechat_context(browser, wechat)
    page = context.new_page()
    errors = watch_errors(page)

    # The payer first closes WeChat Pay's sheet: the JSAPI page stays and says nothing was charged.
    jsapi_calls = lambda: sum(1 for r in wechat.requests if r[:2] == ("POST", "/_fake/jsapi"))  # noqa: E731
    before = jsapi_calls()
    wechat.bridge_answer = "cancel"
    try:
        page.goto(f"{base}/e/{SLUG}/calculate")
        page.locator("#legs-0-from").fill("PEK")
        page.locator(".total-value strong").filter(has_not_text=re.compile(r"^0")).wait_for()
        page.get_by_role("button", name="Neutralize and pay").click()
        page.wait_for_url(re.compile(r"/pay/wechat/oauth\?"))  # WeChat's OAuth sent the payer back to us
        assert page.url.startswith(base)
        expect(page.locator("#wechat-pay-message")).to_contain_text("You closed WeChat Pay; nothing was charged.")
    finally:
        wechat.bridge_answer = "ok"
    order_id = re.search(r"/orders/(ord_[^/?\"]+)", page.locator("#wechat-pay").get_attribute("data-done")).group(1)
    assert jsapi_calls() == before + 1  # the bridge was opened at once, once
    assert [r for r in wechat.requests if r[1].startswith("/connect/oauth2/authorize")]
    expect(page.get_by_role("button", name="Pay with WeChat Pay")).to_be_enabled()
    shot(page, "wallets-2-wechat-jsapi-cancelled")

    urls = navigations(page)
    page.get_by_role("button", name="Pay with WeChat Pay").click()
    page.wait_for_url(CERTIFICATE)
    assert any(re.search(rf"/orders/{order_id}$", url) for url in urls)  # the status page, then the certificate
    order = paid_order(page, base, order_id)
    expect_certificate(page, order["number"])
    shot(page, "wallets-3-wechat-certificate")

    payments = [p for p in wechat.payments.values() if p["attach"] == order_id]
    assert [(p["trade_type"], p["trade_state"]) for p in payments] == [("JSAPI", "SUCCESS")]
    assert payments[0]["openid"] == wechat.openid  # the openid OAuth gave is the payer's
    reference = payments[0]["out_trade_no"]
    assert [n for n in wechat.notices if n[0] == reference] == [(reference, 204)]  # paid once, notice taken
    assert jsapi_calls() == before + 2
    assert errors == []
    context.close()


def test_android_chrome_pays_at_the_alipay_wap_cashier(wallets, browser, shot):
    base, _wechat, alipay = wallets
    context = browser.new_context(**PHONE, user_agent=ANDROID_CHROME_UA)
    page = context.new_page()
    errors = our_errors(page, base)
    order_id = start_checkout(page, base)

    assert pay_buttons(page) == ["Pay with Alipay", "Pay with WeChat Pay"]
    assert "big" in (page.locator(".pay-options button").first.get_attribute("class") or "").split()
    assert small_targets(page) == []
    shot(page, "wallets-4-android-pay")

    urls = navigations(page)
    page.get_by_role("button", name="Pay with Alipay").click()
    page.wait_for_url(f"{alipay.base}/gateway.do?**")  # the cashier is Alipay's page, not ours
    pay = page.get_by_role("button", name=re.compile(r"^Pay ¥\d+\.\d\d$"))
    expect(pay).to_be_visible()
    shot(page, "wallets-5-alipay-cashier")
    pay.click()
    page.wait_for_url(CERTIFICATE)
    assert any(re.search(rf"^{re.escape(base)}/orders/{order_id}\?.*method=alipay\.trade\.wap\.pay\.return", url)
               for url in urls)  # back through our return URL
    order = paid_order(page, base, order_id)
    expect_certificate(page, order["number"])

    trades = [t for t in alipay.trades.values() if t["out_trade_no"].startswith(order_id.replace("-", "_"))]
    assert [(t["product"], t["status"]) for t in trades] == [("wap", "TRADE_SUCCESS")]
    # One notice was sent (and taken: test_a_desktop_switches_to_alipay_and_its_notice_is_taken).
    assert len([n for n in alipay.notices if n["params"]["out_trade_no"] == trades[0]["out_trade_no"]]) == 1
    assert errors == []
    context.close()


def walk_up(kiosk, base) -> None:
    """At the kiosk: a flight from Beijing -> "Pay on your phone" -> the handoff page."""
    kiosk.goto(f"{base}/kiosk/{SLUG}")
    kiosk.get_by_role("link", name="I want to be carbon neutral").click()
    kiosk.get_by_role("link", name="Plane").click()
    kiosk.get_by_role("link", name="Beijing", exact=True).click()
    expect(kiosk.locator(".k-price")).to_have_text(re.compile(r"¥\d"))
    kiosk.get_by_role("button", name="Pay on your phone").click()
    kiosk.wait_for_url(re.compile(rf"/kiosk/{SLUG}/handoff/[A-Za-z0-9_-]{{24}}$"))


def wallet_code(kiosk, name: str) -> str:
    """Read the wallet's code off the kiosk's screen (a screenshot of its QR code, zbarimg)."""
    path = SHOTS / f"{name}-code.png"
    kiosk.locator(".k-qr-box .k-qr").screenshot(path=str(path))
    found = decode_qr(path)
    assert len(found) == 1, found
    return found[0]


@pytest.fixture
def kiosk(browser):
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, has_touch=True, locale="en-US")
    page = context.new_page()
    yield page
    context.close()


def test_kiosk_shows_the_wechat_pay_code_and_celebrates_when_it_is_scanned(wallets, kiosk):
    base, wechat, _alipay = wallets
    errors = watch_errors(kiosk)
    walk_up(kiosk, base)
    expect(kiosk.locator(".k-wallet-name")).to_have_text("Scan with WeChat Pay")
    switch = kiosk.get_by_role("button", name="Show the Alipay code instead")
    expect(switch).to_be_visible()
    assert switch.evaluate("el => parseFloat(getComputedStyle(el).fontSize)") >= 22  # read from 2 m
    small = kiosk.evaluate("""() => Array.from(document.querySelectorAll('main a, main button'))
        .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 71.5).map(el => el.outerHTML)""")
    assert small == []
    kiosk.screenshot(path=str(SHOTS / "wallets-kiosk-1-wechat.png"))

    code = wallet_code(kiosk, "wallets-kiosk-wechat")
    assert WECHAT_CODE.fullmatch(code), code
    payment = next(p for p in wechat.payments.values() if p["code_url"] == code)  # a code the fake gave out
    assert (payment["trade_type"], payment["trade_state"]) == ("NATIVE", "NOTPAY")
    phone_link = kiosk.locator(".k-phone-way .k-qr")  # the second way: the order on the payer's phone
    expect(phone_link).to_be_visible()
    on_screen = decode_qr(SHOTS / "wallets-kiosk-1-wechat.png")
    assert len(on_screen) == 2 and code in on_screen
    assert re.fullmatch(rf"{re.escape(base)}/k/[A-Za-z0-9_-]{{24}}", next(u for u in on_screen if u != code))

    assert wechat.scan(code) == 204  # the payer scans and pays; the notice is taken
    celebrate = kiosk.locator(".k-celebrate")
    expect(celebrate).to_be_visible(timeout=CELEBRATION)
    expect(celebrate.get_by_role("heading", name="You are carbon neutral!")).to_be_visible()
    number = celebrate.locator(".k-cert-number strong").inner_text()
    assert NUMBER.fullmatch(number)
    order = paid_order(kiosk, base, payment["attach"])
    assert order["number"] == number
    assert [n for n in wechat.notices if n[0] == payment["out_trade_no"]] == [(payment["out_trade_no"], 204)]
    kiosk.screenshot(path=str(SHOTS / "wallets-kiosk-3-celebrate.png"))
    assert errors == []


def test_kiosk_switches_to_the_alipay_code_and_the_wechat_payment_is_closed(wallets, kiosk):
    base, wechat, alipay = wallets
    errors = watch_errors(kiosk)
    walk_up(kiosk, base)
    wechat_code = wallet_code(kiosk, "wallets-kiosk-switch-wechat")
    assert WECHAT_CODE.fullmatch(wechat_code)
    payment = next(p for p in wechat.payments.values() if p["code_url"] == wechat_code)

    kiosk.get_by_role("button", name="Show the Alipay code instead").click()
    expect(kiosk.locator(".k-wallet-name")).to_have_text("Scan with Alipay")
    expect(kiosk.get_by_role("button", name="Show the WeChat Pay code instead")).to_be_visible()
    kiosk.screenshot(path=str(SHOTS / "wallets-kiosk-2-alipay.png"))
    code = wallet_code(kiosk, "wallets-kiosk-alipay")
    assert ALIPAY_CODE.fullmatch(code), code
    trade = next(t for t in alipay.trades.values() if t["qr_code"] == code)
    assert (trade["product"], trade["status"]) == ("precreate", "WAIT_BUYER_PAY")

    assert payment["trade_state"] == "CLOSED"  # closed at WeChat Pay before the Alipay code was shown
    with pytest.raises(ValueError, match="CLOSED"):
        wechat.scan(wechat_code)  # the old code on someone's phone can no longer pay

    alipay.scan(code)  # its notice settles the order; the kiosk's poll then celebrates
    celebrate = kiosk.locator(".k-celebrate")
    expect(celebrate).to_be_visible(timeout=CELEBRATION)
    expect(celebrate.get_by_role("heading", name="You are carbon neutral!")).to_be_visible()
    number = celebrate.locator(".k-cert-number strong").inner_text()
    assert paid_order(kiosk, base, payment["attach"])["number"] == number
    assert errors == []


def test_without_javascript_a_desktop_shows_the_code_and_the_page_refreshes_itself(wallets, browser, shot):
    base, wechat, _alipay = wallets
    context = browser.new_context(viewport={"width": 1280, "height": 800}, java_script_enabled=False,
                                  locale="en-US")
    page = context.new_page()
    order_id = start_checkout(page, base, live=False)
    qr = page.locator(".pay-qr .k-qr")
    expect(qr).to_be_visible()  # rendered by the server: an inline SVG
    assert page.locator('meta[http-equiv="refresh"]').get_attribute("content") == "5"
    expect(page.locator(".pay-qr figcaption")).to_contain_text("Scan with WeChat Pay")
    assert pay_buttons(page) == ["Pay with Alipay"]  # the other way
    shot(page, "wallets-6-desktop-nojs")
    path = SHOTS / "wallets-desktop-nojs-code.png"
    qr.screenshot(path=str(path))
    [code] = decode_qr(path)
    assert WECHAT_CODE.fullmatch(code), code

    # Unpaid, the meta refresh reloads the same page (and the same code) by itself.
    with page.expect_event("load", timeout=15_000):
        pass
    assert page.url == f"{base}/pay/{order_id}"
    qr.screenshot(path=str(path))
    assert decode_qr(path) == [code]

    assert wechat.scan(code) == 204
    page.reload()
    page.wait_for_url(CERTIFICATE)
    expect_certificate(page, paid_order(page, base, order_id)["number"])
    context.close()


def test_a_desktop_switches_to_alipay_and_its_notice_is_taken(wallets, browser):
    base, wechat, alipay = wallets
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = context.new_page()
    errors = watch_errors(page)
    try:
        order_id = start_checkout(page, base)
        qr = page.locator(".pay-qr .k-qr")
        expect(page.locator(".pay-qr figcaption")).to_contain_text("Scan with WeChat Pay")
        path = SHOTS / "wallets-desktop-switch-code.png"
        qr.screenshot(path=str(path))
        [wechat_code] = decode_qr(path)
        page.get_by_role("button", name="Pay with Alipay").click()
        expect(page.locator(".pay-qr figcaption")).to_contain_text("Scan with Alipay")
        assert pay_buttons(page) == ["Pay with WeChat Pay"]
        qr.screenshot(path=str(path))
        [code] = decode_qr(path)
        assert ALIPAY_CODE.fullmatch(code), code
        assert next(p for p in wechat.payments.values() if p["code_url"] == wechat_code)["trade_state"] == "CLOSED"

        alipay.scan(code)
        page.wait_for_url(CERTIFICATE, timeout=CELEBRATION)  # the page's live check (every 3 s) moves on
        expect_certificate(page, paid_order(page, base, order_id)["number"])
        assert errors == []
        sent = [n for n in alipay.notices if n["params"]["out_trade_no"]
                == next(t for t in alipay.trades.values() if t["qr_code"] == code)["out_trade_no"]]
        assert [(n["status"], n["reply"]) for n in sent] == [(200, "success")]
    finally:
        context.close()

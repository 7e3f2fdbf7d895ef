"""The venue kiosk in chromium, landscape 1920x1080 and portrait 1080x1920: walk up,
read the handoff QR from a screenshot with zbarimg, pay on a phone (390x844), see
the kiosk celebrate and go home by itself once idle; the kiosk never gets a cookie.
The kiosk's clock stands still and moves only when the test says, so its polls and
its idle reset are checked to the second without waiting for them."""
from __future__ import annotations

import re
import subprocess

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import SHOTS, serve_seeded
from tests.browser.helpers import freeze_clock, watch_errors
from tests.tools import zbarimg

pytestmark = pytest.mark.browser

IDLE = 6  # KIOSK_IDLE_SECONDS for this server; the handoff page waits three times as long
WATCH = 3  # the handoff page asks after the order every 3 s
SLUG = "cdcn-forum-2021"


@pytest.fixture(scope="module")
def kiosk_server(tmp_path_factory):
    yield from serve_seeded(tmp_path_factory, "kiosk", KIOSK_IDLE_SECONDS=IDLE)


def decode_qr(path) -> list[str]:
    out = subprocess.run([zbarimg(), "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False)
    return out.stdout.split()


@pytest.mark.parametrize("width,height,name", [(1920, 1080, "landscape"), (1080, 1920, "portrait")])
def test_walk_up_hand_off_to_a_phone_celebrate_and_go_home(kiosk_server, browser, width, height, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    kiosk_ctx = browser.new_context(viewport={"width": width, "height": height}, has_touch=True, locale="en-US")
    freeze_clock(kiosk_ctx)
    kiosk = kiosk_ctx.new_page()
    errors = watch_errors(kiosk)
    cookies_sent: list[str] = []
    kiosk.on("response", lambda r: r.header_value("set-cookie") and cookies_sent.append(r.url))
    home = f"{kiosk_server}/kiosk/{SLUG}"

    kiosk.goto(home)
    assert float(kiosk.locator(".k-lead").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 22
    assert float(kiosk.locator("body").evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 22
    expect(kiosk.locator(".k-stats")).to_be_visible()
    kiosk.screenshot(path=str(SHOTS / f"kiosk-{name}-1-home.png"))

    kiosk.get_by_role("link", name="I want to be carbon neutral").click()
    kiosk.get_by_role("link", name="Plane").click()
    if name == "landscape":
        kiosk.get_by_role("link", name="Beijing", exact=True).click()
    else:  # the on-screen search: a keyboard of links, no typing
        kiosk.get_by_role("link", name=re.compile("Elsewhere")).click()
        for key in "BEIJ":
            kiosk.get_by_role("link", name=key, exact=True).click()
        expect(kiosk.locator(".k-query strong")).to_have_text("BEIJ")
        kiosk.screenshot(path=str(SHOTS / f"kiosk-{name}-2-search.png"))
        kiosk.locator(".k-tile", has_text="Beijing").first.click()
        expect(kiosk.locator(".k-chosen")).to_have_text("Beijing")
    kiosk.get_by_role("link", name="One night more").click()
    kiosk.get_by_role("link", name="One night more").click()
    expect(kiosk.locator(".k-nights")).to_have_text("2")
    expect(kiosk.locator(".k-price")).to_have_text(re.compile(r"¥\d"))
    small = kiosk.evaluate("""() => Array.from(document.querySelectorAll('main a, main button, main summary'))
        .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 71.5).map(el => el.outerHTML)""")
    assert small == []
    too_wide = kiosk.evaluate("""() => Array.from(document.querySelectorAll('body *'))
        .filter(el => el.getBoundingClientRect().right > window.innerWidth + 0.5)
        .map(el => el.outerHTML.slice(0, 80))""")
    assert too_wide == [] and kiosk.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    kiosk.screenshot(path=str(SHOTS / f"kiosk-{name}-2-calculator.png"))
    kiosk.get_by_role("button", name="Pay on your phone").click()
    kiosk.wait_for_url(re.compile(rf"/kiosk/{SLUG}/handoff/[A-Za-z0-9_-]{{24}}$"))  # a token, not the order id

    qr_shot = SHOTS / f"kiosk-{name}-3-handoff.png"
    kiosk.screenshot(path=str(qr_shot))
    short_url = "http://" + kiosk.locator(".k-short").inner_text().strip()
    assert decode_qr(qr_shot) == [short_url]
    assert re.fullmatch(rf"{kiosk_server}/k/[A-Za-z0-9_-]{{24}}", short_url)

    phone_ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                    locale="en-US")
    phone = phone_ctx.new_page()
    phone.goto(short_url)
    phone.get_by_label("Your name on the certificate (optional)").fill(f"Kiosk {name}")
    phone.get_by_label("Show my name on the leaderboard").check()
    phone.screenshot(path=str(SHOTS / f"kiosk-{name}-phone-1.png"), full_page=True)
    phone.get_by_role("button", name="Continue to payment").click()
    phone.get_by_role("button", name="Confirm demo payment").click()
    phone.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    number = re.search(r"CD-\d{4}-\d{6}", phone.content()).group(0)
    assert any(c["name"] == "cd_participant" for c in phone_ctx.cookies())  # the phone adopted the order
    late_ctx = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, locale="en-US")
    late = late_ctx.new_page()
    assert late.goto(short_url).status == 410  # the link died with the payment
    expect(late.get_by_role("heading", name="This order is paid")).to_be_visible()
    assert not any(c["name"] == "cd_participant" for c in late_ctx.cookies())
    late_ctx.close()

    # The handoff page's next look at the order finds it paid and loads the celebration.
    with kiosk.expect_event("load"):
        kiosk.clock.run_for(WATCH * 1000)
    celebrate = kiosk.locator(".k-celebrate")
    expect(celebrate).to_be_visible()
    expect(celebrate).to_contain_text(number)
    assert f"Kiosk {name}" not in kiosk.content()  # the kiosk never sees the name
    kiosk.screenshot(path=str(SHOTS / f"kiosk-{name}-4-celebrate.png"))
    assert decode_qr(SHOTS / f"kiosk-{name}-4-celebrate.png") == [phone.url]

    # Untouched, the celebration stays until the idle time is up, then the kiosk goes home by itself.
    kiosk.evaluate("() => { window.leftFor = null; navigation.addEventListener('navigate', e => {"
                   " window.leftFor = e.destination.url; }); }")
    kiosk.clock.run_for(IDLE * 1000 - 1)
    assert kiosk.evaluate("window.leftFor === null")  # still this page, and no navigation started
    kiosk.clock.run_for(1)
    kiosk.wait_for_url(home)
    expect(kiosk.locator(".k-board")).to_contain_text(f"Kiosk {name}")

    assert cookies_sent == []
    assert kiosk_ctx.cookies() == []
    assert kiosk.evaluate("localStorage.length + sessionStorage.length") == 0
    assert errors == []
    phone_ctx.close()
    kiosk_ctx.close()

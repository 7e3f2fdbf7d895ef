"""Helpers shared by the browser tests."""
import datetime
import re
import subprocess

from tests.tools import zbarimg

# htmx logs an aborted request as a console error: typing replaces the pending
# live total (hx-sync="this:replace") and leaving a page cancels its live
# refresh. Both are intended; a real failure still shows as htmx:responseError
# or htmx:sendError and fails the test.
ABORTED = ("htmx:sendAbort", "htmx:afterRequest")


def watch_errors(page) -> list[str]:
    """Collect page errors and console errors (except intended aborts) as they happen."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: msg.type == "error" and not msg.text.startswith(ABORTED)
            and errors.append(msg.text))
    return errors


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def small_targets(page) -> list[str]:
    """Controls in the main area less than 44 px high (inline text links excepted)."""
    return page.evaluate("""() => Array.from(document.querySelectorAll(
        'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]), main select, main button,'
        + ' main .button, main summary, main label.check, main .chip'))
        .filter(el => el.offsetParent !== null && el.getBoundingClientRect().height < 43.5)
        .map(el => el.outerHTML.slice(0, 90))""")


def no_js_context(browser):
    """A phone-sized browser context with JavaScript off (downloads accepted)."""
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


def freeze_clock(context) -> None:
    """Give the context's pages a clock that stands still, here and on every page they load next: their
    timers (htmx polls, the live refresh, the kiosk's idle reset) fire only when the test moves time on
    with `context.clock.run_for`, and `context.clock.resume()` lets it run again."""
    now = datetime.datetime.now()
    context.clock.install(time=now)
    context.clock.pause_at(now + datetime.timedelta(minutes=1))


def start_checkout(page, base, slug="cdcn-forum-2021", live=True) -> str:
    """Calculator (a flight from PEK) -> "Neutralize and pay" -> the pay page; the order's id.
    `live`: wait for the live total first (JavaScript on)."""
    page.goto(f"{base}/e/{slug}/calculate")
    page.locator("#legs-0-from").fill("PEK")
    if live:
        page.locator(".total-value strong").filter(has_not_text=re.compile(r"^0")).wait_for()
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/?]+$"))
    return re.search(r"/pay/(ord_[^/?]+)$", page.url).group(1)


def decode_qr(path) -> list[str]:
    """What zbarimg reads in a PNG, one entry per code found."""
    out = subprocess.run([zbarimg(), "--quiet", "--raw", str(path)], capture_output=True, text=True, check=False)
    return out.stdout.split()

"""Issue #25's walk as one organizer, end to end in Chromium at 390x844: an event with its estimate,
a visitor who pays, a sponsor's codes bought and two of them redeemed at the calculator, the
operations neutralized, then the report's PDF read back with pdftotext and one of its register
entries proven by the standalone verifier."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import watch_errors
from tests.tools import pdftotext

pytestmark = pytest.mark.browser

SLUG = "report-walk-2026"


def attendee(browser):
    return browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                               locale="en-US").new_page()


def calculate_a_trip(page, base):
    page.goto(f"{base}/e/{SLUG}/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("30")
    expect(page.locator(".total-value strong")).not_to_have_text(re.compile(r"^0"))


def test_estimate_visitors_sponsors_operations_and_a_report_anyone_can_verify(live_server, browser, phone,
                                                                                tmp_path):
    tool = pdftotext()
    page = phone
    errors = watch_errors(page)
    page.goto(f"{live_server}/account/signup")
    page.get_by_label("Your name").fill("Wang Fang")
    page.get_by_label("Organization").fill("Report Walk Events")
    page.get_by_label("E-mail").fill("report-walk@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/events/new$"))
    page.get_by_label("Event name", exact=True).fill("Report Walk 2026")
    page.get_by_label("Venue", exact=True).fill("Chengdu Global Center")
    page.locator("#venue_code").fill("Chengdu")
    page.get_by_label("Starts on").fill("2026-09-07")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+$"))
    dashboard = page.url

    # The estimate.
    page.goto(f"{dashboard}/estimate")
    page.get_by_label("Days", exact=True).fill("1")
    page.get_by_label("Electricity (kWh)").fill("300")
    page.get_by_label("Waste (kg)").fill("200")
    page.get_by_role("button", name="Save the estimate").click()
    expect(page.get_by_text("Estimate saved.")).to_be_visible()

    # A visitor pays for a taxi ride.
    visitor = attendee(browser)
    calculate_a_trip(visitor, live_server)
    visitor.get_by_role("button", name="Neutralize and pay").click()
    visitor.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    visitor.get_by_role("button", name="Confirm demo payment").click()
    visitor.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    visitor.context.close()

    # A sponsor prepays three attendees; two redeem a code at the calculator, with no payment.
    page.goto(f"{dashboard}/sponsors")
    page.get_by_label("Sponsor", exact=True).fill("Panda Bank")
    page.get_by_label("Kilograms of CO₂e to prepay").fill("300")
    page.get_by_label("Number of attendees", exact=True).fill("3")
    page.get_by_role("button", name="Continue to payment").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/sponsors$"))
    pool = page.locator(".sponsor-pool").first
    page.get_by_text("3 codes").click()
    codes = pool.locator("ul.codes code").all_inner_texts()
    assert len(codes) == 3
    for code in codes[:2]:
        guest = attendee(browser)
        calculate_a_trip(guest, live_server)
        guest.get_by_text("Have a sponsor code?").click()
        guest.get_by_label("Sponsor code").fill(code)
        guest.get_by_role("button", name="Neutralize with this code").click()
        guest.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
        expect(guest.locator("p.sponsored")).to_have_text("Sponsored by Panda Bank")
        guest.context.close()
    page.reload()
    expect(page.locator(".sponsor-pool").first).to_contain_text("2 attendees")

    # The operations in the estimate, neutralized.
    page.goto(f"{dashboard}/estimate")
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))

    # The report: the PDF names the projects, the serial ranges and every register entry the page lists.
    page.goto(f"{dashboard}/report")
    expect(page.get_by_text("No estimate entered yet.")).to_have_count(0)
    entries = [e.strip() for e in page.locator("td[data-label='Register entry']").all_inner_texts()]
    assert len(entries) == 4 and all(re.fullmatch(r"#\d+", e) for e in entries), entries  # visitor, 2 codes, ops
    serials = page.locator("td[data-label='Serials'] code").all_inner_texts()
    projects = [p.split(" · ")[0] for p in page.locator(".card h3").all_inner_texts() if " · " in p]
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    text = " ".join(subprocess.run([tool, str(pdf), "-"], capture_output=True, text=True, check=True).stdout.split())
    for entry in entries:
        assert entry in text, entry
    assert serials and projects
    for serial in serials:
        first, last = serial.split(" – ")
        assert first in text and last in text, serial
    for project in projects:
        assert project in text, project
    assert "Panda Bank" in text and "Waste" in text and "No estimate entered yet." not in text

    token = re.search(r"--certificate=([A-Za-z0-9_-]+)", text).group(1)
    verified = subprocess.run([sys.executable, "tools/registry_verify.py", live_server, f"--certificate={token}"],
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0 and "inclusion proof OK" in verified.stdout, verified.stderr
    assert errors == [], errors

"""An organizer signs up, creates an event, prints its poster, watches a visitor
neutralize live, then neutralizes the event itself: chromium at 390x844 (and
the dashboard once at 1280x800)."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import freeze_clock, no_horizontal_scroll, small_targets, watch_errors
from tests.tools import pdftotext, zbarimg

pytestmark = pytest.mark.browser

SLUG = "chengdu-green-summit-2026"
def decode_qr(path) -> list[str]:
    result = subprocess.run([zbarimg(), "--raw", "-q", str(path)], capture_output=True, text=True, timeout=60)
    return [line for line in result.stdout.splitlines() if line]


def test_organizer_from_sign_up_to_a_carbon_neutral_event(live_server, browser, phone, shot, tmp_path):
    page = phone
    errors = watch_errors(page)

    # Sign up: the account and its organization.
    page.goto(f"{live_server}/")
    page.get_by_role("link", name="For organizers").click()
    page.get_by_role("link", name="Create an organizer account").click()
    page.wait_for_url(re.compile(r"/account/signup$"))
    page.get_by_label("Your name").fill("Lin Wei")
    page.get_by_label("Organization").fill("Chengdu Green Events")
    page.get_by_label("E-mail").fill("lin@example.com")
    page.get_by_label("Password").fill("a long passphrase")
    assert no_horizontal_scroll(page) and not small_targets(page)
    shot(page, "organizer-1-signup")
    page.get_by_role("button", name="Create account").click()

    # Create the event.
    page.wait_for_url(re.compile(r"/organizer/organizations/\d+/events/new$"))
    expect(page.get_by_text("Welcome! Create your first event.")).to_be_visible()
    page.get_by_label("Event name", exact=True).fill("Chengdu Green Summit 2026")
    page.get_by_label("Venue", exact=True).fill("Chengdu Global Center")
    page.locator("#venue_code").fill("Chengdu")
    page.get_by_label("Starts on").fill("2026-09-07")
    page.get_by_label("Expected attendance").fill("40")
    # A description past its limit says so as it is typed, and nothing is cut.
    description = page.get_by_label("Short description", exact=True)
    description.fill("碳" * 1001)
    expect(page.locator("#description-count")).to_have_text("1,001 / 1,000")
    expect(page.locator("#description-count")).to_have_class(re.compile(r"\berror\b"))
    assert len(description.input_value()) == 1001
    description.fill("Two days on climate tech.")
    expect(page.locator("#description-count")).not_to_have_class(re.compile(r"\berror\b"))
    assert no_horizontal_scroll(page) and not small_targets(page)
    shot(page, "organizer-2-new-event")
    page.get_by_role("button", name="Create event").click()
    page.wait_for_url(re.compile(r"/organizer/events/\d+$"))
    dashboard_url = page.url
    expect(page.get_by_role("heading", name="Chengdu Green Summit 2026")).to_be_visible()
    participants = page.locator("#live .stats strong").first
    expect(participants).to_have_text("0")

    # The poster: download the PNG and read its code back.
    page.get_by_role("link", name="QR poster").click()
    page.wait_for_url(re.compile(r"/posters$"))
    expect(page.locator(".poster-preview img")).to_have_js_property("naturalWidth", 1654)  # rendered and loaded
    assert no_horizontal_scroll(page)
    shot(page, "organizer-3-posters")
    with page.expect_download() as info:
        page.locator("section", has_text="A4 poster").get_by_role("link", name="PNG").click()
    poster = tmp_path / "poster.png"
    info.value.save_as(poster)
    assert poster.read_bytes().startswith(b"\x89PNG")
    assert decode_qr(poster) == [f"{live_server}/e/{SLUG}?src=a4"]  # the poster's scans are counted

    # Back on the dashboard, its clock stands still: the live refresh comes when the test moves time on.
    freeze_clock(page.context)
    page.goto(dashboard_url)
    expect(participants).to_have_text("0")

    # A visitor, on their own phone, scans and neutralizes.
    visitor_context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=1,
                                          is_mobile=True, has_touch=True, locale="en-US")
    visitor = visitor_context.new_page()
    visitor.goto(f"{live_server}/e/{SLUG}?src=a4")  # what the A4 poster's code carries
    visitor.wait_for_url(f"{live_server}/e/{SLUG}")
    visitor.get_by_role("link", name="I want to be carbon neutral").click()
    visitor.wait_for_url(re.compile(rf"/e/{SLUG}/calculate$"))
    total = visitor.locator(".total-value strong")
    visitor.locator("#legs-0-from").fill("PEK")
    expect(total).not_to_have_text(re.compile(r"^0"))
    visitor.locator("#display_name").fill("Zhang Min")
    visitor.get_by_label("Show my name on the leaderboard").check()
    visitor.get_by_role("button", name="Neutralize and pay").click()
    visitor.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    visitor.get_by_role("button", name="Confirm demo payment").click()
    visitor.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    visitor_context.close()

    # Ten seconds on, the organizer's dashboard catches up by itself (htmx).
    with page.expect_response(lambda response: response.url == dashboard_url
                              and response.request.headers.get("hx-request") == "true"):
        page.clock.run_for(10_000)
    page.clock.resume()
    expect(participants).to_have_text("1")
    expect(page.locator("#live")).to_contain_text("Zhang Min")
    expect(page.locator("#live")).to_contain_text("2.5%")
    expect(page.locator("#live svg.chart polyline")).to_have_count(1)
    assert no_horizontal_scroll(page)
    shot(page, "organizer-4-dashboard-live")

    # Neutralize the event's own operations through the same checkout.
    page.get_by_role("link", name="Neutralize the event").click()
    page.wait_for_url(re.compile(r"/operations$"))
    ops_total = page.locator("#ops-result .total-value strong")
    expect(ops_total).to_have_text(re.compile(r"^0"))
    page.get_by_label("Electricity (kWh)").fill("3000")
    page.get_by_label("Province or grid").select_option("CN-SOUTHWEST")
    page.get_by_label("Vegetarian").fill("120")
    expect(ops_total).not_to_have_text(re.compile(r"^0"))
    expect(page.locator("#ops-result .project input:checked")).to_have_count(1)
    assert no_horizontal_scroll(page) and not small_targets(page)
    shot(page, "organizer-5-operations")
    page.get_by_role("button", name="Neutralize and pay").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    page.get_by_role("button", name="Confirm demo payment").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    expect(page.get_by_text("Chengdu Green Events").first).to_be_visible()
    shot(page, "organizer-6-certificate")

    # The event page now says so.
    page.goto(f"{live_server}/e/{SLUG}")
    badge = page.locator(".neutral-badge")
    expect(badge).to_be_visible()
    expect(badge).to_contain_text("Operations neutral")
    expect(badge).to_contain_text(re.compile(r"The organizer neutralized [\d.,]+\st of the event's own operations; "
                                             r"visitors [\d.,]+\st\."))
    assert no_horizontal_scroll(page)
    shot(page, "organizer-7-event-badge")

    # The dashboard counts the A4 poster's scan and the checkout it led to.
    page.goto(dashboard_url)
    expect(page.locator("tr", has_text="A4 poster").locator("td")).to_have_text(["A4 poster", "1", "1", "1"])

    # The report: on the page, then as a PDF that names the project, its serials and the register entries,
    # one of which the standalone verifier proves.
    page.get_by_role("link", name="Carbon report").click()
    page.wait_for_url(re.compile(r"/report$"))
    expect(page.get_by_text("No estimate entered yet.")).to_be_visible()
    assert no_horizontal_scroll(page) and not small_targets(page)
    shot(page, "organizer-8-report")
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report (PDF)").click()
    pdf = tmp_path / "report.pdf"
    info.value.save_as(pdf)
    text = " ".join(subprocess.run([pdftotext(), str(pdf), "-"], capture_output=True, text=True,
                                   check=True).stdout.split())
    entries = [line.strip() for line in page.locator("td[data-label='Register entry']").all_inner_texts()]
    assert len(entries) == 2 and all(re.fullmatch(r"#\d+", e) for e in entries)
    for entry in entries:
        assert entry in text
    for serial in page.locator("td[data-label='Serials'] code").all_inner_texts():
        first, last = serial.split(" – ")
        assert first in text and last in text
    project = page.locator(".card h3").first.inner_text().split(" · ")[0]
    assert project in text
    token = re.search(r"--certificate=([A-Za-z0-9_-]+)", text).group(1)
    verified = subprocess.run([sys.executable, "tools/registry_verify.py", live_server, f"--certificate={token}"],
                              capture_output=True, text=True, timeout=120)
    assert verified.returncode == 0 and "inclusion proof OK" in verified.stdout, verified.stderr
    # Published, its summary has a public address.
    page.get_by_role("button", name="Publish the summary").click()
    expect(page.get_by_text("The report's summary is public now.")).to_be_visible()
    page.goto(f"{live_server}/e/{SLUG}/report")
    expect(page.get_by_role("heading", name="Carbon report")).to_be_visible()
    assert no_horizontal_scroll(page)
    shot(page, "organizer-9-public-report")

    # And on a laptop.
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(dashboard_url)
    expect(page.locator("#live")).to_contain_text("CO₂e of the event itself")
    assert no_horizontal_scroll(page)
    shot(page, "organizer-10-dashboard-desktop")
    assert not errors, errors

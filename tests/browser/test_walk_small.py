"""Issue #26 item 11, the smaller findings as a visitor sees them, in chromium: the methodology fits 320 px,
greyed cards keep 4.5:1 text, standalone links are 24 px tall targets, the board counts "1 person", an emoji
in a name is refused at the form (JavaScript on and off) instead of vanishing from the certificate, and the
certificate links the register's verifier instead of showing a command."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import no_js_context, pay_for_a_taxi

pytestmark = pytest.mark.browser

# WCAG relative luminance and contrast of each visible text element against the first opaque background
# behind it; any opacity below 1 on the way (which blends text into the page) counts against it.
CONTRAST = """(root) => {
  const rgb = s => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => [r, g, b]
    .map(v => { v /= 255; return v <= .03928 ? v / 12.92 : ((v + .055) / 1.055) ** 2.4; })
    .reduce((a, v, i) => a + v * [.2126, .7152, .0722][i], 0);
  const out = [];
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (!Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim())) continue;
    if (el.offsetParent === null) continue;
    let fg = rgb(getComputedStyle(el).color), bg = null, opacity = 1;
    for (let e = el; e; e = e.parentElement) {
      const cs = getComputedStyle(e);
      opacity *= Number(cs.opacity);
      const c = rgb(cs.backgroundColor);
      if (!bg && (c.length === 3 || c[3] === 1)) bg = c.slice(0, 3);
    }
    bg = bg || [255, 255, 255];
    const alpha = (fg.length === 4 ? fg[3] : 1) * opacity;  // blended over the backdrop
    const seen = fg.slice(0, 3).map((v, i) => v * alpha + bg[i] * (1 - alpha));
    const [a, b] = [lum(seen), lum(bg)].sort((x, y) => y - x);
    out.push([Math.round((a + .05) / (b + .05) * 100) / 100, el.textContent.trim().slice(0, 40)]);
  }
  return out;
}"""

# Links that are a line of their own (their block holds nothing but the link), and footer links.
STANDALONE = """() => Array.from(document.querySelectorAll('main a, footer a')).filter(a => a.offsetParent !== null)
  .filter(a => a.closest('footer') || a.parentElement.textContent.trim() === a.textContent.trim()
               || a.parentElement.tagName === 'DD')
  .map(a => [a.getBoundingClientRect().height, a.textContent.trim().slice(0, 40)])"""


def _low(pairs):
    return [p for p in pairs if p[0] < 4.5]


def test_the_methodology_fits_a_320_px_screen(live_server, browser, shot):
    context = browser.new_context(viewport={"width": 320, "height": 700})
    page = context.new_page()
    page.goto(f"{live_server}/methodology")
    for fold in page.locator("details.fold").all():
        fold.evaluate("d => d.open = true")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 320
    expect(page.locator("#comparisons")).to_contain_text("1.3524 trillion kWh")
    assert "亿" not in page.locator("main").inner_text()
    shot(page, "walk-11-methodology-320")
    context.close()


def test_ended_cards_and_unavailable_projects_keep_aa_contrast(live_server, phone, shot):
    page = phone
    page.goto(live_server)
    ended = page.locator("a.event-card.ended").first
    expect(ended).to_be_visible()
    assert _low(ended.evaluate(CONTRAST)) == []
    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("9000")
    page.locator("#legs-0-distance_km").press("Enter")
    off = page.locator("label.project.off").first
    expect(off).to_be_visible()
    assert _low(off.evaluate(CONTRAST)) == []
    off.scroll_into_view_if_needed()
    shot(page, "walk-11-unavailable-project")


def test_standalone_links_are_24_px_tall(live_server, phone):
    page = phone
    pay_for_a_taxi(page, live_server, name="Mei", show=True)
    for path in (page.url, f"{live_server}/e/qingcheng-mountain", f"{live_server}/e/qingcheng-mountain/board",
                 f"{live_server}/boards"):
        page.goto(path)
        links = page.evaluate(STANDALONE)
        assert links, path
        assert [link for link in links if link[0] < 24] == [], path


@pytest.fixture(scope="module")
def fresh_server(tmp_path_factory):
    from tests.browser.conftest import serve_seeded
    yield from serve_seeded(tmp_path_factory, "one")


def test_the_board_and_event_say_1_person(fresh_server, phone, shot):
    page = phone
    pay_for_a_taxi(page, fresh_server, name="Solo", show=True)
    page.goto(f"{fresh_server}/e/qingcheng-mountain/board")
    expect(page.locator("#board > p.muted").first).to_contain_text("1 person · ")
    assert "1 people" not in page.locator("main").inner_text()
    shot(page, "walk-11-board-1-person")
    page.goto(f"{fresh_server}/e/qingcheng-mountain")
    expect(page.locator(".stats")).to_contain_text("person neutral")
    expect(page.locator(".stats")).not_to_contain_text("people")
    page.goto(f"{fresh_server}/e/qingcheng-mountain/board?lang=fil")
    expect(page.locator("#board")).to_contain_text("1 tao · ")


@pytest.mark.parametrize("javascript", ["on", "off"])
def test_an_emoji_name_is_refused_at_the_form(live_server, browser, javascript):
    context = browser.new_context(viewport={"width": 390, "height": 844}) if javascript == "on" else \
        no_js_context(browser)
    page = context.new_page()
    page.goto(f"{live_server}/e/qingcheng-mountain/calculate")
    page.locator("#legs-0-mode").select_option("taxi")
    page.locator("#legs-0-distance_km").fill("20")
    page.locator("#display_name").fill("Ana 😀")
    page.get_by_role("button", name="Neutralize and pay").click()
    expect(page.locator("#err-name")).to_contain_text("The certificate cannot draw 😀")
    assert "/pay/" not in page.url
    expect(page.locator("#display_name")).to_have_value("Ana 😀")
    context.close()


def test_the_certificate_links_the_verifier_instead_of_a_command(live_server, phone, shot):
    page = phone
    pay_for_a_taxi(page, live_server)
    assert "python tools/registry_verify.py" not in page.content()
    page.get_by_role("link", name="Check it yourself with our verifier").click()
    page.wait_for_url(re.compile(r"/registry#verify$"))
    download = page.get_by_role("link", name="Download the verifier (registry_verify.py)")
    expect(download).to_be_visible()
    with page.expect_download() as got:
        download.click()
    assert got.value.suggested_filename == "registry_verify.py"
    shot(page, "walk-11-register-verify")

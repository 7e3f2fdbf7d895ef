"""Issue #24 item 5: the methodology page's tables, opened on a phone, in Chinese and Filipino."""
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

SEEN = {
    "zh": ("不经英国的航班，经济舱，含辐射强迫", "千克CO₂e/人公里", "酒店间夜：中国", "覆盖省份：四川、重庆、西藏",
           "全球"),
    "fil": ("Flight na hindi dumadaan sa UK, Economy, may radiative forcing", "kg CO₂e bawat pasahero-km",
            "Gabi sa hotel bawat kuwarto: Pilipinas", "Mga probinsya: Sichuan, Chongqing, Tibet", "Buong mundo"),
}


@pytest.mark.parametrize("lang", ["zh", "fil"])
@pytest.mark.parametrize("width", [390, 320])
def test_the_opened_tables_read_in_the_page_language_and_fit_the_phone(live_server, browser, shot, lang, width):
    context = browser.new_context(viewport={"width": width, "height": 844}, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server}/methodology?lang={lang}")
    for fold in page.locator("details.fold").all():
        fold.evaluate("d => d.open = true")
    assert page.evaluate("document.scrollingElement.scrollWidth") <= width
    text = page.locator("main").inner_text()
    for words in SEEN[lang]:
        assert words in text, words
    assert "Value read from a public extract" not in text and "kg CO2e per room night" not in text
    expect(page.locator("#cat-hotel")).to_be_visible()
    shot(page, f"methodology-{lang}-{width}")
    context.close()

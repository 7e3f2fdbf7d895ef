"""The visitor flow in Simplified Chinese and in Filipino, in chromium at 390x844:
event -> calculator -> demo payment -> certificate -> board. The English walk's
visible text is the reference: none of its interface lines may show up in the
other languages (data typed by people - event, project and visitor names - may)."""
from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from playwright.sync_api import expect

from app.services import languages
from app.web.i18n import TRANSLATIONS
from tests.browser.helpers import no_horizontal_scroll, watch_errors

pytestmark = pytest.mark.browser

SLUG = "cdcn-forum-2021"
PAGES = ("event", "calculator", "payment", "certificate", "board")
# Words that are the same in every language: brand, language names, units, codes, standards.
SAME_EVERYWHERE = {"CarbonDot", "English", "Filipino", "CCER", "Verra", "VCS", "Gold", "Standard", "UTC", "CNY"}


def walk(page, base: str, lang: str, shot, name: str, organization: str) -> dict[str, str]:
    """Go through the flow by structure (not by English labels); return each page's visible text."""
    texts = {}
    query = f"?lang={lang}"
    page.goto(f"{base}/e/{SLUG}{query}")
    html_lang = languages.get(lang).html_lang
    assert page.locator("html").get_attribute("lang") == html_lang
    assert no_horizontal_scroll(page)
    texts["event"] = page.locator("body").inner_text()
    shot(page, f"lang-{lang}-1-event")

    page.locator(f"main a.button[href$='/e/{SLUG}/calculate']").click()
    page.wait_for_url(re.compile(rf"/e/{SLUG}/calculate$"))
    assert page.locator("html").get_attribute("lang") == html_lang  # the cookie carries the choice
    total = page.locator(".total-value strong")
    page.locator("#legs-0-from").fill("PEK")
    expect(total).not_to_have_text(re.compile(r"^0"))
    page.locator("#display_name").fill(name)
    page.locator("#organization").fill(organization)
    page.locator("input[name=show_on_board]").check()
    assert no_horizontal_scroll(page)
    page.locator("details.how").evaluate_all("ds => ds.forEach(d => { d.open = true; })")  # the line items too
    texts["calculator"] = page.locator("body").inner_text()
    shot(page, f"lang-{lang}-2-calculator")

    page.locator("main form button[type=submit].big").click()
    page.wait_for_url(re.compile(r"/pay/ord_[^/]+/demo$"))
    texts["payment"] = page.locator("body").inner_text()
    shot(page, f"lang-{lang}-3-demo-pay")

    page.locator("button[name=outcome][value=paid]").click()
    page.wait_for_url(re.compile(r"/c/[A-Za-z0-9_-]+$"))
    image = page.locator(".cert img")
    expect(image).to_be_visible()
    assert image.evaluate("img => img.complete && img.naturalWidth") == 1080
    assert no_horizontal_scroll(page)
    page.locator("details.how").evaluate_all("ds => ds.forEach(d => { d.open = true; })")
    texts["certificate"] = page.locator("body").inner_text()
    shot(page, f"lang-{lang}-4-certificate")

    page.locator(f".rank a[href$='/e/{SLUG}/board']").click()
    page.wait_for_url(re.compile(rf"/e/{SLUG}/board$"))
    assert page.locator(".board").get_by_text(name).first.is_visible()
    assert page.locator("html").get_attribute("lang") == html_lang
    texts["board"] = page.locator("body").inner_text()
    shot(page, f"lang-{lang}-5-board")
    return texts


def lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if line.strip()}


def interface_lines(english: str, data: list[str]) -> set[str]:
    """English lines that are interface text: something is left once data, numbers and codes are removed."""
    result = set()
    for line in lines(english):
        rest = line
        for value in sorted(data, key=len, reverse=True):
            rest = rest.replace(value, " ")
        words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]+", rest)
                 if w not in SAME_EVERYWHERE and not re.search(r"\d", w)]
        if any(len(w) >= 3 and not w.isupper() for w in words):
            result.add(line)
    return result


def same_by_design(locale: str) -> set[str]:
    """Short terms kept as in English on purpose: Filipino loanwords in the catalogue ('Taxi') and
    country names that CLDR spells the same in the language ('Canada' in Filipino)."""
    from babel import Locale

    with (TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        catalogue = read_po(fh)
    terms = {m.id for m in catalogue if isinstance(m.id, str) and m.id == m.string and len(m.id.split()) <= 2}
    return terms | set(Locale.parse(locale).territories.values())


@pytest.fixture(scope="module")
def english(live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="en-US")
    from tests.browser.conftest import SHOTS

    SHOTS.mkdir(parents=True, exist_ok=True)
    texts = walk(context.new_page(), live_server, "en", lambda p, n: p.screenshot(path=str(SHOTS / f"{n}.png"),
                                                                                    full_page=True),
                 "Ana Reyes", "Cebu Green")
    context.close()
    return texts


@pytest.fixture(scope="module")
def seeded_data(tmp_path_factory):
    """What people typed (events, projects, owners): shown as typed in every language.

    The demo seed is deterministic, so a second seeded database holds the same values as the live one.
    """
    from sqlalchemy import String, select

    from app import create_app
    from app.commands.demo import seed_demo
    from app.extensions import db
    from app.models import Event, Project, ProjectOwner

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path_factory.mktemp('seed') / 'seed.db'}"})
    values = ["PEK", "CTU"]
    with app.app_context():
        db.create_all()
        seed_demo()
        for model in (Event, Project, ProjectOwner):
            columns = [c for c in model.__table__.columns if isinstance(c.type, String)]
            for row in db.session.execute(select(*columns)):
                values += [v for v in row if v and len(v) > 1]
        db.session.remove()
        db.engine.dispose()
    return values


@pytest.mark.parametrize(("lang", "accept", "name", "organization"), [
    ("zh", "zh-CN,zh;q=0.9", "林伟", "成都科技"),
    ("fil", "fil-PH,fil;q=0.9", "Maria Santos", "Samahang Luntian"),
])
def test_visitor_flow_speaks_the_language(live_server, browser, shot, english, seeded_data, lang, accept, name,
                                          organization):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale=accept.split(",")[0], extra_http_headers={"Accept-Language": accept})
    page = context.new_page()
    errors = watch_errors(page)
    texts = walk(page, live_server, lang, shot, name, organization)
    context.close()
    allowed = same_by_design(lang)
    data = seeded_data + ["Ana Reyes", "Cebu Green"]
    for key in PAGES:
        leaked = {line for line in interface_lines(english[key], data) & lines(texts[key]) if line not in allowed}
        assert not leaked, f"English on the {lang} {key} page: {sorted(leaked)}"
    for key in ("calculator", "certificate"):  # the engine's English line item, worded in the language here
        assert "Flight PEK \u2192 " in english[key] and "Flight PEK" not in texts[key]
    assert errors == []

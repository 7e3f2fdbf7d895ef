"""Issue #26 item 11, the rules behind the smaller findings: a Chinese unit only on Chinese pages, the board's
counts in the page's plural, names the certificate cannot draw refused, the verifier offered for download,
and the README's demo links."""
import datetime as dt
import re
from pathlib import Path

import pytest

from app.commands.demo import DEMO_EVENTS
from app.services import scenarios
from app.services.sales import orders

README = Path(__file__).resolve().parents[2] / "README.md"
VERIFIER = Path(__file__).resolve().parents[2] / "tools" / "registry_verify.py"


def test_the_methodology_writes_the_source_figure_in_the_page_language(client):
    english = client.get("/methodology").get_data(as_text=True)
    assert "亿" not in english and "{number:" not in english
    assert "1.3524 trillion kWh" in english
    chinese = client.get("/methodology?lang=zh").get_data(as_text=True)
    assert "1.3524万亿 kWh" in chinese


@pytest.mark.parametrize("name", ["Ana 😀", "🇵🇭 Maria", "Li ❤️"])
def test_a_name_the_certificate_fonts_cannot_draw_is_refused(name):
    with pytest.raises(orders.OrderError) as caught:
        orders.clean_name(name, orders.NAME_MAX, "display_name")
    assert caught.value.code == "name_glyphs" and caught.value.field == "display_name"


@pytest.mark.parametrize("name", ["Ana 王 Niño", "Mei Chen", "José Ñuñez-Ü", "陈美"])
def test_names_the_fonts_draw_pass(name):
    assert orders.clean_name(name, orders.NAME_MAX, "display_name") == name


def test_the_calculator_says_why_an_emoji_name_is_refused(client, make_event, make_project):
    make_event(slug="walk")
    make_project()
    page = client.get("/e/walk/calculate").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    form = {"legs-0-mode": "taxi", "legs-0-distance_km": "20", "display_name": "Ana 😀"}
    if token:
        form["csrf_token"] = token.group(1)
    response = client.post("/e/walk/checkout", data=form)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "The certificate cannot draw 😀" in body


def test_the_board_counts_in_the_page_plural(client, make_event):
    make_event(slug="walk")
    assert "0 people · " in client.get("/e/walk/board").get_data(as_text=True)
    assert "people neutral" in client.get("/e/walk").get_data(as_text=True)


def test_the_register_offers_the_verifier_for_download(client):
    page = client.get("/registry").get_data(as_text=True)
    assert 'href="/registry/registry_verify.py" download' in page
    response = client.get("/registry/registry_verify.py")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert "registry_verify.py" in response.headers["Content-Disposition"]
    assert response.get_data() == VERIFIER.read_bytes()


def test_the_readme_opens_a_live_event_and_lists_one_page_per_scenario():
    text = README.read_text(encoding="utf-8")
    by_slug = {e["slug"]: e for e in DEMO_EVENTS}
    links = re.findall(r"<http://127\.0\.0\.1:5000/e/([a-z0-9-]+)>", text)
    first = by_slug[links[0]]
    assert first["ends_on"] is None or first["ends_on"] >= dt.date.today()
    shown = {by_slug[slug]["scenario"] for slug in links}
    if "<http://127.0.0.1:5000/life>" in text:
        shown.add(by_slug["life"]["scenario"])
    assert shown >= {s.code for s in scenarios.SCENARIOS}

"""Adding a scenario and a language is one registry entry each (plus, for a scenario, the migration that widens
the database's constraint, done here by the fixture): every page that lists scenarios or languages picks them
up. Japanese has no catalogue, so its pages speak English with Japanese dates."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from PIL import Image
from sqlalchemy import select, text

from app import create_app
from app.extensions import db as _db
from app.models import Event
from app.services import languages, scenarios
from app.services.certificates import artwork as certs
from app.services.certificates import numbers, typesetting
from app.services.languages import N_

MUSEUM = scenarios.Scenario(
    "museum", N_("Museum"), N_("Museums"), N_("What you bought in the shop, and your trip here if you like."),
    (("basket", False), ("travel", True)))
JAPANESE = languages.Language("ja", "日本語", "ja", fonts=("Noto Sans", "Noto Sans SC"), currency="JPY",
                              time_zone="Asia/Tokyo")


@pytest.fixture
def app(app_config, monkeypatch):
    """The app made after the registries gained a museum and Japanese."""
    monkeypatch.setattr(scenarios, "SCENARIOS", (*scenarios.SCENARIOS, MUSEUM))
    monkeypatch.setattr(languages, "LANGUAGES", (*languages.LANGUAGES, JAPANESE))
    # What the new scenario's migration does: the constraint lists the registry's codes.
    (check,) = [c for c in Event.__table__.constraints if c.name == "event_scenario"]
    monkeypatch.setattr(check, "sqltext", text(f"scenario IN {scenarios.codes()!r}"))
    app = create_app(app_config)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


def test_the_home_page_has_its_chip_and_speaks_it(client, make_event):
    make_event(slug="palace", name="Palace Museum", scenario="museum", starts_on=dt.date(2026, 9, 7))
    make_event(slug="forum", name="Green Forum", scenario="conference")
    home = client.get("/?lang=ja").get_data(as_text=True)
    assert '<html lang="ja">' in home and 'aria-current="true">日本語</span>' in home
    assert "Carbon neutral in one scan" in home  # no Japanese catalogue: English text
    assert 'href="/?scenario=museum">Museums</a>' in home
    assert "2026/09/07" in home  # the event card's date, Babel's medium date for ja
    museums = client.get("/?scenario=museum").get_data(as_text=True)
    assert "Palace Museum" in museums and "Green Forum" not in museums
    asked = client.application.test_client().get("/", headers={"Accept-Language": "ja-JP,ja;q=0.9"})
    assert '<html lang="ja">' in asked.get_data(as_text=True)
    assert 'href="/?lang=ja" lang="ja" hreflang="ja" rel="alternate">日本語</a>' in client.get(
        "/?lang=en").get_data(as_text=True)


def test_the_organizer_chooses_them_for_an_event(client, db, org, make_project):
    make_project()
    page = client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    assert '<option value="museum" >Museum</option>' in page
    assert '<option lang="ja" value="ja">日本語</option>' in page  # each language's name marked as itself
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data={
        "name": "Palace Museum", "scenario": "museum", "venue_name": "Palace Museum", "venue_code": "beijing",
        "starts_on": "2026-09-07", "currency": "CNY", "color": "#1b5e20", "status": "live", "language": "ja"})
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert (event.scenario, event.language) == ("museum", "ja")
    posters = client.get(f"/organizer/events/{event.id}/posters").get_data(as_text=True)
    assert '<option value="ja" lang="ja" >日本語</option>' in posters


def test_the_calculator_asks_what_the_scenario_says(client, make_event, make_project):
    make_project()
    make_event(slug="palace", scenario="museum")
    html = client.get("/e/palace/calculate").get_data(as_text=True)
    assert '<p class="lead">What you bought in the shop, and your trip here if you like.</p>' in html
    assert re.findall(r'id="(sec-\w+|more-\w+)"', html) == ["sec-basket", "more-travel", "sec-travel"]


def test_the_kiosk_switches_to_it(client, make_event):
    make_event(slug="palace", scenario="museum", language="ja")
    make_event(slug="forum", language="en")
    palace = client.get("/kiosk/palace").get_data(as_text=True)
    assert '<html lang="ja">' in palace and 'href="/kiosk/palace">日本語</a>' in palace
    forum = client.get("/kiosk/forum").get_data(as_text=True)
    assert '<html lang="en">' in forum and 'href="/kiosk/forum?lang=ja">日本語</a>' in forum
    assert '<html lang="ja">' in client.get("/kiosk/forum?lang=ja").get_data(as_text=True)


def test_the_certificate_is_drawn_in_it(client, db, make_event, make_order):
    order = make_order(event=make_event(slug="palace", scenario="museum", language="ja"))
    png = client.get(f"/c/{order.certificate.token}.png?lang=ja")
    assert png.status_code == 200 and png.mimetype == "image/png"
    assert Image.open(io.BytesIO(png.get_data())).size[0] > 0
    assert "CO₂e" in client.get(f"/c/{order.certificate.token}?lang=ja").get_data(as_text=True)

    day = dt.date(2026, 9, 7)
    assert numbers.format_date(day, "ja") == "2026年9月7日"  # Babel's long date for ja
    assert numbers.labels("ja-JP") is numbers.labels("ja")
    assert numbers.labels("ja")["title"] == "Carbon Neutral Certificate of Honor"  # no catalogue: English
    data = certs.CertificateData(
        number="CD-2026-000001", name="山田 花子", organization="", event_name="Palace Museum", kg=42,
        project_name="Biogas", project_standard="Gold Standard", serials=("CDCER-2021-1 – CDCER-2021-42",),
        issued_on=day, url="https://carbondot.example/c/token", language="ja")
    for shape in certs.SHAPES:
        rendering = certs.render_image(data, shape)
        assert "2026年9月7日" in " ".join(rendering.texts.get("issued", ()) + rendering.texts.get("footer", ()))
        assert rendering.name_lines == ("山田 花子",)
    assert typesetting.missing_glyphs("2026年9月7日", faces=JAPANESE.fonts) == []

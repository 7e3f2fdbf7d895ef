"""Every table derived from the scenario and language registries covers every entry: iterate the registry
(app/services/scenarios.py, app/services/languages.py) and find each entry wherever it must show."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date
from flask_migrate import upgrade
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.models import Event, Organization
from app.services import languages, scenarios
from app.services.accounts import organizations
from app.services.certificates import artwork as certs
from app.services.certificates import numbers, typesetting
from app.web.calculator_form import SECTION_SUMMARIES

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = scenarios.codes()
LANGUAGES = languages.codes()


def event_form(**overrides):
    form = {"name": "Green Summit 2026", "scenario": "conference", "venue_name": "Chengdu Global Center",
            "venue_code": "chengdu", "starts_on": "2026-09-07", "currency": "CNY", "color": "#1b5e20",
            "status": "live", "language": languages.SOURCE}
    return {**form, **overrides}


def expected_sections(scenario: scenarios.Scenario) -> list[str]:
    """The calculator's section ids for a scenario: an optional section is folded (more-<name>, then sec-<name>)."""
    ids = []
    for name, optional in scenario.sections:
        ids += [f"more-{name}", f"sec-{name}"] if optional else [f"sec-{name}"]
    return ids


# --------------------------------------------------------------------------
# Scenarios
# --------------------------------------------------------------------------

def test_the_registry_is_well_formed():
    assert len(set(SCENARIOS)) == len(SCENARIOS) and scenarios.FALLBACK in SCENARIOS
    assert scenarios.get("no-such-kind").code == scenarios.FALLBACK
    column = Event.__table__.c.scenario.type.length
    template = (ROOT / "app/templates/calculator/calculate.html").read_text()
    for scenario in scenarios.all():
        assert re.fullmatch(r"[a-z_]+", scenario.code) and len(scenario.code) <= column
        names = [name for name, _optional in scenario.sections]
        assert names and len(set(names)) == len(names) and set(names) <= set(scenarios.SECTIONS), scenario.code
        for name, optional in scenario.sections:
            assert not optional or name in SECTION_SUMMARIES, f"{scenario.code}: folded {name} needs a summary"
    for name in scenarios.SECTIONS:
        assert f"{{% block {name}_section %}}" in template


def test_the_models_constraint_lists_every_scenario():
    (check,) = [c for c in Event.__table__.constraints if c.name == "event_scenario"]
    assert str(check.sqltext) == f"scenario IN {SCENARIOS!r}"


def test_the_migrated_database_accepts_every_scenario_and_no_other(app, db):
    """Adding a scenario without the migration that widens the constraint fails here."""
    db.drop_all()
    upgrade()
    insert = text("INSERT INTO event (slug, name, scenario, description, venue_name, venue_code, city, country, "
                  "currency, status, color, language, created_at) VALUES (:slug, 'E', :scenario, '', '', '', '', "
                  "'CN', 'CNY', 'live', '#0f5132', 'en', '2026-01-01')")
    for code in SCENARIOS:
        with db.engine.begin() as conn:
            conn.execute(insert, {"slug": f"e-{code}", "scenario": code})
    with pytest.raises(IntegrityError), db.engine.begin() as conn:
        conn.execute(insert, {"slug": "e-unknown", "scenario": "stadium"})


def test_the_home_page_has_a_chip_for_every_scenario(client, make_event):
    for code in SCENARIOS:
        make_event(slug=f"at-{code}", name=f"Event at {code}", scenario=code)
    html = client.get("/").get_data(as_text=True)
    for scenario in scenarios.all():
        assert f'href="/?scenario={scenario.code}">{scenario.plural}</a>' in html
        only = client.get(f"/?scenario={scenario.code}").get_data(as_text=True)
        assert f"Event at {scenario.code}<" in only
        assert all(f"Event at {other}<" not in only for other in SCENARIOS if other != scenario.code)


def test_the_event_form_offers_and_saves_every_scenario(client, db, org, make_project):
    make_project()
    html = client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    for scenario in scenarios.all():
        assert f'<option value="{scenario.code}" >{scenario.label}</option>' in html
        response = client.post(f"/organizer/organizations/{org.id}/events/new",
                               data=event_form(name=f"Event {scenario.code}", scenario=scenario.code))
        assert response.status_code == 303, scenario.code
    assert sorted(db.session.scalars(select(Event.scenario))) == sorted(SCENARIOS)
    refused = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(scenario="stadium"))
    assert refused.status_code == 422 and "Choose one of the kinds listed." in refused.get_data(as_text=True)


def test_every_scenario_has_its_calculator(client, make_event, make_project):
    make_project()
    for scenario in scenarios.all():
        make_event(slug=f"calc-{scenario.code}", scenario=scenario.code)
        html = client.get(f"/e/calc-{scenario.code}/calculate").get_data(as_text=True)
        assert f'<p class="lead">{scenario.intro}</p>' in html.replace("&#39;", "'")
        assert re.findall(r'id="(sec-\w+|more-\w+)"', html) == expected_sections(scenario)


def test_scenario_texts_are_translated(client, make_event):
    """The registry's texts reach the pages through the catalogues (tests/test_translations.py checks every
    msgid is translated; here, that the pages use them)."""
    make_event(slug="forum")
    for code in LANGUAGES:
        if code == languages.SOURCE:
            continue
        html = client.get(f"/?lang={code}").get_data(as_text=True)
        for scenario in scenarios.all():
            assert f'href="/?scenario={scenario.code}">{scenario.plural}</a>' not in html, (code, scenario.code)


# --------------------------------------------------------------------------
# Languages
# --------------------------------------------------------------------------

def test_the_language_registry_is_well_formed():
    column = Event.__table__.c.language.type.length
    assert languages.SOURCE in LANGUAGES and len(set(LANGUAGES)) == len(LANGUAGES)
    for language in languages.all():
        assert len(language.code) <= column
        assert Locale.parse(language.code).language == language.code  # Babel knows it by this code
        assert languages.normalize(language.code.upper() + "-XX") == language.code
        for alias in language.aliases:
            assert languages.normalize(alias) == language.code
        assert set(language.fonts) <= set(typesetting.face_names()), language.code
        if language.code != languages.SOURCE:
            assert (languages.CATALOGUES / language.code / "LC_MESSAGES" / "messages.po").is_file()
    assert languages.normalize("de") is None


def test_the_app_offers_every_language(app):
    assert tuple(app.config["LANGUAGES"]) == LANGUAGES


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_is_chosen_tagged_and_switchable(client, code):
    language = languages.get(code)
    for response in (client.get(f"/?lang={code}"),
                     client.application.test_client().get("/", headers={"Accept-Language": f"{code};q=0.9"})):
        html = response.get_data(as_text=True)
        assert f'<html lang="{language.html_lang}">' in html
        assert f'aria-current="true">{language.name}</span>' in html  # the switcher marks it
        for other in languages.all():
            if other.code != code:
                assert f'href="/?lang={other.code}" lang="{other.html_lang}"' in html and f">{other.name}</a>" in html


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_kiosk_switches_to_every_language(client, make_event, code):
    make_event(slug="forum", language=code)
    html = client.get("/kiosk/forum").get_data(as_text=True)
    assert f'<html lang="{languages.get(code).html_lang}">' in html
    for other in languages.all():
        href = "/kiosk/forum" if other.code == code else f"/kiosk/forum?lang={other.code}"
        assert f'href="{href}">{other.name}</a>' in html


def test_the_event_form_and_posters_offer_every_language(client, db, org, make_project, make_event):
    make_project()
    html = client.get(f"/organizer/organizations/{org.id}/events/new").get_data(as_text=True)
    for language in languages.all():
        option = f'<option lang="{language.html_lang}" (selected )?value="{language.code}">{language.name}</option>'
        assert re.search(option, html)
        response = client.post(f"/organizer/organizations/{org.id}/events/new",
                               data=event_form(name=f"Event {language.code}", language=language.code))
        assert response.status_code == 303, language.code
    assert sorted(db.session.scalars(select(Event.language))) == sorted(LANGUAGES)
    event = db.session.scalar(select(Event))
    posters = client.get(f"/organizer/events/{event.id}/posters").get_data(as_text=True)
    for language in languages.all():
        assert f'<option value="{language.code}" lang="{language.html_lang}" >{language.name}</option>' in posters


def test_the_service_refuses_a_language_not_in_the_registry(db, make_project):
    make_project()
    org = Organization(name="Acme Events")
    db.session.add(org)
    data = organizations.EventInput(
        name="Summit", scenario="conference", description="", venue_name="", venue_code="chengdu", city="",
        country="", starts_on=None, ends_on=None, expected_attendance=None, currency="CNY", project_ids=[],
        color="#0f5132", status="live", language="xx")
    with pytest.raises(organizations.AccountError) as refused:
        organizations.save_event(db.session, org, data)
    names = [language.english_name for language in languages.all()]
    assert refused.value.message == f"Choose {', '.join(names[:-1])} or {names[-1]}."
    assert refused.value.message == "Choose English, Chinese or Filipino."  # the words it always had


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_language_prints_a_certificate_in_its_own_fonts_and_date(code):
    language = languages.get(code)
    day = dt.date(2026, 9, 7)
    words = numbers.labels(code)
    assert set(words) == {*numbers.TEXTS, *numbers.NO_NAME_TEXTS, "co2e", "tonnes"}
    assert numbers.format_date(day, code) == format_date(day, "long", locale=language.locale)
    drawn = " ".join([*words.values(), numbers.format_date(day, code)])
    assert typesetting.missing_glyphs(drawn, faces=language.fonts) == []
    data = certs.CertificateData(
        number="CD-2026-000042", name="Ana", organization="", event_name="Forum", kg=420, project_name="Biogas",
        project_standard="Gold Standard", serials=("CDCER-2021-0000120501 – CDCER-2021-0000120920",),
        issued_on=day, url="https://carbondot.example/c/token", language=code)
    rendering = certs.render_image(data, "portrait")
    assert rendering.texts["title"] == (words["title"],)
    assert rendering.texts["issued"] == (numbers.format_date(day, code),)

"""Issue #24 items 4 and 5: the native review's catalogue fixes, and errors in the visitor's language."""
import datetime as dt

import pytest

from app.services import footprint
from app.services.footprint import labels
from tests.accounts import login_as, make_user


def test_the_engine_takes_its_labels_from_labels_py():
    """One label source: the engine's English (the API's `label`) is labels.py's msgid."""
    assert footprint.MODE_LABELS is labels.MODES and dict(footprint.GRIDS) == labels.GRIDS
    assert dict(footprint.BASKET_CATEGORIES) == labels.BASKET and dict(footprint.DIET_KINDS) == labels.DIETS
    result = footprint.estimate({"legs": [{"mode": "metro", "distance_km": "5"},
                                          {"mode": "car", "distance_km": "5", "fuel": "unknown"}]})
    assert [i.label for i in result.items] == ["Metro, 5 km", "Car (fuel not known), 5 km"]


@pytest.mark.parametrize(("lang", "text"), [("zh", "一次提交的内容过多"), ("fil", "Masyadong marami")])
def test_a_413_page_is_in_the_visitor_s_language(client, lang, text):
    response = client.post(f"/life?lang={lang}", data={"electricity": "1" * 300_000})
    assert response.status_code == 413 and text in response.get_data(as_text=True)


def test_a_405_and_a_404_page_are_in_the_visitor_s_language(client):
    assert "不允许" in client.post("/boards?lang=zh").get_data(as_text=True)
    assert "找不到" in client.get("/nowhere?lang=zh").get_data(as_text=True)


def test_co2e_is_explained_once_per_page(client, make_event, make_project):
    make_event(slug="forum")
    make_project()
    form = {"leg_count": "1", "legs-0-mode": "taxi", "legs-0-distance_km": "12"}
    page = client.post("/e/forum/calculate?lang=zh", data=form, follow_redirects=True).get_data(as_text=True)
    assert page.count("二氧化碳当量") == 1 and "千克" in page
    again = client.post("/e/forum/calculate?lang=fil", data=form, follow_redirects=True).get_data(as_text=True)
    assert again.count("katumbas na carbon dioxide") == 1  # once per page, on every page


def test_an_ended_event_is_not_shown_live_to_its_organizer(client, db, make_event):
    from app.models import Organization

    ann = make_user(db, "ann@example.com")
    org = Organization(name="Acme Events")
    db.session.add(org)
    org.members.append(ann)
    db.session.flush()
    event = make_event(organization_id=org.id, starts_on=dt.date(2021, 9, 7), ends_on=dt.date(2021, 9, 7))
    db.session.commit()
    login_as(client, ann)
    page = client.get(f"/organizer/events/{event.id}?lang=zh").get_data(as_text=True)
    assert "status-ended" in page and "已结束" in page and "status-live" not in page


def test_issued_is_a_quantity_on_a_project_and_vintage_is_the_reduction_year(client, make_project):
    project = make_project()
    page = client.get(f"/p/{project.id}?lang=zh").get_data(as_text=True)
    assert "已签发" in page and "签发日期" not in page
    assert "减排年份" in page and "签发年份" not in page


def test_a_service_refusal_without_a_translation_is_not_shown_in_english(app):
    from flask_babel import force_locale

    from app.services.errors import DomainError
    from app.web.forms import error_message

    with app.test_request_context("/?lang=zh"), force_locale("zh"):
        assert error_message(DomainError("Some new English rule.")) == "请检查此项后重试。"
    with app.test_request_context("/"), force_locale("en"):
        assert error_message(DomainError("Some new English rule.")) == "Some new English rule."

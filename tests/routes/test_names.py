"""Names per language on the pages, the certificate, the posters, the API, the search, the forms and the
CLI: a zh page shows the zh name and falls back to English where there is none (app/services/names.py)."""
import pytest
from flask import g
from sqlalchemy import select

from app.models import Event, Organization, Project, ProjectOwner
from app.services.certificates import content
from tests.accounts import sign_in_operator

FORUM_ZH = "首届中国数字碳中和高峰论坛"
VENUE_ZH = "成都新世纪环球中心"
FOREST_ZH = "凉山彝族自治州森林恢复项目"
OWNER_ZH = "凉山林业合作社"


@pytest.fixture
def forum(make_event):
    return make_event(name="China Digital Carbon Neutrality Forum", description="The first forum.",
                      venue_lat=30.5728, venue_lon=104.0668,
                      names={"zh": {"name": FORUM_ZH, "venue_name": VENUE_ZH, "description": "首届论坛。"},
                             "fil": {"name": "Unang Forum ng Tsina"}})


@pytest.fixture
def forest(db, make_project):
    project = make_project(name="Liangshan Forest Restoration", names={"zh": {"name": FOREST_ZH, "kind": "林业碳汇"}})
    project.owner.names = {"zh": {"name": OWNER_ZH}}
    db.session.commit()
    return project


def text(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


def test_the_event_page_speaks_the_page_language_and_falls_back_to_english(client, forum):
    zh = text(client, f"/e/{forum.slug}?lang=zh")
    assert FORUM_ZH in zh and "首届论坛。" in zh and "成都" in zh  # the city from the place data
    assert "China Digital Carbon Neutrality Forum" not in zh
    fil = text(client, f"/e/{forum.slug}?lang=fil")
    assert "Unang Forum ng Tsina" in fil and "The first forum." in fil  # no Filipino description: English
    assert FORUM_ZH not in fil
    en = text(client, f"/e/{forum.slug}?lang=en")
    assert "China Digital Carbon Neutrality Forum" in en and FORUM_ZH not in en


def test_an_event_without_names_shows_english_in_every_language(client, make_event):
    event = make_event(name="Plain Forum")
    assert "Plain Forum" in text(client, f"/e/{event.slug}?lang=zh")


def test_calculator_boards_kiosk_and_projects_in_chinese(client, forum, forest, make_order):
    forum.projects = [forest]
    from app.extensions import db
    db.session.commit()
    for url in (f"/e/{forum.slug}/calculate?lang=zh", f"/e/{forum.slug}/board?lang=zh", f"/kiosk/{forum.slug}?lang=zh"):
        assert FORUM_ZH in text(client, url), url
    calculator = text(client, f"/e/{forum.slug}/calculate?lang=zh")
    assert FOREST_ZH in calculator and VENUE_ZH in calculator  # the default destination, in Chinese
    assert "Chengdu Global Center" in text(client, f"/e/{forum.slug}/calculate?lang=fil")
    make_order(event=forum, project=forest)
    assert FORUM_ZH in text(client, "/boards?by=events&lang=zh")
    project_page = text(client, f"/p/{forest.id}?lang=zh")
    assert FOREST_ZH in project_page and "林业碳汇" in project_page and OWNER_ZH in project_page
    assert "Liangshan Forest Restoration" in text(client, f"/p/{forest.id}?lang=fil")


def test_pay_page_certificate_and_my_certificates_in_chinese(app, client, db, forum, forest, make_order):
    from app.models import Participant

    me = Participant(token="n" * 32)
    db.session.add(me)
    db.session.flush()
    paid = make_order(event=forum, project=forest, participant=me)
    pending = make_order(event=forum, project=forest, paid=False)
    pay = text(client, f"/pay/{pending.public_id}/demo?lang=zh")  # the demo provider's pay page
    assert FORUM_ZH in pay and FOREST_ZH in pay
    cert = paid.certificate
    page = text(client, f"/c/{cert.token}?lang=zh")
    assert FORUM_ZH in page and FOREST_ZH in page and "林业碳汇" in page
    assert "China Digital Carbon Neutrality Forum" in text(client, f"/c/{cert.token}?lang=en")
    client.set_cookie(app.config["PARTICIPANT_COOKIE"], me.token)
    g.pop("participant", None)
    assert FORUM_ZH in text(client, "/my/certificates?lang=zh")


def test_the_certificate_image_is_fed_the_names_of_its_language(db, forum, forest, make_order):
    cert = make_order(event=forum, project=forest).certificate
    url = lambda endpoint, **values: "https://carbondot.example/" + endpoint  # noqa: E731
    zh = content.build(cert, url, "zh")
    assert zh.event_name == FORUM_ZH and zh.project_name == FOREST_ZH and zh.project_kind == "林业碳汇"
    assert zh.artwork().event_name == FORUM_ZH
    fil = content.build(cert, url, "fil")
    assert fil.event_name == "Unang Forum ng Tsina" and fil.project_name == "Liangshan Forest Restoration"
    assert content.build(cert, url, "zh", names_language="en").event_name == forum.name


def test_posters_and_the_dashboard_in_chinese(client, db, org, forum):
    forum.organization_id = org.id
    org.names = {"zh": {"name": "极致会务"}}
    db.session.commit()
    svg = client.get(f"/organizer/events/{forum.id}/poster-a4.svg?language=zh")
    assert svg.status_code == 200 and FORUM_ZH in svg.get_data(as_text=True)
    assert VENUE_ZH in svg.get_data(as_text=True)
    dashboard = text(client, f"/organizer/events/{forum.id}?lang=zh")
    assert FORUM_ZH in dashboard and "极致会务" in dashboard
    assert "极致会务" in text(client, "/organizer/?lang=zh")


def test_the_owner_statement_in_chinese(client, db, forest):
    forest.owner.statement_token = "s" * 32
    db.session.commit()
    page = text(client, f"/owners/{'s' * 32}?lang=zh")
    assert OWNER_ZH in page


def test_the_api_gives_a_names_object_beside_the_fields(client, forum, forest, make_order):
    events = client.get("/api/v1/events").get_json()["events"]
    found = next(e for e in events if e["slug"] == forum.slug)
    assert found["name"] == "China Digital Carbon Neutrality Forum"  # the plain fields stay the default
    assert found["names"]["zh"] == {"name": FORUM_ZH, "venue": VENUE_ZH, "city": "成都", "description": "首届论坛。"}
    assert found["names"]["fil"]["name"] == "Unang Forum ng Tsina"
    assert found["names"]["fil"]["venue"] == found["names"]["en"]["venue"] == "Chengdu Global Center"  # fallback
    assert set(found["names"]) == {"en", "zh", "fil"}
    projects = client.get("/api/v1/projects").get_json()["projects"]
    project = next(p for p in projects if p["id"] == forest.id)
    assert project["names"]["zh"]["name"] == FOREST_ZH and project["names"]["zh"]["type"] == "林业碳汇"
    assert project["names"]["zh"]["owner"] == OWNER_ZH and project["names"]["en"]["owner"] == forest.owner.name
    cert = make_order(event=forum, project=forest).certificate
    answer = client.get(f"/api/v1/certificates/{cert.token}").get_json()
    assert answer["event"]["name"] == forum.name and answer["event"]["names"]["zh"]["name"] == FORUM_ZH
    assert answer["project"]["names"]["zh"]["name"] == FOREST_ZH


@pytest.mark.parametrize("query", ["论坛", "成都", "环球中心", "Unang", "forum", "Chengdu"])
def test_home_search_finds_the_forum_in_any_language(client, forum, make_event, query):
    make_event(name="Beijing Expo", city="Beijing", venue_name="Beijing Hall")
    page = text(client, f"/?q={query}&lang=zh")
    assert FORUM_ZH in page, query
    assert "Beijing Expo" not in page


def test_the_venue_typed_in_any_language_is_placed_at_its_coordinates(app, forum):
    from app.web import calculator_form

    with app.test_request_context("/?lang=zh"):
        legs = [{"from": "Chengdu Global Center", "to": VENUE_ZH}]
        placed = calculator_form.placed(legs, forum)
    assert placed[0]["from"] == placed[0]["to"] == f"{VENUE_ZH} @30.5728,104.0668"


def test_search_does_not_match_the_stored_keys(client, forum):
    page = text(client, "/?q=venue_name")
    assert "China Digital Carbon Neutrality Forum" not in page


def event_form(**overrides):
    form = {"name": "Green Summit 2026", "scenario": "conference", "description": "Two days.",
            "venue_name": "Chengdu Global Center", "venue_code": "chengdu", "city": "", "country": "",
            "starts_on": "2026-09-07", "ends_on": "2026-09-08", "currency": "CNY", "color": "#1B5E20",
            "status": "live"}
    form.update(overrides)
    return form


def test_the_organizer_enters_names_side_by_side(client, db, org, make_project):
    make_project()
    new = text(client, f"/organizer/organizations/{org.id}/events/new?lang=zh")
    for field in ("name_zh", "name_fil", "venue_name_zh", "description_fil", "city_zh"):
        assert f'name="{field}"' in new, field
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(
        name_zh="绿色峰会2026", venue_name_zh="成都新世纪环球中心", description_fil="Dalawang araw.", name_fil=" "))
    assert response.status_code == 303
    event = db.session.scalar(select(Event))
    assert event.name == "Green Summit 2026"
    assert event.names == {"zh": {"name": "绿色峰会2026", "venue_name": "成都新世纪环球中心"},
                           "fil": {"description": "Dalawang araw."}}
    edit = text(client, f"/organizer/events/{event.id}/edit")
    assert 'value="绿色峰会2026"' in edit  # shown again for editing
    client.post(f"/organizer/events/{event.id}/edit", data=event_form(name_zh="新名字"))
    db.session.refresh(event)
    assert event.names == {"zh": {"name": "新名字"}}  # the form posts them all: an emptied field falls back
    assert "新名字" in text(client, f"/e/{event.slug}?lang=zh")


def test_a_too_long_name_in_another_language_is_refused(client, db, org, make_project):
    make_project()
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(name_zh="长" * 201))
    assert response.status_code == 422 and db.session.scalar(select(Event)) is None


def test_organization_names(client, db, org):
    client.post(f"/organizer/organizations/{org.id}/edit", data={"name": "Acme Events", "name_zh": "极致会务"})
    db.session.refresh(org)
    assert org.names == {"zh": {"name": "极致会务"}}
    client.post("/organizer/organizations/new", data={"name": "Second Org", "name_fil": "Ikalawang Org"})
    second = db.session.scalar(select(Organization).where(Organization.name == "Second Org"))
    assert second.names == {"fil": {"name": "Ikalawang Org"}}


def test_the_operator_enters_project_and_owner_names(client, db):
    sign_in_operator(db, client)
    form = {"name": "Liangshan Forest Restoration", "owner_id": "", "new_owner": "Liangshan Forestry Cooperative",
            "kind": "Forestry", "place": "Liangshan, Sichuan", "country": "CN", "standard": "CCER",
            "vintage": "2021", "currency": "CNY", "price": "58.00", "price_source": "Contract", "price_year": "2026",
            "name_zh": FOREST_ZH, "kind_zh": "林业碳汇", "new_owner_zh": OWNER_ZH, "place_fil": "Liangshan"}
    assert 'name="new_owner_zh"' in text(client, "/operator/projects/new")
    assert client.post("/operator/projects/new", data=form).status_code == 303
    project = db.session.scalar(select(Project))
    assert project.names == {"zh": {"name": FOREST_ZH, "kind": "林业碳汇"}, "fil": {"place": "Liangshan"}}
    assert project.owner.names == {"zh": {"name": OWNER_ZH}}
    page = text(client, f"/operator/projects/{project.id}/names")
    assert f'value="{FOREST_ZH}"' in page and f'value="{OWNER_ZH}"' in page
    response = client.post(f"/operator/projects/{project.id}/names",
                           data={"name_zh": FOREST_ZH, "owner_zh": "凉山林业合作社（新）", "name_fil": "Kagubatan"})
    assert response.status_code == 303
    db.session.refresh(project)
    assert project.names == {"zh": {"name": FOREST_ZH}, "fil": {"name": "Kagubatan"}}
    assert project.owner.names == {"zh": {"name": "凉山林业合作社（新）"}}


def test_the_cli_sets_names(runner, db, forum, forest):
    result = runner.invoke(args=["set-names", "event", forum.slug, "--name-fil", "Forum sa Chengdu",
                                 "--venue-name-zh", "成都世纪城新国际会展中心"])
    assert result.exit_code == 0, result.output
    db.session.refresh(forum)
    assert forum.names["fil"] == {"name": "Forum sa Chengdu"}
    assert forum.names["zh"]["venue_name"] == "成都世纪城新国际会展中心" and forum.names["zh"]["name"] == FORUM_ZH
    assert runner.invoke(args=["set-names", "event", forum.slug, "--name-fil", ""]).exit_code == 0
    db.session.refresh(forum)
    assert "fil" not in forum.names
    assert runner.invoke(args=["set-names", "owner", forest.owner.name, "--name-fil", "Kooperatiba"]).exit_code == 0
    db.session.refresh(forest.owner)
    assert forest.owner.names["fil"] == {"name": "Kooperatiba"}
    refused = runner.invoke(args=["set-names", "owner", str(forest.owner.id), "--venue-name-zh", "x"])
    assert refused.exit_code != 0 and "has no venue_name" in refused.output
    assert runner.invoke(args=["set-names", "project", "999", "--name-zh", "x"]).exit_code != 0


def test_the_cli_adds_a_project_with_its_names(runner, db):
    result = runner.invoke(args=[
        "add-project", "--name", "Aba Grassland", "--owner", "Aba Co-op", "--kind", "Grassland", "--place", "Aba",
        "--standard", "CCER", "--vintage", "2022", "--price", "5000", "--price-source", "Contract",
        "--price-year", "2026", "--name-zh", "阿坝草原恢复", "--kind-zh", "草原", "--owner-zh", "阿坝合作社"])
    assert result.exit_code == 0, result.output
    project = db.session.scalar(select(Project).where(Project.name == "Aba Grassland"))
    assert project.names == {"zh": {"name": "阿坝草原恢复", "kind": "草原"}}
    assert db.session.scalar(select(ProjectOwner).where(ProjectOwner.name == "Aba Co-op")).names == {
        "zh": {"name": "阿坝合作社"}}


def test_the_demo_seed_has_chinese_and_filipino_names(runner, db, client):
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    forum = db.session.scalar(select(Event).where(Event.slug == "cdcn-forum-2021"))
    assert forum.names["zh"]["name"] == FORUM_ZH and forum.names["fil"]["name"]
    forest = db.session.scalar(select(Project).where(Project.name == "Liangshan Forest Restoration"))
    assert forest.names["zh"]["name"] == FOREST_ZH and forest.owner.names["zh"]["name"]
    forum.names = {}
    db.session.commit()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # a row seeded before names gets them once
    db.session.refresh(forum)
    assert forum.names["zh"]["name"] == FORUM_ZH
    assert FORUM_ZH in text(client, "/?q=论坛&lang=zh")


def test_the_cli_adds_an_event_with_its_names(runner, db, org, make_project):
    make_project()  # an event takes a currency that a project sells in
    result = runner.invoke(args=["add-event", "--organization", org.name, "--name", "Tianfu Summit",
                                 "--venue-place", "Chengdu", "--name-zh", "天府峰会", "--venue-name-zh", "天府广场"])
    assert result.exit_code == 0, result.output
    event = db.session.scalar(select(Event).where(Event.name == "Tianfu Summit"))
    assert event.names == {"zh": {"name": "天府峰会", "venue_name": "天府广场"}}

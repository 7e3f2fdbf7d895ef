"""The door lets the crowd through and keeps the attacker out: no input gives a 5xx.

One test (at least) per finding of the attack run: digits that are not ASCII, numbers
past 4,300 digits or past their column, lone surrogates, a chunked body over the
limit, the database out of reach, and the API's documented answers. Bad input gets a
clear 4xx in the page's language and changes nothing. (tests/routes/test_form_fuzz.py
throws arbitrary input at every form.)"""
from __future__ import annotations

import io
import json
import shutil

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.models import CreditBatch, Event, Order, Organization, Project, User
from app.services import integers
from app.services.errors import DomainError
from app.web import outage
from tests.accounts import sign_in_operator
from tests.routes.test_openapi import SITE_PATHS


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- one parser for every integer

@pytest.mark.parametrize("text", ["²", "¹²", "١٢", "۳", "１２", "𝟘", "1_000", "0x10", "+5", "-1", "1e3", "12.0",
                                  "9" * 4301, "1" * 5000, "0" * 30 + "1", "", "  ", "\u00a012"])
def test_only_ascii_digits_of_bounded_length_are_a_number(text):
    with pytest.raises(integers.IntegerError) as refused:
        integers.parse_int(text)
    assert isinstance(refused.value, DomainError) and isinstance(refused.value, ValueError)
    assert refused.value.params["reason"] == "format"


def test_numbers_must_fit_their_column():
    assert integers.parse_int(" 42 ") == 42 and integers.parse_int("007") == 7
    assert integers.parse_int("2147483647") == 2147483647
    with pytest.raises(integers.IntegerError) as past:
        integers.parse_int("2147483648", field="kg")
    assert past.value.params["reason"] == "range" and past.value.field == "kg"
    assert integers.parse_int("9223372036854775807", high=integers.INT64_MAX) == 2**63 - 1
    with pytest.raises(integers.IntegerError):
        integers.parse_int("9223372036854775808", high=integers.INT64_MAX)
    assert integers.parse_int("-5", low=integers.INT32_MIN) == -5  # a sign only where the range has room for it
    assert integers.parse_int(7) == 7  # a JSON number
    for bad in (True, 1.0, None, [1]):
        with pytest.raises(integers.IntegerError):
            integers.parse_int(bad)
    assert integers.parse_int("", blank=None) is None and integers.parse_int(None, blank=3) == 3
    assert integers.id_or_none("0") is None and integers.id_or_none("²") is None and integers.id_or_none("12") == 12


def test_an_id_in_the_path_is_ascii_digits(client, make_project):
    project = make_project()
    assert client.get(f"/p/{project.id}").status_code == 200
    arabic = "".join(chr(0x0660 + int(digit)) for digit in str(project.id))  # "١" for 1
    assert client.get(f"/p/{arabic}").status_code == 404  # Werkzeug's own converter read it as the id
    assert client.get("/p/" + "9" * 5000).status_code == 404


# ---------------------------------------------------------------- the register's lookup

@pytest.mark.parametrize("entry", ["²", "١", "99999999999999999999", "9" * 5000, "-1"])
def test_a_bad_entry_number_is_400_with_the_lookup_page(client, db, entry):
    response = client.get("/registry", query_string={"entry": entry})
    assert response.status_code == 400
    assert "An entry number is a whole number from 0, like 12." in response.get_data(as_text=True)
    chinese = client.get("/registry", query_string={"entry": entry, "lang": "zh"})
    assert chinese.status_code == 400 and "记录编号是从0开始的整数，如12。" in chinese.get_data(as_text=True)


def test_a_well_formed_entry_number_still_answers(client, db):
    response = client.get("/registry?entry=9223372036854775806")
    assert response.status_code == 200 and "no entry #9223372036854775807" in response.get_data(as_text=True)


# ---------------------------------------------------------------- the calculator and the kiosk

FORM = {"leg_count": "1", "legs-0-mode": "flight", "legs-0-from": "PEK", "legs-0-to": "Chengdu"}


@pytest.fixture
def forum(make_event, make_project):
    return make_event(slug="forum"), make_project(quantity=100_000)


@pytest.mark.parametrize("project", ["²", "¹²", "１", "9" * 30, "9" * 5000])
def test_a_project_that_is_no_id_is_422_at_checkout_and_orders_nothing(client, db, forum, project):
    response = client.post("/e/forum/checkout", data={**FORM, "project": project})
    assert response.status_code == 422
    assert "Choose one of the projects listed." in response.get_data(as_text=True)
    assert count(db, Order) == 0
    assert client.get("/e/forum/calculate", query_string={**FORM, "project": project}).status_code == 200


@pytest.mark.parametrize("action, leg_count, legs", [
    ("remove_leg-²", "1", 1), ("remove_leg-" + "9" * 5000, "1", 1), ("remove_leg-0", "1", 0),
    ("add_leg", "9" * 5000, 2), ("add_leg", "-3", 2), ("add_leg", "²", 2), ("add_leg", "99", 10)])
def test_hidden_fields_the_page_never_sends_fall_back(client, forum, action, leg_count, legs):
    response = client.post("/e/forum/calculate", data={**FORM, "leg_count": leg_count, "action": action})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert [f'name="legs-{i}-from"' in html for i in range(11)] == [i < legs for i in range(11)]


@pytest.mark.parametrize("nights", ["²", "١٢", "9" * 5000])
def test_the_kiosk_reads_a_bad_nights_value_as_none(client, forum, nights):
    assert client.get("/kiosk/forum/calculate", query_string={"mode": "flight", "nights": nights}).status_code == 200


@pytest.mark.parametrize("project", ["²", "9" * 30, "١"])
def test_a_kiosk_order_for_no_project_is_422_and_orders_nothing(client, db, forum, project):
    walkup = {"mode": "flight", "from": "beijing-cn", "return": "1", "nights": "1", "project": project}
    assert client.post("/kiosk/forum/order", data=walkup).status_code == 422
    assert count(db, Order) == 0


# ---------------------------------------------------------------- whole numbers in the site's forms

def event_form(**overrides):
    form = {"name": "Green Summit 2026", "scenario": "conference", "venue_code": "chengdu", "currency": "CNY",
            "color": "#1B5E20", "status": "live", "expected_attendance": "300"}
    form.update(overrides)
    return form


@pytest.mark.parametrize("typed", ["１２", "١٢", "²", "9" * 4301, "+12", "12_000"])
def test_attendance_in_other_digits_or_past_4300_digits_is_one_message(client, db, org, make_project, typed):
    make_project()
    response = client.post(f"/organizer/organizations/{org.id}/events/new",
                           data=event_form(expected_attendance=typed))
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number, like 300." in html and "Enter a number from 1 to 10,000,000." not in html
    assert count(db, Event) == 0
    chinese = client.post(f"/organizer/organizations/{org.id}/events/new?lang=zh",
                          data=event_form(expected_attendance=typed))
    assert chinese.status_code == 422 and "请输入整数，如300。" in chinese.get_data(as_text=True)


def test_attendance_past_the_column_gets_the_range_message(client, db, org, make_project):
    make_project()
    response = client.post(f"/organizer/organizations/{org.id}/events/new",
                           data=event_form(expected_attendance="3000000000"))
    assert response.status_code == 422
    assert "Enter a number from 1 to 10,000,000." in response.get_data(as_text=True)
    assert count(db, Event) == 0


@pytest.mark.parametrize("chosen", ["99999999999999999999", "²", "0"])
def test_a_project_id_past_the_column_is_422_not_a_database_error(client, db, org, make_project, chosen):
    make_project()
    response = client.post(f"/organizer/organizations/{org.id}/events/new", data=event_form(projects=[chosen]))
    assert response.status_code == 422
    assert count(db, Event) == 0


def test_operator_amounts_and_serials_fit_their_bigint_columns(client, db, make_project):
    sign_in_operator(db, client)
    project_form = {"name": "Stoves", "owner_id": "", "new_owner": "Stoves Co.", "kind": "Cookstoves",
                    "place": "Kunming", "country": "CN", "standard": "Gold Standard", "vintage": "2024",
                    "currency": "CNY", "price_source": "Contract", "price_year": "2026"}
    projects = count(db, Project)
    for price in ("9" * 25, "١٢", "1e30"):
        response = client.post("/operator/projects/new", data={**project_form, "price": price})
        assert response.status_code == 422
        assert "Enter a price above zero, like 58.00." in response.get_data(as_text=True)
    assert count(db, Project) == projects
    project = make_project()
    batches = count(db, CreditBatch)
    for first in ("١٠٠٠", "9" * 4301):
        response = client.post(f"/operator/projects/{project.id}/batches",
                               data={"serial_prefix": "CD-X", "first_serial": first, "quantity": "10"})
        assert response.status_code == 422
    assert count(db, CreditBatch) == batches
    big = client.post(f"/operator/projects/{project.id}/batches",  # past INTEGER, within BIGINT and the rule
                      data={"serial_prefix": "CD-X", "first_serial": "3000000000", "quantity": "10"})
    assert big.status_code == 303 and count(db, CreditBatch) == batches + 1


# ---------------------------------------------------------------- lone surrogates

def test_a_lone_surrogate_in_the_api_s_json_is_400_and_stores_nothing(client, db, forum):
    event, project = forum
    body = {"event": event.slug, "project": project.id, "kg": 5, "display_name": "Ann\ud800"}
    response = client.post("/api/v1/orders", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    assert response.get_json()["error"]["field"] == "display_name"
    footprint = {"legs": [{"mode": "flight", "from": "\udfff", "to": "CTU"}]}
    response = client.post("/api/v1/footprint", data=json.dumps(footprint), content_type="application/json")
    assert response.status_code == 400
    keyed = client.post("/api/v1/footprint", data=json.dumps({"\ud800": 1}), content_type="application/json")
    assert keyed.status_code == 400
    assert count(db, Order) == 0


def test_a_lone_surrogate_in_a_form_is_422_in_the_page_s_language(app, client, db):
    # Flask-WTF reads a JSON body as the form's fields: that is how a surrogate reaches a form.
    body = {"email": "ann@example.com", "password": "correct horse battery", "organization": "Acme\ud800"}
    response = client.post("/account/signup", data=json.dumps(body), content_type="application/json")
    assert response.status_code == 422
    assert "Please use plain text." in response.get_data(as_text=True)
    chinese = client.post("/account/signup?lang=zh", data=json.dumps(body), content_type="application/json")
    assert chinese.status_code == 422 and "请使用纯文本。" in chinese.get_data(as_text=True)
    assert count(db, User) == 0 and count(db, Organization) == 0


def test_a_form_sent_as_json_holds_text_only(client, db):
    for body in ({"email": 5, "password": "correct horse battery", "organization": "Acme"},
                 {"email": "ann@example.com", "password": ["x"], "organization": {"a": 1}}, [1, 2], "text"):
        response = client.post("/account/signup", data=json.dumps(body), content_type="application/json")
        assert response.status_code == 422, body
    assert count(db, User) == 0


def test_the_check_finds_surrogates_and_nul_bytes_only():
    from app.web.validation import unreadable

    assert unreadable("Ann 安 😀 \u00e9") is None
    assert unreadable("a\ud800") == "surrogate" and unreadable("\udc80") == "surrogate"
    assert unreadable("a\x00") == "nul"


# ---------------------------------------------------------------- a chunked body over the limit

BIG_JSON = b'{"basket": [' + b'{"category": "beef", "amount": 1},' * 20_000 + b'{}]}'


def chunked(client, path, body, content_type, terminated):
    """A body sent with Transfer-Encoding: chunked and no Content-Length (what gunicorn passes on:
    it sets wsgi.input_terminated; Werkzeug's test client does not)."""
    extra = {"wsgi.input_terminated": True} if terminated else {}
    return client.post(path, input_stream=io.BytesIO(body), environ_overrides=extra,
                       headers={"Transfer-Encoding": "chunked", "Content-Type": content_type})


@pytest.mark.parametrize("terminated", [True, False])
def test_a_chunked_body_over_the_limit_is_413(client, db, terminated):
    assert len(BIG_JSON) > client.application.config["MAX_CONTENT_LENGTH"]
    api = chunked(client, "/api/v1/footprint", BIG_JSON, "application/json", terminated)
    assert api.status_code == 413 and api.get_json()["error"]["code"] == "request_entity_too_large"
    form = chunked(client, "/account/login", b"email=" + b"a" * 300_000, "application/x-www-form-urlencoded",
                   terminated)
    assert form.status_code == 413


@pytest.mark.parametrize("terminated", [True, False])
def test_a_chunked_body_within_the_limit_is_read_whole(client, db, terminated):
    body = json.dumps({"legs": [{"mode": "rail", "distance_km": 100}]}).encode()
    response = chunked(client, "/api/v1/footprint", body, "application/json", terminated)
    assert response.status_code == 200 and float(response.get_json()["total_kg"]) > 0


def test_a_chunked_body_over_the_limit_is_413_with_csrf_on(app_config, db):
    # CSRF reads the form before our checks: it must not see a body cut at the limit.
    client = create_app({**app_config, "WTF_CSRF_ENABLED": True}).test_client()
    form = chunked(client, "/account/login", b"email=" + b"a" * 300_000, "application/x-www-form-urlencoded", True)
    assert form.status_code == 413


# ---------------------------------------------------------------- the database out of reach

CLOSED_PORT = "postgresql+psycopg://postgres@127.0.0.1:1/carbondot"  # nothing listens on port 1


@pytest.fixture
def unreachable():
    app = create_app({"SQLALCHEMY_DATABASE_URI": CLOSED_PORT,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "connect_args": {"connect_timeout": 3}}})
    yield app
    with app.app_context():
        _db.engine.dispose()


def test_a_database_out_of_reach_is_503_with_retry_after_in_the_page_s_language(unreachable):
    client = unreachable.test_client()
    page = client.get("/")
    assert page.status_code == 503 and page.headers["Retry-After"] == "30"
    assert "We are briefly unavailable. Please try again in a minute." in page.get_data(as_text=True)
    chinese = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert chinese.status_code == 503 and "服务暂时不可用，请一分钟后再试。" in chinese.get_data(as_text=True)
    filipino = client.get("/e/forum?lang=fil")
    assert filipino.status_code == 503 and "Pansamantalang hindi available" in filipino.get_data(as_text=True)


def test_a_database_out_of_reach_is_503_for_the_api_the_kiosk_and_a_signed_in_visitor(unreachable):
    client = unreachable.test_client()
    api = client.get("/api/v1/events")
    assert api.status_code == 503 and api.headers["Retry-After"] == "30"
    assert api.get_json()["error"]["code"] == "unavailable"
    kiosk = client.get("/kiosk/forum")
    assert kiosk.status_code == 503 and kiosk.headers["Retry-After"] == "30"
    assert "Set-Cookie" not in kiosk.headers and "We are briefly unavailable" in kiosk.get_data(as_text=True)
    with client.session_transaction() as session:  # loading the signed-in user needs the database too
        session["_user_id"] = "1.0"
    assert client.get("/organizer/").status_code == 503
    assert client.post("/e/forum/checkout", data=FORM).status_code == 503


def test_a_sqlite_file_gone_under_the_app_is_503(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'carbondot.db'}"})
    with app.app_context():
        _db.create_all()
    client = app.test_client()
    assert client.get("/api/v1/events").status_code == 200
    shutil.rmtree(folder)
    with app.app_context():
        _db.engine.dispose()  # the next request opens the file again, and cannot
    response = client.get("/api/v1/events")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert client.get("/registry").status_code == 503


def test_only_an_unreachable_database_is_503():
    dbapi_error = Exception("boom")
    assert outage.is_outage(sa_exc.OperationalError(None, None, dbapi_error))  # raised while connecting
    assert outage.is_outage(sa_exc.OperationalError("SELECT 1", {}, dbapi_error, connection_invalidated=True))
    assert outage.is_outage(sa_exc.TimeoutError("QueuePool limit reached"))
    assert not outage.is_outage(sa_exc.OperationalError("SELECT nope", {}, dbapi_error))  # a bug stays a 500
    assert not outage.is_outage(sa_exc.IntegrityError("INSERT", {}, dbapi_error))
    assert not outage.is_outage(ValueError())


def test_any_other_database_error_is_still_a_500(app, client, db):
    @app.get("/_broken")
    def _broken():
        from sqlalchemy import text

        db.session.execute(text("SELECT * FROM no_such_table"))

    response = client.get("/_broken")
    assert response.status_code == 500 and "Retry-After" not in response.headers


# ---------------------------------------------------------------- the API documents what it answers

@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def operations(spec):
    for path, item in spec["paths"].items():
        for method, op in item.items():
            if method in ("get", "post"):
                yield path, method, op


def test_every_operation_documents_429_and_the_register_s_too(spec):
    # The payment providers' notices are not rate limited: a provider retries, and a 429 would only delay a payment.
    undocumented = [f"{m} {p}" for p, m, op in operations(spec) if "429" not in op["responses"]
                    and p not in SITE_PATHS]
    assert undocumented == []
    assert "429" in spec["paths"]["/registry/entries"]["get"]["responses"]


def test_every_operation_that_reads_the_database_documents_503_with_retry_after(spec, unreachable):
    no_database = {"/openapi.json", "/footprint"}
    for path, _method, op in operations(spec):
        assert ("503" in op["responses"]) == (path not in no_database), path
    unavailable = spec["components"]["responses"]["Unavailable"]
    assert "Retry-After" in unavailable["headers"]
    answer = unreachable.test_client().get("/api/v1/registry/checkpoint")
    assert answer.status_code == 503
    assert set(answer.get_json()["error"]) >= set(spec["components"]["schemas"]["Error"]["properties"]["error"]
                                                   ["required"])


def test_every_operation_that_takes_input_documents_400(spec):
    for path, method, op in operations(spec):
        if "{" in path or op.get("parameters") or "requestBody" in op:
            assert "400" in op["responses"], f"{method} {path}"

"""Hypothesis against the HTML forms: arbitrary text, lone surrogates, huge numbers,
digits that are not ASCII, NUL bytes, sent as the browser sends them (urlencoded)
and, to the Flask-WTF forms, as JSON (Flask-WTF reads a JSON body as form data, so
that is where a lone surrogate can reach a field). No answer may be a server error.

Bounded (a fixed seed, EXAMPLES per form, no deadline) so the suite stays fast; it
uses the normal app fixture, so it runs on SQLite and, with TEST_DATABASE_URL, on
PostgreSQL."""
from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from flask import g
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Organization
from tests.accounts import login_as, make_user, sign_in_operator

EXAMPLES = 60

# What an attacker types where a number or a choice is expected, by kind of trouble.
TROUBLE = [
    ["²", "³", "¹²", "⁵"],  # str.isdigit() says yes, int() says no
    ["١٢", "۳", "१२", "１２", "߁", "𝟘"],  # decimal digits of other scripts: int() and Decimal() read them
    ["9" * 20, "9" * 4300, "9" * 4301, "1" * 5000, "0" * 40 + "1",  # past int()'s limit, or a column's
     "2147483647", "2147483648", "-2147483649", "9223372036854775807", "9223372036854775808"],
    ["\ud800", "a\udfffb", "\udbff\udc00"],  # lone surrogates
    ["", " ", "-1", "-0", "+5", "0x1f", "1_000", "1e9999", "NaN", "Infinity", " 7 ", "7\n", "Ⅻ", "½", "\x00",
     "ａｂｃ", "<script>", "%ED%A0%80"],
]
# Each kind as likely as the others; members by index (a strategy's repr would spell out 5,000 digits).
TROUBLESOME = st.one_of([st.integers(0, len(kind) - 1).map(kind.__getitem__) for kind in TROUBLE])
TEXT = st.text(alphabet=st.one_of(st.characters(), st.characters(categories=["Cs"])), max_size=30)


def value(*plausible: str):
    """A field's value: half the time trouble, else arbitrary text, a number, or what a person would type."""
    kinds = [TROUBLESOME, TROUBLESOME, TROUBLESOME, TEXT, st.integers().map(str)]
    if plausible:
        kinds.append(st.sampled_from(plausible))
    return st.integers(0, len(kinds) - 1).flatmap(kinds.__getitem__)


def fields(spec: dict[str, tuple[str, ...]]):
    """Any subset of the form's fields, each with a value."""
    return st.fixed_dictionaries({}, optional={name: value(*plausible) for name, plausible in spec.items()})


# In a JSON body a field may also hold what no form can send.
JSON_VALUES = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                        st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                            max_size=2))


def form_or_json(spec: dict[str, tuple[str, ...]]):
    """(fields, as_json): the form urlencoded, or as a JSON object (Flask-WTF reads both)."""
    as_json = st.fixed_dictionaries({}, optional={
        name: st.one_of(value(*plausible), JSON_VALUES) for name, plausible in spec.items()})
    return st.one_of(st.tuples(fields(spec), st.just(False)), st.tuples(as_json, st.just(True)))


def encoded(data: dict) -> bytes:
    """The urlencoded body a client would send (a lone surrogate encoded as its three bytes)."""
    pairs = [(k, v) for k, vs in data.items() for v in (vs if isinstance(vs, list) else [vs])]
    return urlencode(pairs, encoding="utf-8", errors="surrogatepass").encode()


def fuzz(run_once, strategy, *, examples: int = EXAMPLES) -> list[str]:
    """Run `run_once(example)` on generated examples; every answer of 500 or more, described."""
    failures: list[str] = []

    @settings(max_examples=examples, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(example=strategy)
    def run(example):
        g.pop("_login_user", None)  # the tests' requests share one app context
        response = run_once(example)
        if response.status_code >= 500:
            failures.append(f"{response.status_code} for {ascii(example)[:300]}")

    run()
    return failures


def post(client, path, data, as_json=False, htmx=False):
    headers = {"HX-Request": "true", "HX-Target": "calc-body"} if htmx else {}
    if as_json:
        return client.post(path, data=json.dumps(data), content_type="application/json", headers=headers)
    return client.post(path, data=encoded(data), content_type="application/x-www-form-urlencoded",
                       headers=headers)


def get(client, path, data):
    return client.get(f"{path}?{encoded(data).decode()}")


# ------------------------------------------------------------------ the visitor's calculator

LEG = {"mode": ("flight", "rail", "car", "walk"), "from": ("PEK", "Chengdu", ""), "to": ("CTU", ""),
       "distance_km": ("12.5", "0", ""), "cabin": ("economy", "business"), "fuel": ("petrol", "unknown"),
       "occupants": ("1", "3"), "return": ("on",), "trips": ("2", "0.5"), "country": ("CN", "GB")}
CALCULATOR = {
    "leg_count": ("1", "2", "10"),
    "action": ("update", "add_leg", "remove_leg-0", "remove_leg-1", "remove_leg-²", "remove_leg-" + "9" * 30),
    **{f"legs-{i}-{key}": plausible for i in (0, 1) for key, plausible in LEG.items()},
    "hotel-nights": ("2", "0"), "hotel-country": ("CN", "GB"),
    **{f"meals-{kind}": ("3",) for kind in ("vegan", "beef", "diet_vegan")},
    **{f"basket-{category}": ("0.5",) for category in ("beef", "rice")},
    "energy-electricity": ("12",), "energy-grid": ("CN",), "energy-gas": ("3",), "energy-gas-unit": ("kWh", "m3"),
    "rf_shown": ("1",), "radiative_forcing": ("on",),
    "project": ("1", "2"), "display_name": ("Ann",), "organization": ("Acme",), "show_on_board": ("on",),
}


@pytest.fixture
def forum(make_event, make_project):
    project = make_project(quantity=1_000_000)
    event = make_event(slug="forum")
    return event, project


def test_the_calculator_checkout_never_fails_on_input(client, forum):
    strategy = st.tuples(fields(CALCULATOR), st.booleans())
    assert fuzz(lambda ex: post(client, "/e/forum/checkout", ex[0], htmx=ex[1]), strategy) == []


def test_the_live_total_never_fails_on_input(client, forum):
    strategy = st.tuples(fields(CALCULATOR), st.booleans())
    assert fuzz(lambda ex: post(client, "/e/forum/calculate", ex[0], htmx=ex[1]), strategy) == []
    assert fuzz(lambda ex: get(client, "/e/forum/calculate", ex), fields(CALCULATOR), examples=30) == []


# ------------------------------------------------------------------ accounts

SIGN_UP = {"name": ("Ann",), "email": ("ann@example.com", "x@y.z"), "password": ("correct horse battery",),
           "organization": ("Acme Events", "Other")}
SIGN_IN = {"email": ("ann@example.com",), "password": ("correct horse battery",), "remember": ("y",),
           "next": ("/organizer/", "//evil.example")}


def test_sign_up_never_fails_on_input(app, db):
    strategy = form_or_json(SIGN_UP)
    assert fuzz(lambda ex: post(app.test_client(), "/account/signup", ex[0], as_json=ex[1]), strategy) == []


def test_sign_in_never_fails_on_input(app, organizer):
    strategy = form_or_json(SIGN_IN)
    assert fuzz(lambda ex: post(app.test_client(), "/account/login", ex[0], as_json=ex[1]), strategy) == []


# ------------------------------------------------------------------ the organizer's event form

EVENT = {
    "name": ("Green Summit",), "slug": ("green-summit", "x"), "scenario": ("conference", "hotel"),
    "description": ("Two days.",), "venue_name": ("Chengdu Global Center",), "venue_code": ("chengdu", "PEK"),
    "city": ("Chengdu",), "country": ("CN", "cn"), "starts_on": ("2026-09-07",), "ends_on": ("2026-09-08",),
    "expected_attendance": ("300", "1", "10000000"), "currency": ("CNY", "EUR"), "color": ("#1b5e20",),
    "language": ("en", "zh"), "status": ("live", "draft"),
}


def test_the_event_form_never_fails_on_input(client, db, make_project):
    user = make_user(db, "ann@example.com")
    org = Organization(name="Acme Events")
    db.session.add(org)
    org.members.append(user)
    db.session.commit()
    project_id = make_project().id
    path = f"/organizer/organizations/{org.id}/events/new"
    projects = st.lists(value(str(project_id)), max_size=3)
    strategy = st.tuples(form_or_json(EVENT), projects)

    def once(ex):
        login_as(client, user)
        (data, as_json), chosen = ex
        return post(client, path, {**data, "projects": chosen}, as_json=as_json)

    assert fuzz(once, strategy) == []


# ------------------------------------------------------------------ the operator's forms (whole numbers to BIGINT)

PROJECT = {"name": ("Forest",), "owner_id": ("", "1"), "new_owner": ("Owner",), "kind": ("Forestry",),
           "place": ("Sichuan",), "country": ("CN",), "standard": ("CCER",), "vintage": ("2024", "1989"),
           "currency": ("CNY",), "price": ("58.00",), "price_source": ("Exchange",), "price_year": ("2025",),
           "description": ("Trees.",)}
BATCH = {"serial_prefix": ("CDCER-2024",), "first_serial": ("0", "1000", "1000000000000000"),
         "quantity": ("1", "1000", "1000000000000"), "vintage": ("2024",)}
PAYOUT = {"owner_id": ("1",), "currency": ("CNY",), "amount": ("1.00",), "reference": ("ref",)}


def test_the_operator_forms_never_fail_on_input(client, db, make_project):
    operator = sign_in_operator(db, client)
    project_id = make_project().id
    forms = st.one_of(
        st.tuples(st.just("/operator/projects/new"), form_or_json(PROJECT)),
        st.tuples(st.just(f"/operator/projects/{project_id}/batches"), form_or_json(BATCH)),
        st.tuples(st.just("/operator/payouts"), form_or_json(PAYOUT)),
    )

    def once(ex):
        login_as(client, operator)
        path, (data, as_json) = ex
        return post(client, path, data, as_json=as_json)

    assert fuzz(once, forms) == []


# ------------------------------------------------------------------ the kiosk

KIOSK = {"mode": ("flight", "rail_hsr"), "from": ("beijing-cn", "PEK"), "return": ("1", "0"),
         "nights": ("2", "14", "15"), "project": ("1",), "lang": ("en", "zh"), "q": ("BEI",)}


def test_the_kiosk_forms_never_fail_on_input(app, client, db, forum):
    from app.services.sales import checkout, handoff

    event, project = forum
    started = handoff.start_at_kiosk(
        db.session, checkout.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000),
        checkout.OrderRequest(kind="kiosk", event=event, project=project,
                              participant=handoff.kiosk_participant(db.session), kg=120))
    db.session.commit()
    phone = f"/k/{started.handoff_token}"
    claim = {"display_name": ("Ann",), "organization": ("Acme",), "show_on_board": ("on",)}
    strategy = st.one_of(
        st.tuples(st.just("order"), fields(KIOSK)),
        st.tuples(st.just("calculate"), fields(KIOSK)),
        st.tuples(st.just("phone"), fields(claim)),
    )

    def once(ex):
        kind, data = ex
        if kind == "order":
            return post(client, "/kiosk/forum/order", data)
        if kind == "calculate":
            return get(client, "/kiosk/forum/calculate", data)
        return post(client, phone, data)

    assert fuzz(once, strategy, examples=90) == []


# ------------------------------------------------------------------ the life page and the register's lookup

LIFE = {"period": ("year", "month"), "electricity": ("200",), "grid": ("CN",), "gas": ("10",),
        "gas_unit": ("kWh", "m3"), "car_km": ("5000",), "car_fuel": ("petrol",), "flights_short": ("2",),
        "flights_long": ("1",), "food": ("diet", "basket"), "diet": ("chicken", "vegan"), "basket-beef": ("0.5",)}


def test_the_life_page_never_fails_on_input(client, db):
    strategy = st.tuples(st.sampled_from(["/life", "/life/neutralize"]), fields(LIFE))
    assert fuzz(lambda ex: post(client, ex[0], ex[1]), strategy) == []


def test_the_register_lookup_never_fails_on_input(client, db):
    strategy = fields({"serial": ("CDCER-2021-0000120501", "T1-0-1000"), "entry": ("0", "1")})
    assert fuzz(lambda ex: get(client, "/registry", ex), strategy) == []

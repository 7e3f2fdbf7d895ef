"""Safe to run at a real event: real secrets and settings or no start, input limits, sessions that end,
Redis outages, bad bytes and numbers, rate-limit budgets, the Host header, headers and 405."""
from __future__ import annotations

import base64
import json
import os
import re
import secrets
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import func, select

import config
from app import create_app
from app.models import Footprint, Order
from tests.accounts import PASSWORD

REAL_SECRET = "KDiwZNof1ZQva1gpQg_BmQ9F-GsZ0VWt6XRvUe6l4mM4qGdl_s6109Jjy2nyx5KH"  # secrets.token_urlsafe(48)
REAL_REGISTRY_KEY = "zFEubPQ45xqmjHfRL5s4vyGq/oeBGVX2mMfW+I7E3tA="  # `flask registry-key`
ROOT = Path(__file__).resolve().parent.parent
REDIS = "redis://127.0.0.1:6379/0"
DEAD_REDIS = "redis://127.0.0.1:1299/0"  # our port range; nothing listens there


def count(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# ---------------------------------------------------------------- starting without real settings

@pytest.fixture
def production(monkeypatch, tmp_path):
    """ProductionConfig with a real secret and base URL on a throw-away SQLite file."""
    monkeypatch.delenv("CARBONDOT_ENV", raising=False)
    monkeypatch.setattr(config.ProductionConfig, "SECRET_KEY", REAL_SECRET)
    monkeypatch.setattr(config.ProductionConfig, "BASE_URL", "https://carbondot.example")
    monkeypatch.setattr(config.ProductionConfig, "REGISTRY_SIGNING_KEY", REAL_REGISTRY_KEY)
    monkeypatch.setattr(config.ProductionConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'p.db'}")
    monkeypatch.setattr(config.ProductionConfig, "RATELIMIT_STORAGE_URI", "memory://")
    monkeypatch.setattr(config.ProductionConfig, "DEMO_PAYMENTS", True)  # no provider here: demo, on purpose
    return config.ProductionConfig


def test_a_start_without_carbondot_env_is_production_and_refuses_the_dev_secret(production, monkeypatch):
    monkeypatch.setattr(production, "SECRET_KEY", config.DEV_SECRET)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


@pytest.mark.parametrize("secret", [
    "a" * 16, "a" * 64, "abcdabcdabcdabcd", "short",
    "abcdefghijkl" * 3,  # 36 characters, 12 different ones: long enough and varied enough by count alone
    "b3f1c9e2a7d4" * 4,  # a random-looking block, repeated
    "abcdefghijklmnopqrstuvwxyz0123456789",  # every character different, but a run
    "0123456789" * 4, "password" * 4, "changeme-" * 4,
])
def test_production_refuses_a_weak_secret_and_says_how_to_make_one(production, monkeypatch, secret):
    monkeypatch.setattr(production, "SECRET_KEY", secret)
    with pytest.raises(RuntimeError, match="SECRET_KEY") as refused:
        create_app()
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in str(refused.value)


@pytest.mark.parametrize("make", [lambda: secrets.token_urlsafe(48), lambda: secrets.token_urlsafe(32),
                                  lambda: secrets.token_hex(32), lambda: os.urandom(32).hex()])
def test_random_secrets_pass_the_entropy_estimate(make):
    # The weakest of these (token_urlsafe(32), token_hex(32)) score over 180 bits; the floor is 64.
    assert all(config.strong_secret(make()) for _ in range(200))
    assert config.secret_bits("abcdefghijkl" * 3) < 10 and config.secret_bits("b3f1c9e2a7d4" * 4) < 45


def test_the_environment_names_only_development_or_production(production, monkeypatch):
    # The testing configuration has a public secret (a forged operator session opened operator pages).
    monkeypatch.setenv("CARBONDOT_ENV", "testing")
    with pytest.raises(RuntimeError, match="CARBONDOT_ENV must be development or production, not 'testing'"):
        create_app()
    monkeypatch.setenv("CARBONDOT_ENV", "production")
    assert create_app().config["SECRET_KEY"] == REAL_SECRET


@pytest.mark.parametrize("key", ["c2hvcnQ=", "not base64 at all", base64.b64encode(b"x" * 33).decode()])
def test_an_invalid_registry_key_refuses_to_start_in_any_environment(production, monkeypatch, app_config, key):
    monkeypatch.setattr(production, "REGISTRY_SIGNING_KEY", key)
    with pytest.raises(RuntimeError, match="REGISTRY_SIGNING_KEY must be base64"):
        create_app()
    monkeypatch.setattr(config.DevelopmentConfig, "REGISTRY_SIGNING_KEY", key)
    with pytest.raises(RuntimeError, match="REGISTRY_SIGNING_KEY must be base64"):
        create_app(config.DevelopmentConfig)
    with pytest.raises(RuntimeError, match="REGISTRY_SIGNING_KEY must be base64"):
        create_app({**app_config, "REGISTRY_SIGNING_KEY": key})


def test_production_refuses_the_published_test_registry_key(production, monkeypatch):
    monkeypatch.setattr(production, "REGISTRY_SIGNING_KEY", config.TestingConfig.REGISTRY_SIGNING_KEY)
    with pytest.raises(RuntimeError, match="REGISTRY_SIGNING_KEY is the public test key"):
        create_app()


def test_production_refuses_a_stripe_key_without_its_webhook_secret(production, monkeypatch):
    monkeypatch.setattr(production, "STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setattr(production, "STRIPE_WEBHOOK_SECRET", "")
    with pytest.raises(RuntimeError, match="STRIPE_WEBHOOK_SECRET must be set with STRIPE_SECRET_KEY"):
        create_app()
    monkeypatch.setattr(production, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    assert create_app().config["STRIPE_WEBHOOK_SECRET"] == "whsec_x"


def bare_flask(*args: str) -> subprocess.CompletedProcess:
    """`flask ...` in the project directory with CARBONDOT_ENV=production and nothing else set."""
    env = {"CARBONDOT_ENV": "production", "PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    flask = Path(sys.executable).with_name("flask")
    return subprocess.run([str(flask), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_registry_key_runs_before_anything_is_configured():
    made = bare_flask("registry-key")
    assert made.returncode == 0, made.stderr
    key = made.stdout.strip()
    assert len(base64.b64decode(key, validate=True)) == 32 and "# public key: " in made.stderr
    assert bare_flask("registry-key").stdout.strip() != key  # a new key each time
    # Every other command still refuses, saying what to set.
    refused = bare_flask("db", "heads")
    assert refused.returncode != 0
    assert "SECRET_KEY" in refused.stderr and "REGISTRY_SIGNING_KEY" in refused.stderr


def test_production_refuses_to_start_without_the_registry_key(production, monkeypatch):
    monkeypatch.setattr(production, "REGISTRY_SIGNING_KEY", "")
    with pytest.raises(RuntimeError, match="REGISTRY_SIGNING_KEY"):
        create_app()


def test_production_refuses_to_start_without_base_url(production, monkeypatch):
    monkeypatch.setattr(production, "BASE_URL", "")
    with pytest.raises(RuntimeError, match="BASE_URL"):
        create_app()


def test_explicit_development_starts_with_the_dev_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("CARBONDOT_ENV", "development")
    monkeypatch.setattr(config.DevelopmentConfig, "SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path / 'd.db'}")
    assert create_app().config["SECRET_KEY"] == config.DEV_SECRET


def test_production_urls_never_come_from_the_host_header(production):
    app = create_app()
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        from app.routes.certificates import public_url

        assert public_url("public.event", slug="x") == "https://carbondot.example/e/x"


def test_production_sends_hsts_and_secure_cookies(production):
    app = create_app()
    response = app.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]


def test_proxy_count_from_the_environment_trusts_that_many_proxies(production, monkeypatch):
    monkeypatch.setattr(production, "PROXY_COUNT", 1)
    app = create_app()

    @app.get("/_ip")
    def _ip():
        from flask import request
        return request.remote_addr + " " + request.scheme

    answer = app.test_client().get("/_ip", headers={"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https"})
    assert answer.get_data(as_text=True) == "203.0.113.7 https"


# ---------------------------------------------------------------- sizes, lists, unknown keys

def test_a_huge_body_is_refused_with_413_as_the_api_error(client, db):
    big = {"basket": [{"category": "beef", "amount": 1}] * 60_000}
    response = client.post("/api/v1/footprint", data=json.dumps(big), content_type="application/json")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "request_entity_too_large"


@pytest.mark.parametrize("key", ["hotel_nights", "meals", "basket", "energy"])
def test_every_footprint_list_is_capped(client, key):
    rows = {"hotel_nights": {"country": "CN", "nights": 1}, "meals": {"kind": "vegan", "count": 1},
            "basket": {"category": "beef", "amount": 1}, "energy": {"kind": "electricity", "amount": 1}}
    response = client.post("/api/v1/footprint", json={key: [rows[key]] * 200})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == key


@pytest.mark.parametrize("payload, field", [
    ({"energy": [{"kind": "natural_gas", "amount": 10, "units": "m3"}]}, "energy[0].units"),
    ({"legs": [{"mode": "train", "distance_km": 10, "note": "x" * 100}]}, "legs[0].note"),
    ({"meals": [], "junk": "x"}, "junk"),
])
def test_unknown_footprint_keys_are_refused_naming_the_field(client, payload, field):
    response = client.post("/api/v1/footprint", json=payload)
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == field


def test_unknown_order_keys_are_refused_and_nothing_is_stored(client, db, make_event, make_project):
    event, project = make_event(), make_project()
    response = client.post("/api/v1/orders", json={
        "event": event.slug, "project": project.id,
        "footprint": {"legs": [{"mode": "train", "distance_km": 100}], "extra": "y" * 1000}})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "footprint.extra"
    response = client.post("/api/v1/orders", json={"event": event.slug, "project": project.id, "kg": 1, "x": 1})
    assert response.status_code == 422 and response.get_json()["error"]["field"] == "x"
    assert count(db, Order) == 0 and count(db, Footprint) == 0


# ---------------------------------------------------------------- sessions end on sign-out and password change

def sign_in(app, remember=True):
    from flask import g

    g.pop("_login_user", None)  # the tests' requests share one app context
    client = app.test_client()
    response = client.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD,
                                                   "remember": "y" if remember else ""})
    assert response.status_code == 303
    return client


def signed_in(client) -> bool:
    from flask import g

    g.pop("_login_user", None)
    return client.get("/account/").status_code == 303 and "/login" not in client.get("/account/").location


def only_remember_cookie(app, client):
    cookie = client.get_cookie("remember_token")
    assert cookie is not None
    fresh = app.test_client()
    fresh.set_cookie("remember_token", cookie.value)
    return fresh


def test_signing_out_ends_every_other_session_and_remember_token(app, organizer):
    phone, laptop = sign_in(app), sign_in(app)
    kept_cookie = only_remember_cookie(app, laptop)
    assert signed_in(phone) and signed_in(laptop) and signed_in(only_remember_cookie(app, laptop))
    phone.post("/account/logout")
    assert not signed_in(phone)
    assert not signed_in(laptop)
    assert not signed_in(kept_cookie)


def test_changing_the_password_ends_other_sessions_but_keeps_this_one(app, organizer):
    phone, laptop = sign_in(app), sign_in(app)
    kept_cookie = only_remember_cookie(app, laptop)
    response = phone.post("/account/password", data={"current": PASSWORD, "new": "a much newer secret",
                                                      "confirm": "a much newer secret"})
    assert response.status_code == 303
    assert signed_in(phone)
    assert signed_in(only_remember_cookie(app, phone))  # this device stays remembered, with a new cookie
    assert not signed_in(laptop)
    assert not signed_in(kept_cookie)


def test_remember_cookie_is_short_lived_httponly_and_samesite(app, organizer):
    client = sign_in(app)
    cookie = client.get_cookie("remember_token")
    assert cookie.http_only and cookie.same_site == "Lax"
    assert app.config["REMEMBER_COOKIE_DURATION"].days <= 30
    assert app.config["SESSION_COOKIE_HTTPONLY"] and app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


# ---------------------------------------------------------------- Redis down

def test_with_redis_unreachable_the_api_and_sign_in_still_work_and_healthz_says_so(app_config, db, organizer):
    down = create_app({**app_config, "RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": DEAD_REDIS,
                       "API_RATE_LIMIT": "3 per minute"})
    client = down.test_client()
    codes = [client.get("/api/v1/events").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]  # limits still hold, in memory
    assert client.post("/account/login", data={"email": "ann@example.com", "password": PASSWORD}).status_code == 303
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.get_json() == {"status": "ok", "database": "ok", "redis": "error"}


def test_healthz_reports_a_live_redis(app_config, db):
    live = create_app({**app_config, "RATELIMIT_STORAGE_URI": REDIS})
    assert live.test_client().get("/healthz").get_json()["redis"] == "ok"


def test_healthz_without_redis_configured_says_off(client, db):
    assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok", "redis": "off"}


# ---------------------------------------------------------------- NUL bytes, big numbers, deep JSON

@pytest.mark.parametrize("path", ["/e/%00", "/e/cdcn%00/board", "/c/%00", "/api/v1/orders/ord_%00",
                                  "/api/v1/certificates/%00", "/?q=%00", "/boards?by=%00"])
def test_nul_bytes_in_paths_and_queries_are_bad_input(client, db, path):
    assert client.get(path).status_code == 400


def test_nul_bytes_in_json_and_forms_are_bad_input(client, db, make_event, make_project):
    event, project = make_event(), make_project()
    response = client.post("/api/v1/orders", json={"event": event.slug + "\u0000", "project": project.id, "kg": 1})
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "bad_request"
    response = client.post("/api/v1/footprint", json={"legs": [{"mode": "flight", "from": "CTU\u0000"}]})
    assert response.status_code == 400
    response = client.post(f"/e/{event.slug}/checkout", data={"project": str(project.id), "kg": "1\x00"})
    assert response.status_code == 400
    assert count(db, Order) == 0


@pytest.mark.parametrize("payload, field", [
    ({"project": 2147483648, "kg": 1}, "project"),
    ({"project": -2147483649, "kg": 1}, "project"),
    ({"kg": 9223372036854775808}, "kg"),
])
def test_numbers_past_their_column_are_refused(client, db, make_event, make_project, payload, field):
    event, project = make_event(), make_project()
    body = {"event": event.slug, "project": project.id, **payload}
    response = client.post("/api/v1/orders", json=body)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == field and "2147483647" in error["message"]
    assert count(db, Order) == 0


@pytest.mark.parametrize("path", ["/p/99999999999", "/organizer/events/99999999999"])
def test_ids_past_the_column_in_paths_are_not_found(client, db, path):
    assert client.get(path).status_code == 404


@pytest.mark.parametrize("depth", [100, 50_000])
def test_deep_json_is_refused(client, db, depth):
    body = "[" * depth + "]" * depth
    response = client.post("/api/v1/footprint", data='{"legs": ' + body + "}", content_type="application/json")
    assert response.status_code == 400
    assert "deep" in response.get_json()["error"]["message"]


# ---------------------------------------------------------------- one API budget per client, shared via Redis

@pytest.fixture(autouse=True)
def limiter_recovers():
    """The one Limiter object outlives each test app; a test that killed its Redis must not leave
    the next test on the in-memory fallback (a real process has one app and re-checks Redis)."""
    yield
    from app.extensions import limiter

    limiter._storage_dead = False


def limited(app_config, **extra):
    return create_app({**app_config, "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "4 per minute",
                       "API_WRITE_RATE_LIMIT": "2 per minute", **extra})


def test_one_api_budget_across_endpoints_and_writes_count_against_it(app_config, db):
    client = limited(app_config).test_client()
    assert client.get("/api/v1/events").status_code == 200
    assert client.get("/api/v1/projects").status_code == 200
    assert client.post("/api/v1/footprint", json={}).status_code == 200
    assert client.post("/api/v1/orders", json={}).status_code == 422  # a write: counts against both budgets
    assert client.get("/api/v1/events").status_code == 429


def test_the_write_budget_is_per_visitor_and_shared_by_every_write(app_config, db):
    app = limited(app_config, API_RATE_LIMIT="100 per minute")
    client = app.test_client()
    client.set_cookie(app.config["PARTICIPANT_COOKIE"], "v" * 32)  # a visitor the API has seen before
    assert client.post("/api/v1/orders", json={}).status_code == 422
    assert client.post("/api/v1/orders/ord_x/demo-pay", json={}).status_code == 404
    assert client.post("/api/v1/orders", json={}).status_code == 429
    neighbour = app.test_client()  # another phone on the same network: its own budget
    neighbour.set_cookie(app.config["PARTICIPANT_COOKIE"], "n" * 32)
    assert neighbour.post("/api/v1/orders", json={}).status_code == 422


@pytest.fixture
def redis_prefix():
    redis = pytest.importorskip("redis")
    prefix = f"h12test-{uuid.uuid4().hex[:8]}"
    yield prefix
    r = redis.Redis.from_url(REDIS)
    for key in r.scan_iter(f"*{prefix}*"):
        r.delete(key)


def test_the_api_budget_is_shared_across_servers_through_redis(app_config, db, redis_prefix):
    # A loaded machine may answer slower than production's 0.5 s timeout, and a timeout falls back to
    # per-process memory (by design): give the shared-budget check room.
    extra = {"RATELIMIT_STORAGE_URI": REDIS, "RATELIMIT_KEY_PREFIX": redis_prefix,
             "RATELIMIT_STORAGE_OPTIONS": {"socket_connect_timeout": 5, "socket_timeout": 5}}
    first = limited(app_config, **extra).test_client()
    assert [first.get("/api/v1/events").status_code for _ in range(2)] == [200, 200]
    second = limited(app_config, **extra).test_client()  # another server: a new limiter storage
    assert [second.get("/api/v1/events").status_code for _ in range(3)] == [200, 200, 429]


def test_the_form_checkout_is_rate_limited(app_config, db, make_event, make_project):
    event, project = make_event(), make_project()
    slug, project_id = event.slug, project.id
    db.session.commit()  # release SQLite's lock before another app uses the file
    client = create_app({**app_config, "RATELIMIT_ENABLED": True, "WTF_CSRF_ENABLED": True,
                         "CHECKOUT_RATE_LIMIT": "2 per minute"}).test_client()
    page = client.get(f"/e/{slug}/calculate").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    codes = [client.post(f"/e/{slug}/checkout", data={"project": str(project_id), "kg": "1",
                                                      "csrf_token": token}).status_code
             for _ in range(3)]
    assert codes[2] == 429 and 429 not in codes[:2]


def test_production_without_redis_warns_that_budgets_multiply(production, caplog):
    create_app()
    assert "REDIS_URL is unset" in caplog.text


# ---------------------------------------------------------------- 405 with Allow

@pytest.mark.parametrize("method, path, allowed", [
    ("post", "/api/v1/events", {"GET", "HEAD", "OPTIONS"}),
    ("get", "/api/v1/orders", {"POST", "OPTIONS"}),
    ("post", "/methodology", {"GET", "HEAD", "OPTIONS"}),
])
def test_405_names_the_allowed_methods(client, db, method, path, allowed):
    response = getattr(client, method)(path)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == allowed


def test_production_refuses_demo_payments_unless_told(production, monkeypatch):
    """No payment provider configured: production does not quietly take free "payments"."""
    monkeypatch.setattr(production, "DEMO_PAYMENTS", False)
    with pytest.raises(RuntimeError, match="DEMO_PAYMENTS=1"):
        create_app()
    monkeypatch.setattr(production, "STRIPE_SECRET_KEY", "sk_live_x")
    monkeypatch.setattr(production, "STRIPE_WEBHOOK_SECRET", "whsec_x")
    assert create_app().config["DEMO_PAYMENTS"] is False  # a real provider: no demo, no refusal


def test_demo_payments_in_production_say_so_on_every_page_and_certificate(production, tmp_path):
    from datetime import date

    from app.extensions import db
    from app.services.certificates import artwork

    app = create_app()
    with app.app_context():
        db.create_all()
    page = app.test_client().get("/").get_data(as_text=True)
    assert "Demo payments" in page and "badge demo" in page
    shown = dict(number="CD-2026-000001", name="Ann", organization="", event_name="Forum", kg=95,
                 project_name="Forest", project_standard="CCER", serials=("A-1 – A-95",),
                 issued_on=date(2026, 12, 4), url="https://carbondot.example/c/x", language="zh")
    demo = artwork.render_image(artwork.CertificateData(**shown, demo=True))
    real = artwork.render_image(artwork.CertificateData(**shown))
    assert demo.image.tobytes() != real.image.tobytes()  # the demo's image carries its mark
    assert artwork.labels("zh")["demo"] == "演示：未发生真实付款"


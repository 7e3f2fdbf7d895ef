"""CSRF, headers, demo-mode switches and what the open API may not do."""
import pytest
from sqlalchemy import func, select

from app import create_app
from app.extensions import db as _db
from app.models import Order


@pytest.fixture
def csrf_app(app):
    """The test app with CSRF protection on, as in every other configuration."""
    app.config["WTF_CSRF_ENABLED"] = True
    return app


def test_forms_refuse_posts_without_a_csrf_token(csrf_app, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    client = csrf_app.test_client()
    response = client.post("/e/forum/checkout", data={"legs-0-mode": "taxi", "legs-0-distance_km": "10",
                                                      "leg_count": "1", "project": str(project.id)})
    assert response.status_code == 400
    assert _db.session.scalar(select(func.count()).select_from(Order)) == 0


def test_htmx_requests_carry_the_token_in_a_header(csrf_app, make_event, make_project):
    make_event(slug="forum")
    make_project()
    client = csrf_app.test_client()
    page = client.get("/e/forum/calculate").get_data(as_text=True)
    assert 'hx-headers=\'{"X-CSRFToken": "' in page
    token = page.split('"X-CSRFToken": "')[1].split('"')[0]
    ok = client.post("/e/forum/calculate", data={"legs-0-mode": "taxi", "legs-0-distance_km": "10"},
                     headers={"HX-Request": "true", "X-CSRFToken": token})
    assert ok.status_code == 200
    refused = client.post("/e/forum/calculate", data={"legs-0-mode": "taxi"}, headers={"HX-Request": "true"})
    assert refused.status_code == 400


def test_api_needs_no_csrf_token(csrf_app, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    response = csrf_app.test_client().post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 5})
    assert response.status_code == 201


def test_security_headers_and_one_inline_script_allowed_by_its_hash(client, make_event):
    import base64
    import hashlib
    import re

    make_event(slug="forum")
    for path in ("/", "/e/forum", "/kiosk/forum"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        page = response.get_data(as_text=True)
        # The only inline script is boot.js (it starts the others after the first paint); its hash is the only
        # inline source the CSP allows, so an injected inline script would not run.
        inline = re.findall(r"<script data-scripts=\"[^\"]+\">(.*?)</script>", page, re.S)
        assert len(inline) == 1 and page.count("<script") == 1, path
        digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
        assert re.search(r"script-src 'self' 'sha256-[A-Za-z0-9+/=]+'; ", csp)
        assert f"script-src 'self' 'sha256-{digest}';" in csp
        assert " hx-on" not in page
    assert '"allowEval": false' in client.get("/").get_data(as_text=True)


def test_demo_payment_is_gone_when_a_stripe_key_is_set(app, client, make_order):
    order = make_order(paid=False)
    app.config["STRIPE_SECRET_KEY"] = "sk_test_x"
    assert client.post(f"/api/v1/orders/{order.public_id}/demo-pay", json={"outcome": "paid"}).status_code == 404
    assert client.get(f"/pay/{order.public_id}/demo").status_code == 404
    assert client.post(f"/pay/{order.public_id}/demo", data={"outcome": "paid"}).status_code == 404
    _db.session.refresh(order)
    assert order.status == "pending"


def test_api_is_rate_limited(app, app_config):
    limited = create_app({**app_config, "RATELIMIT_ENABLED": True, "API_RATE_LIMIT": "3 per minute"})
    client = limited.test_client()
    codes = [client.get("/api/v1/events").status_code for _ in range(5)]
    assert codes[:3] == [200, 200, 200] and codes[3:] == [429, 429]
    assert client.get("/api/v1/events").get_json()["error"]["code"] == "too_many_requests"


def test_production_refuses_the_default_secret(monkeypatch):
    from config import ProductionConfig

    monkeypatch.setattr(ProductionConfig, "SECRET_KEY", "dev-only-not-secret")
    with pytest.raises(RuntimeError):
        create_app(ProductionConfig)


def test_order_ids_are_unguessable(make_order):
    a, b = make_order(kg=1), make_order(kg=1)
    assert a.public_id != b.public_id and len(a.public_id) >= 16

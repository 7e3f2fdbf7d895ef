"""The OpenAPI document describes exactly the API that is served, and real answers fit it."""
import re

import pytest


@pytest.fixture
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


SITE_PATHS = ("/pay/wechat/notify", "/pay/alipay/notify")  # served at the site's root (the path's own servers)


def test_every_api_route_is_documented_and_every_documented_path_exists(app, spec):
    served = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") or rule.rule in SITE_PATHS:
            path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix("/api/v1"))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                served.add((path.replace("{public_id}", "{id}"), method.lower()))
    documented = {(path, method) for path, ops in spec["paths"].items() for method in ops if method != "servers"}
    assert served == documented
    assert {path for path, ops in spec["paths"].items() if ops.get("servers") == [{"url": "/"}]} == set(SITE_PATHS)


def check(value, schema, spec):
    """A small structural check: required keys present and JSON types right."""
    if "$ref" in schema:
        schema = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    kinds = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float),
             "boolean": bool, "null": type(None)}
    types = schema.get("type")
    if types:
        allowed = tuple(kinds[t] for t in ([types] if isinstance(types, str) else types))
        assert isinstance(value, allowed), (value, schema)
    if "enum" in schema:
        assert value in schema["enum"]
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, (key, value)
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, spec)
    if isinstance(value, list) and "items" in schema:
        for item in value:
            check(item, schema["items"], spec)


def test_real_answers_fit_the_schemas(client, spec, make_event, make_project):
    make_event(slug="forum")
    project = make_project()
    check(client.get("/api/v1/events").get_json()["events"][0], {"$ref": "#/x/Event"}, spec)
    check(client.get("/api/v1/projects").get_json()["projects"][0], {"$ref": "#/x/Project"}, spec)
    check(client.post("/api/v1/footprint", json={"legs": [{"mode": "flight", "from": "PEK", "to": "CTU"}]}).get_json(),
          {"$ref": "#/x/Footprint"}, spec)
    order = client.post("/api/v1/orders", json={"event": "forum", "project": project.id, "kg": 12}).get_json()
    check(order, {"$ref": "#/x/Order"}, spec)
    paid = client.post(f"/api/v1/orders/{order['id']}/demo-pay", json={"outcome": "paid"}).get_json()
    check(paid, {"$ref": "#/x/Order"}, spec)
    check(client.get(f"/api/v1/certificates/{paid['certificate_token']}").get_json(), {"$ref": "#/x/Certificate"}, spec)
    for entry in client.get("/api/v1/events/forum/board").get_json()["entries"]:
        check(entry, {"$ref": "#/x/BoardEntry"}, spec)

"""schemathesis against the served OpenAPI file: every operation, generated
valid inputs (fixed seed, bounded examples), on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL. No answer may be a server error, and every
answer must fit the documented status codes, content type and schema."""
from __future__ import annotations

import contextlib

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.routes.test_openapi import SITE_PATHS

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 25


def fuzz(operation) -> list[str]:
    """Run one operation's generated cases; the failures schemathesis reports."""
    failures = []

    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy())
    def run(case):
        try:
            # schemathesis reads bodies as sent; which encodings it offers depends on what else the process
            # has imported (brotli), so ask for none: compression has its own tests (tests/routes/test_speed.py).
            case.call_and_validate(checks=CHECKS, headers={"Accept-Encoding": "identity"})
        except AssertionError as exc:  # schemathesis' FailureGroup is an AssertionError
            failures.append(f"{operation.label}: {str(exc)[:600]}")
            raise

    with contextlib.suppress(AssertionError):
        run()
    return failures


def client_spec(app) -> dict:
    return app.test_client().get("/api/v1/openapi.json").get_json()


def test_every_operation_survives_schemathesis(app, db, make_event, make_project, make_order):
    event = make_event(slug="forum")
    project = make_project()
    make_order(event=event, project=project, kg=5, name="Ann", show=True)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # The providers' notice paths are served at the site's root (their own `servers`), which schemathesis's
    # WSGI transport does not follow; tests/routes/test_wallets.py sends them forged and broken notices.
    operations = [op for op in (result.ok() for result in schema.get_all_operations())
                  if op.path not in SITE_PATHS]
    spec = client_spec(app)
    documented = sum(1 for path, item in spec["paths"].items() if path != "/openapi.json"  # the spec itself
                     and path not in SITE_PATHS for method in item if method in ("get", "post"))
    assert len(operations) == documented >= 13  # every documented operation, the register's too
    assert [failure for operation in operations for failure in fuzz(operation)] == []

"""Bad input gets a clear 4xx before any view runs, and changes nothing.

Applied to every request by a before_request hook, so views stay unaware:
- a body over MAX_CONTENT_LENGTH is 413 (the API's JSON error under /api/);
- a NUL byte in the path, the query, a form or a JSON string is 400 (PostgreSQL
  cannot store one, and no real input has one);
- JSON nested deeper than MAX_JSON_DEPTH is 400, checked on the raw bytes before
  parsing (a recursive parser would otherwise overflow);
- a JSON integer past a 32-bit column is 422 naming the field, and an id in the
  path past it is 404 (no such row can exist);
- unknown keys in the API's JSON bodies are 422 naming the field.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, request

from ..services import footprint

INT_MIN, INT_MAX = -(2**31), 2**31 - 1

# The API's JSON bodies: the keys each endpoint accepts ("footprint" holds calculator inputs).
ORDER_KEYS = frozenset({"event", "project", "kg", "footprint", "display_name", "organization", "show_on_board"})
BODY_KEYS = {
    "api.create_order": ORDER_KEYS,
    "api.demo_pay": frozenset({"outcome"}),
}


class Invalid(Exception):
    def __init__(self, status: int, code: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.field = status, code, message, field


def json_depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text, without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def check_value(value: Any, field: str) -> None:
    """NUL bytes anywhere (400) and integers past a 32-bit column (422), naming the field."""
    if isinstance(value, str):
        if "\x00" in value:
            raise Invalid(400, "bad_request", "Text may not contain NUL bytes.", field or None)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not INT_MIN <= value <= INT_MAX:
            raise Invalid(422, "invalid", f"{field or 'A number'} must be between {INT_MIN} and {INT_MAX}.",
                          field or None)
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, field)
            check_value(item, f"{field}.{key}" if field else key)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_value(item, f"{field}[{i}]")


def check_keys(endpoint: str | None, data: Any) -> None:
    if not isinstance(data, dict):
        return
    allowed = BODY_KEYS.get(endpoint or "")
    if allowed is not None:
        for key in data:
            if key not in allowed:
                raise Invalid(422, "invalid", f"Unknown field \u201c{key[:40]}\u201d.", key)
    try:
        if endpoint == "api.estimate":
            footprint.check_keys(data)
        elif endpoint == "api.create_order":
            footprint.check_keys(data.get("footprint"), "footprint.")
    except footprint.FootprintError as exc:
        raise Invalid(422, "invalid", exc.message, exc.field) from exc


def check_request() -> None:
    """Raise Invalid (or abort) for input no view should see."""
    if "\x00" in request.path or any(
        "\x00" in key or "\x00" in value for key, value in request.args.items(multi=True)
    ):
        raise Invalid(400, "bad_request", "The address may not contain NUL bytes.")
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
            abort(404)
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        if any("\x00" in key or "\x00" in value for key, value in request.form.items(multi=True)):
            raise Invalid(400, "bad_request", "The form may not contain NUL bytes.")
    elif request.is_json and request.method in ("POST", "PUT", "PATCH"):
        raw = request.get_data(cache=True)
        if json_depth(raw) > current_app.config.get("MAX_JSON_DEPTH", 12):
            raise Invalid(400, "bad_request", "The JSON is nested too deep.")
        data = request.get_json(silent=True)
        view = current_app.view_functions.get(request.endpoint or "")
        if not getattr(view, "provider_notice", False):  # a provider's own format, verified by its module
            check_value(data, "")
            check_keys(request.endpoint, data)


def register(app: Flask) -> None:
    from . import api_error  # the API's error shape

    @app.before_request
    def _validate():
        try:
            check_request()
        except Invalid as exc:
            if request.path.startswith("/api/"):
                return api_error(exc.status, exc.code, exc.message, exc.field)
            abort(exc.status, description=exc.message)
        return None

"""Bad input gets a clear 4xx before any view runs, and changes nothing.

Applied to every request by a before_request hook, so views stay unaware:
- a body over MAX_CONTENT_LENGTH is 413 (the API's JSON error under /api/), also when it
  comes chunked, without a Content-Length: serving.WholeBody reads at most the limit (plus
  one byte) before anything else reads the body;
- a NUL byte in the path, the query, a form or a JSON string is 400 (PostgreSQL
  cannot store one, and no real input has one);
- a lone surrogate ("\\ud800", which a JSON escape can carry) cannot be encoded as UTF-8,
  so it can be neither stored nor shown: 400 in the address or the API's JSON, 422 in a form;
- JSON nested deeper than MAX_JSON_DEPTH is 400, checked on the raw bytes before
  parsing (a recursive parser would otherwise overflow);
- a JSON integer past a 32-bit column is 422 naming the field; an id in the path is an
  ASCII whole number within the column or the route does not match (404: no such row
  can exist), through the `int` converter below;
- unknown keys in the API's JSON bodies are 422 naming the field;
- a JSON body sent to a page's form (Flask-WTF reads one as form data) must hold text
  (or lists of text), like a real form: anything else is 422.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, abort, current_app, request
from flask_babel import gettext as _
from werkzeug.routing import BaseConverter, ValidationError

from ..services import footprint, integers

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


def unreadable(text: str) -> str | None:
    """Why a string can be neither stored nor shown: "nul" (a NUL byte), "surrogate" (a lone
    surrogate: not encodable as UTF-8), or None when it is fine."""
    if "\x00" in text:
        return "nul"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "surrogate"
    return None


def check_text(text: str, where: str, surrogate_status: int = 400, field: str | None = None) -> None:
    """Refuse a NUL byte (400) or a lone surrogate (`surrogate_status`) in `text`."""
    problem = unreadable(text)
    if problem == "nul":
        raise Invalid(400, "bad_request", f"{where} may not contain NUL bytes.", field)
    if problem == "surrogate":
        raise Invalid(surrogate_status, "bad_request", f"{where} holds a lone surrogate (not valid Unicode).", field)


def check_value(value: Any, field: str, surrogate_status: int = 400) -> None:
    """NUL bytes and lone surrogates anywhere, and integers past a 32-bit column (422), naming the field."""
    if isinstance(value, str):
        check_text(value, "Text", surrogate_status, field or None)
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        try:
            integers.parse_int(value, low=integers.INT32_MIN, field=field or "A number")
        except integers.IntegerError as exc:
            raise Invalid(422, "invalid", exc.message, field or None) from None
    elif isinstance(value, dict):
        for key, item in value.items():
            check_value(key, field, surrogate_status)
            check_value(item, f"{field}.{key}" if field else key, surrogate_status)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            check_value(item, f"{field}[{i}]", surrogate_status)


def check_form_json(data: Any) -> None:
    """A JSON body for a page's form holds what a form holds: names with text, or lists of text."""
    def text(v: Any) -> bool:
        return isinstance(v, str) or (isinstance(v, list) and all(isinstance(item, str) for item in v))

    if not isinstance(data, dict) or not all(text(v) for v in data.values()):
        raise Invalid(422, "invalid", "Send the form's fields as text.")


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
    api = request.path.startswith("/api/")
    check_text(request.path, "The address")
    for key, value in request.args.items(multi=True):
        check_text(key, "The address")
        check_text(value, "The address")
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length is not None and request.content_length > limit:
        abort(413)
    view = current_app.view_functions.get(request.endpoint or "")
    if getattr(view, "provider_notice", False):
        request.get_data(cache=True)  # the provider's signature covers the raw body: keep it before parsing a form
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        for key, value in request.form.items(multi=True):
            check_text(key, "The form", 422)
            check_text(value, "The form", 422)
    elif request.is_json and request.method in ("POST", "PUT", "PATCH"):
        raw = request.get_data(cache=True)
        if json_depth(raw) > current_app.config.get("MAX_JSON_DEPTH", 12):
            raise Invalid(400, "bad_request", "The JSON is nested too deep.")
        data = request.get_json(silent=True)
        if getattr(view, "provider_notice", False):  # a provider's own format, verified by its module
            return
        check_value(data, "", 400 if api else 422)
        if api:
            check_keys(request.endpoint, data)
        elif data is not None:
            check_form_json(data)


# What a page shows for each refusal (the API keeps its English messages, with the field).
def page_message(exc: Invalid) -> str:
    if exc.status == 422:
        return _("Please use plain text.")
    return _("That address or form holds characters we cannot read.")


class WholeNumberConverter(BaseConverter):
    """`<int:...>` in every route: ASCII digits within PostgreSQL's INTEGER, else the route
    does not match (404). Werkzeug's own takes any script's digits ("/p/١٢" is 12)."""

    regex = r"[0-9]+"
    part_isolating = True
    weight = 50

    def to_python(self, value: str) -> int:
        try:
            return integers.parse_int(value)
        except integers.IntegerError:
            raise ValidationError() from None

    def to_url(self, value: Any) -> str:
        return str(int(value))


def register(app: Flask) -> None:
    from . import api_error  # the API's error shape

    @app.before_request
    def _validate():
        try:
            check_request()
        except Invalid as exc:
            if request.path.startswith("/api/"):
                return api_error(exc.status, exc.code, exc.message, exc.field)
            abort(exc.status, description=page_message(exc))
        return None

"""The public retirement register: its page and the whole log as JSON lines.

The JSON endpoints are on the API blueprint (app/routes/api.py); `flask registry-key` is in
app/commands/keys.py.
"""
from __future__ import annotations

import json
from pathlib import Path

from flask import Blueprint, Response, current_app, request, send_file, stream_with_context

from ..extensions import db
from ..services import integers
from ..services.register import registry
from ..web import latest_checkpoint
from ..web.htmx import render

bp = Blueprint("registry", __name__, cli_group=None)

VERIFIER = "registry_verify.py"  # as a visitor saves it from /registry/registry_verify.py
VERIFIER_FILE = Path(__file__).resolve().parents[2] / "tools" / "registry_verify.py"


@bp.get("/registry")
def page():
    """Look up a serial or a certificate (its number, token or link), see the latest signed checkpoint
    and the newest entries, learn how to verify."""
    serial = request.args.get("serial", "").strip()[:80]
    entry_arg = request.args.get("entry", "").strip()[:80]
    shown, bad_entry = None, False
    try:  # an entry number, at most one below BIGINT's top (entries asks for [n, n + 1))
        number = integers.parse_int(entry_arg, high=integers.INT64_MAX - 1, blank=None)
    except integers.IntegerError:
        number, bad_entry = None, True
    found = registry.find_serial(db.session, serial) if serial else None
    if number is not None:
        _s, _e, rows = registry.entries(db.session, number, number + 1)
        shown = rows[0] if rows else None
    newest = registry.newest(db.session)
    return render(
        "registry/index.html", block="lookup", status=400 if bad_entry else 200, bad_entry=bad_entry,
        serial=serial, found=found, certificate=None if found or not serial else registry.find_certificate(
            db.session, serial),
        entry_arg=entry_arg if number is None else number + 1, shown=shown,  # people count entries from 1
        checkpoint=latest_checkpoint(),
        newest=[(e, json.loads(e.leaf)) for e in newest],
        venue_zones=registry.venue_zones(db.session, [e.certificate_id for e in newest]),
        verifier=VERIFIER,
        base=(current_app.config.get("BASE_URL") or request.host_url).rstrip("/"),
    )


@bp.get("/registry/registry_verify.py")
def verifier():
    """The verifier itself (one Python file), to download and run against this server."""
    return send_file(VERIFIER_FILE, mimetype="text/x-python", as_attachment=True, download_name=VERIFIER,
                     max_age=3600)


@bp.get("/registry.jsonl")
def jsonl():
    """The whole log, one leaf per line: exactly the bytes that are hashed."""
    body = stream_with_context(registry.stream(db.session))
    return Response(body, mimetype="application/jsonl; charset=utf-8")

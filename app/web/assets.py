"""Static files under content-hashed names, and response compression.

Templates call `asset('css/app.css')`, which gives `/static/css/app.<hash>.css`:
the hash is the first 12 hex digits of the file's SHA-256, so a changed file gets a
new URL and a hashed URL can be cached for a year as `immutable`. The plain URL
(`/static/css/app.css`) keeps working with Flask's revalidating default, for
anything printed or linked before.

Compression is Flask-Compress (brotli, then gzip): it compresses the HTML pages
and htmx fragments as well as the static files, which WhiteNoise would not.
"""
from __future__ import annotations

import base64
import hashlib
import os
import re

from flask import Flask, current_app, url_for
from flask_compress import Compress
from markupsafe import Markup

compress = Compress()

YEAR = 31536000
HASHED = re.compile(r"^(?P<stem>.+)\.(?P<hash>[0-9a-f]{12})(?P<ext>\.[A-Za-z0-9]+)$")


def build_manifest(folder: str) -> dict[str, str]:
    """{'css/app.css': 'css/app.1a2b3c4d5e6f.css', ...} for every file under `folder`."""
    manifest = {}
    for root, _dirs, files in os.walk(folder):
        for name in files:
            path = os.path.join(root, name)
            rel = os.path.relpath(path, folder).replace(os.sep, "/")
            with open(path, "rb") as f:
                digest = hashlib.sha256(f.read()).hexdigest()[:12]
            stem, ext = os.path.splitext(rel)
            manifest[rel] = f"{stem}.{digest}{ext}"
    return manifest


def asset(filename: str) -> str:
    """The content-hashed URL of a static file (the plain URL if it is not in the manifest)."""
    hashed = current_app.extensions["asset_manifest"].get(filename, filename)
    return url_for("static", filename=hashed)


def boot_script(folder: str) -> Markup:
    """static/js/boot.js, inlined in every page's <head> (it starts the page's other scripts)."""
    with open(os.path.join(folder, "js", "boot.js"), encoding="utf-8") as f:
        return Markup(f.read())


def boot_script_hash(folder: str) -> str:
    """The CSP source that allows the inlined boot script, and no other inline script."""
    digest = hashlib.sha256(str(boot_script(folder)).encode()).digest()
    return f"'sha256-{base64.b64encode(digest).decode()}'"


def init_app(app: Flask) -> None:
    app.config.setdefault("COMPRESS_ALGORITHM", ["br", "gzip"])
    app.config.setdefault("COMPRESS_MIMETYPES", [
        "text/html", "text/css", "text/javascript", "application/javascript",
        "application/json", "image/svg+xml", "text/csv", "text/plain",
    ])
    compress.init_app(app)
    manifest = build_manifest(app.static_folder)
    originals = {hashed: plain for plain, hashed in manifest.items()}
    app.extensions["asset_manifest"] = manifest
    app.jinja_env.globals["asset"] = asset
    app.jinja_env.globals["boot_script"] = boot_script(app.static_folder)

    def static(filename: str):
        plain = originals.get(filename)
        if plain is None:
            return app.send_static_file(filename)
        response = app.send_static_file(plain)
        response.cache_control.public = True
        response.cache_control.max_age = YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
        return response

    app.view_functions["static"] = static

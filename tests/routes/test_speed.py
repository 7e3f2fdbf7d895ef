"""Compression, content-hashed static URLs and conditional live fragments (issue #16)."""
from __future__ import annotations

import gzip
import re

import brotli

ASSETS = re.compile(r'(?:href|src)="(/static/[^"]+)"')


def test_pages_and_fragments_are_compressed(client, htmx, make_event):
    make_event(slug="forum")
    plain = client.get("/e/forum").get_data()
    br = client.get("/e/forum", headers={"Accept-Encoding": "br, gzip"})
    assert br.headers["Content-Encoding"] == "br" and "Accept-Encoding" in br.headers["Vary"]
    assert brotli.decompress(br.get_data()) == plain and len(br.get_data()) < len(plain) / 2
    gz = client.get("/e/forum", headers={"Accept-Encoding": "gzip"})
    assert gz.headers["Content-Encoding"] == "gzip" and gzip.decompress(gz.get_data()) == plain
    assert "Content-Encoding" not in client.get("/e/forum", headers={"Accept-Encoding": "identity"}).headers
    api = client.get("/api/v1/openapi.json", headers={"Accept-Encoding": "gzip"})
    assert api.headers["Content-Encoding"] == "gzip"


def test_static_files_have_hashed_immutable_urls(client, make_event):
    make_event(slug="forum")
    html = client.get("/e/forum").get_data(as_text=True)
    urls = ASSETS.findall(html)
    css = next(u for u in urls if u.startswith("/static/css/app."))
    assert re.fullmatch(r"/static/css/app\.[0-9a-f]{12}\.css", css)
    hashed = client.get(css, headers={"Accept-Encoding": "br"})
    assert hashed.status_code == 200 and hashed.headers["Content-Encoding"] == "br"
    cache = hashed.headers["Cache-Control"]
    assert "immutable" in cache and "max-age=31536000" in cache and "public" in cache
    plain = client.get("/static/css/app.css")
    assert plain.status_code == 200 and "immutable" not in plain.headers.get("Cache-Control", "")
    assert brotli.decompress(hashed.get_data()) == plain.get_data()
    assert client.get("/static/css/app.000000000000.css").status_code == 404
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert all("defer" in tag for tag in re.findall(r"<script[^>]*>", html))  # nothing blocks rendering

"""Wire bytes (first and repeat view) and in-process render time of the key pages.

    .venv/bin/python bench/pages.py [--runs 200]

Wire bytes: what a phone receives for a page, with `Accept-Encoding: br, gzip`:
the HTML plus every stylesheet and script it links (status line, headers and body).
A repeat view counts what a second visit transfers: assets that are `immutable`
cost nothing, others are revalidated (a 304 with headers). Budgets (issue #16):
event page <= 30 KB, calculator <= 40 KB on first view.
Render time: median of --runs requests through the Flask test client, and the
ratio to /healthz measured in the same run.
"""
from __future__ import annotations

import argparse
import re
import time

from _site import median_ms, seeded_database

BUDGETS = {"event": 30 * 1024, "calculator": 40 * 1024}
PAGES = {
    "event": "/e/cdcn-forum-2021",
    "calculator": "/e/cdcn-forum-2021/calculate",
    "event board": "/e/cdcn-forum-2021/board",
    "boards": "/boards",
    "home": "/",
}
ASSET = re.compile(r'<(?:link rel="stylesheet" href|script src)="([^"]+)"')
ACCEPT = {"Accept-Encoding": "br, gzip"}


def wire(response) -> int:
    head = len(f"HTTP/1.1 {response.status}\r\n") + sum(len(f"{k}: {v}\r\n") for k, v in response.headers.items())
    return head + 2 + len(response.get_data())


def views(client, path: str) -> tuple[int, int, bool]:
    """(first-view bytes, repeat-view bytes, any render-blocking script)."""
    page = client.get(path, headers=ACCEPT)
    html = client.get(path).get_data(as_text=True)
    first = repeat = wire(page)
    revisit = client.get(path, headers=ACCEPT)
    repeat = wire(revisit)
    for url in ASSET.findall(html):
        asset = client.get(url, headers=ACCEPT)
        first += wire(asset)
        cache = asset.headers.get("Cache-Control", "")
        if "immutable" not in cache:
            again = client.get(url, headers={**ACCEPT, "If-None-Match": asset.headers.get("ETag", "")})
            repeat += wire(again)
    blocking = any("defer" not in tag and "async" not in tag for tag in re.findall(r"<script [^>]*>", html))
    return first, repeat, blocking


def timed(client, path: str, runs: int) -> float:
    for _ in range(5):
        client.get(path)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(path)
        samples.append(time.perf_counter() - start)
        assert response.status_code == 200, (path, response.status_code)
    return median_ms(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    url = seeded_database()
    from app import create_app

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "BASE_URL": ""})
    client = app.test_client()
    print("wire bytes (Accept-Encoding: br, gzip; HTML + linked CSS and JS)")
    print(f"{'page':<12} {'first view':>11} {'repeat':>8} {'budget':>8}  blocking script")
    over = False
    for name, path in PAGES.items():
        first, repeat, blocking = views(client, path)
        budget = BUDGETS.get(name)
        verdict = "" if budget is None else ("ok" if first <= budget else "OVER")
        over |= verdict == "OVER"
        print(f"{name:<12} {first:>11,} {repeat:>8,} {budget or '':>8} {verdict:>4}  {'yes' if blocking else 'no'}")
    print(f"\nrender time, median of {args.runs} in-process requests")
    health = timed(client, "/healthz", args.runs)
    print(f"{'/healthz':<12} {health:7.2f} ms   1.00x")
    for name, path in PAGES.items():
        ms = timed(client, path, args.runs)
        print(f"{name:<12} {ms:7.2f} ms  {ms / health:5.2f}x healthz")
    hx = {"HX-Request": "true"}
    for name, path in (("event live", PAGES["event"]), ("board live", PAGES["event board"])):
        etag = client.get(path, headers=hx).headers.get("ETag")
        for label, headers in (("200", hx), ("304", {**hx, "If-None-Match": etag or ""})):
            if label == "304" and not etag:
                continue
            for _ in range(5):
                client.get(path, headers=headers)
            samples = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get(path, headers=headers)
                samples.append(time.perf_counter() - start)
            ms = median_ms(samples)
            print(f"{name + ' ' + label:<16} {ms:7.2f} ms  {ms / health:5.2f}x healthz")
    if over:
        print("\nBUDGET EXCEEDED")


if __name__ == "__main__":
    main()

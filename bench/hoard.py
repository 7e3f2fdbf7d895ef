"""The hoarding attack of issue #12, over HTTP on loopback, and what it leaves to a real visitor.

    .venv/bin/python bench/hoard.py [--port 1312]

Starts the app (production-like config: CSRF on, rate limits on, the default hold
limits) on 127.0.0.1:PORT with a fresh SQLite file and the demo data, then attacks
from 127.0.0.1:

1. eight `POST /api/v1/orders {"kg": 1000000}` (one per project, round robin);
2. eight API orders at the personal cap (VISITOR_MAX_KG), each without a cookie;
3. fifteen form checkouts of a big footprint under the cap (one business-class
   PEK-JFK return, about 7 t), each from a fresh cookie jar (a new participant
   every time), on every project in turn;
4. fifteen more form checkouts of a chicken meal (what one minimum payment buys)
   on the smallest project, again each from a fresh cookie jar.

A real visitor (from 127.0.0.2) then checks out through the form and pays (demo):
a chicken meal on every project, and a PEK-CTU return on every project large
enough to hold one under the share rule. Prints the status codes, and per project the kg left before and
after the attack as a percent; exits non-zero when any project keeps less than
90 % or the visitor cannot buy.
"""
from __future__ import annotations

import argparse
import http.client
import http.cookies
import json
import logging
import re
import sys
import tempfile
import threading
import urllib.parse
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from werkzeug.serving import make_server  # noqa: E402

from app import create_app  # noqa: E402
from app.commands.demo import seed_demo  # noqa: E402
from app.extensions import db  # noqa: E402
from config import DevelopmentConfig  # noqa: E402

EVENT = "cdcn-forum-2021"


class Browser:
    """A tiny HTTP client with a cookie jar and a source address (no redirects followed)."""

    def __init__(self, port: int, source: str = "127.0.0.1", headers: dict | None = None):
        self.port, self.source, self.cookies, self.headers = port, source, {}, headers or {}

    def request(self, method: str, path: str, body: bytes | None = None, ctype: str | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, source_address=(self.source, 0), timeout=30)
        headers = dict(self.headers)
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if ctype:
            headers["Content-Type"] = ctype
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        for header in resp.headers.get_all("Set-Cookie") or []:
            jar = http.cookies.SimpleCookie(header)
            self.cookies.update({k: m.value for k, m in jar.items()})
        conn.close()
        return resp.status, resp.headers, data

    def json(self, method: str, path: str, payload: dict):
        status, _, data = self.request(method, path, json.dumps(payload).encode(), "application/json")
        return status, json.loads(data or b"{}")

    def form(self, path: str, fields: dict):
        return self.request("POST", path, urllib.parse.urlencode(fields).encode(), "application/x-www-form-urlencoded")

    def token(self, path: str) -> str:
        """The CSRF token of the form on the page at `path`."""
        _, _, page = self.request("GET", path)
        found = re.search(rb'name="csrf_token"[^>]*value="([^"]+)"', page)
        return found.group(1).decode() if found else ""

    def checkout(self, project: int, fields: dict) -> tuple[int, str]:
        """Load the calculator (for the CSRF token) and check out; (status, Location)."""
        fields = {"csrf_token": self.token(f"/e/{EVENT}/calculate"), "leg_count": "1", "project": str(project),
                  "legs-0-mode": "flight", "legs-0-cabin": "economy", "legs-0-return": "on", **fields}
        status, headers, _ = self.form(f"/e/{EVENT}/checkout", fields)
        return status, headers.get("Location", "")

    def buy(self, project: int, fields: dict) -> str:
        """Check out and pay on the demo page; the order's status, or the checkout's HTTP status."""
        status, location = self.checkout(project, fields)
        if status != 303:
            return f"checkout {status}"
        public_id = location.rstrip("/").split("/")[-1]
        self.form(f"/pay/{public_id}/demo", {"csrf_token": self.token(f"/pay/{public_id}/demo"), "outcome": "paid"})
        _, _, data = self.request("GET", f"/api/v1/orders/{public_id}")
        order = json.loads(data)
        return f"{order['status']} ({order['kg']} kg asked, {order['credits_kg']} kg retired)"


def stock(port: int) -> dict[int, int]:
    _, _, data = Browser(port, "127.0.0.3").request("GET", "/api/v1/projects")
    return {p["id"]: p["kg_left"] for p in json.loads(data)["projects"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=1312)
    args = parser.parse_args()
    tmp = tempfile.TemporaryDirectory(prefix="carbondot-hoard-")

    class BenchConfig(DevelopmentConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp.name}/hoard.db"
        RATELIMIT_STORAGE_URI = "memory://"
        BASE_URL = f"http://127.0.0.1:{args.port}"

    app = create_app(BenchConfig)
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.commit()
    cfg = app.config
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", args.port, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = args.port
    print(f"limits: VISITOR_MAX_KG={cfg['VISITOR_MAX_KG']} kg, HOLD_SHARE_PERCENT={cfg['HOLD_SHARE_PERCENT']} %, "
          f"HOLD_MINUTES={cfg['HOLD_MINUTES']}, API_WRITE_RATE_LIMIT={cfg['API_WRITE_RATE_LIMIT']}")
    try:
        before = stock(port)
        projects = sorted(before)
        answers = Counter()
        for i in range(8):  # 1. the attack
            status, body = Browser(port).json("POST", "/api/v1/orders",
                                              {"event": EVENT, "project": projects[i % 3], "kg": 1_000_000})
            answers[f"api 1,000,000 kg -> {status} {body.get('error', {}).get('code', '')}"] += 1
        for i in range(8):  # 2. at the personal cap, a new participant every time
            status, body = Browser(port).json("POST", "/api/v1/orders",
                                              {"event": EVENT, "project": projects[i % 3], "kg": cfg["VISITOR_MAX_KG"]})
            answers[f"api {cfg['VISITOR_MAX_KG']:,} kg -> {status} {body.get('error', {}).get('code', '')}"] += 1
        big = {"legs-0-from": "PEK", "legs-0-to": "JFK", "legs-0-cabin": "business"}  # about 7 t
        for i in range(15):  # 3. the form, a fresh cookie jar every time
            status, _ = Browser(port).checkout(projects[i % 3], big)
            answers[f"form PEK-JFK business -> {status}"] += 1
        smallest = min(projects, key=before.get)
        for _ in range(15):  # 4. the smallest project, with what one minimum payment buys
            status, _ = Browser(port).checkout(smallest, {"meals-chicken": "1", "legs-0-from": ""})
            answers[f"form chicken meal on project {smallest} -> {status}"] += 1
        after = stock(port)
        for line, n in sorted(answers.items()):
            print(f"  {n:2d} x {line}")

        # The real visitor: a chicken meal on every project, and a PEK-CTU economy return
        # (about 0.4 t) on every project with room for it under the share (5 % of 500 kg is not).
        visitor = Browser(port, "127.0.0.2")
        bought = []
        for pid in projects:
            meal = visitor.buy(pid, {"meals-chicken": "1"})
            trip = visitor.buy(pid, {"legs-0-from": "PEK", "legs-0-to": "CTU"}) if before[pid] >= 20_000 else "-"
            bought.append(meal.startswith("paid") and trip[0] in "p-")
            print(f"visitor on project {pid}: chicken meal -> {meal}; PEK-CTU return -> {trip}")

        worst = 100.0
        for pid in projects:
            share = 100.0 * after[pid] / before[pid] if before[pid] else 100.0
            worst = min(worst, share)
            print(f"project {pid}: {before[pid]:>10,} kg left before, {after[pid]:>10,} after the attack: "
                  f"{share:.2f} % available")
        print(f"RESULT: at least {worst:.2f} % of every project's stock left to a real visitor; "
              f"visitor bought on {sum(bought)}/{len(bought)} projects")
        return 0 if worst >= 90 and all(bought) else 1
    finally:
        server.shutdown()
        tmp.cleanup()


if __name__ == "__main__":
    sys.exit(main())

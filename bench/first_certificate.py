"""The first certificate image in a fresh server process, and the same image on another server.

    .venv/bin/python bench/first_certificate.py [--runs 5] [--database URL]

Pays one order per run (through orders.start and orders.fulfil), then in a NEW
Python process per run, with no font warm-up (wsgi.py's warm_up is not called):
app created, /healthz timed, one event page served (so the ORM's one-off mapper
set-up is not counted as rendering), then GET /c/<token>.png timed (the first
render, which stores the PNG); then the same URL again in ANOTHER new process
(another "server": served from the database, no render). The third line is a
certificate as the very first request of a process (mapper set-up included).
Prints medians and ratios to /healthz in the same process. Target (issue #16):
first render under 100 ms.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

from _site import ROOT, seeded_database

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
from app import create_app
app = create_app({{"SQLALCHEMY_DATABASE_URI": {url!r}, "TESTING": False, "BASE_URL": ""}})
client = app.test_client()
client.get("/healthz")
if {after_page!r}:
    client.get("/e/cdcn-forum-2021")  # any ORM page first: mappers configured, as in a worker that served a page
start = time.perf_counter(); client.get("/healthz"); health = time.perf_counter() - start
start = time.perf_counter(); r = client.get("/c/{token}.png"); first = time.perf_counter() - start
assert r.status_code == 200 and r.data[:4] == b"\x89PNG", r.status_code
print(json.dumps({{"health": health * 1000, "image": first * 1000, "bytes": len(r.data)}}))
"""


def paid_certificate(url: str) -> str:
    import datetime as dt

    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Event, Participant, Project
    from app.services.sales import orders

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "BASE_URL": ""})
    with app.app_context():
        event = db.session.execute(select(Event).where(Event.slug == "cdcn-forum-2021")).scalar_one()
        project = db.session.execute(select(Project).where(Project.currency == event.currency)).scalars().first()
        participant = Participant(token=__import__("secrets").token_urlsafe(32))
        db.session.add(participant)
        db.session.flush()
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        order = orders.start(
            db.session, event=event, project=project, participant=participant, kg=420, footprint=None,
            display_name="王小明", organization="成都环境交易所", show_on_board=True, provider="demo",
            settings=orders.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000), now=now)
        token = orders.fulfil(db.session, order, now=now).token
        db.session.commit()
        db.engine.dispose()
    return token


def fresh(url: str, token: str, after_page: bool = True) -> dict:
    code = CHILD.format(root=str(ROOT), url=url, token=token, after_page=after_page)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (schema bench_pages); default SQLite")
    args = parser.parse_args()
    url = seeded_database(args.database)
    firsts, others, very_first = [], [], []
    for _ in range(args.runs):
        token = paid_certificate(url)
        firsts.append(fresh(url, token))
        others.append(fresh(url, token))
        very_first.append(fresh(url, paid_certificate(url), after_page=False))
    for label, runs in (("first render, fresh process", firsts), ("stored, another process", others),
                        ("first request of a process", very_first)):
        image = statistics.median(r["image"] for r in runs)
        health = statistics.median(r["health"] for r in runs)
        print(f"{label:<30} {image:7.1f} ms  (/healthz {health:5.2f} ms, {image / health:6.1f}x)"
              f"  {runs[0]['bytes']:,} bytes")


if __name__ == "__main__":
    main()

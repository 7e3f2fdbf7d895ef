"""A certificate image in a fresh server process: stored at payment, or drawn for the request.

    .venv/bin/python bench/first_certificate.py [--runs 5] [--database URL]

Pays one order per run (orders.start, orders.fulfil, then the images stored after the
commit as every payment path does: checkout.store_certificate_images, timed), then in a NEW
Python process per measure, with no font warm-up (wsgi.py's warm_up is not called): app
created, /healthz timed, one event page served (so the ORM's one-off mapper set-up is not
counted), then one GET timed:
- GET /c/<token>.png, the image stored at payment (read from the database, no drawing);
- GET /c/<token>.png?lang=fil, a language not stored: drawn for the request, the first
  render of the process (target, issue #16: under 100 ms);
- the stored image as the very first request of a process (mapper set-up included).
Prints medians and ratios to /healthz in the same process.
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
start = time.perf_counter(); r = client.get({path!r}); first = time.perf_counter() - start
assert r.status_code == 200 and r.data[:4] == b"\x89PNG", r.status_code
print(json.dumps({{"health": health * 1000, "image": first * 1000, "bytes": len(r.data)}}))
"""


def paid_certificate(url: str) -> tuple[str, float]:
    """(token, seconds the payment spent storing its certificate's images)."""
    import datetime as dt
    import time

    from sqlalchemy import select

    from app import create_app
    from app.extensions import db
    from app.models import Event, Participant, Project
    from app.services.sales import checkout, orders
    from app.web import checkout_settings

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
        with app.test_request_context():  # the host the child processes' requests use
            start = time.perf_counter()
            checkout.store_certificate_images(db.session, checkout_settings(), order)
            stored = time.perf_counter() - start
        db.engine.dispose()
    return token, stored


def fresh(url: str, path: str, after_page: bool = True) -> dict:
    code = CHILD.format(root=str(ROOT), url=url, path=path, after_page=after_page)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (schema bench_pages); default SQLite")
    args = parser.parse_args()
    url = seeded_database(args.database)
    stored, drawn, very_first, storing = [], [], [], []
    for _ in range(args.runs):
        token, took = paid_certificate(url)
        storing.append(took * 1000)
        stored.append(fresh(url, f"/c/{token}.png"))
        drawn.append(fresh(url, f"/c/{token}.png?lang=fil"))
        token, took = paid_certificate(url)
        storing.append(took * 1000)
        very_first.append(fresh(url, f"/c/{token}.png", after_page=False))
    for label, runs in (("stored at payment, fresh process", stored), ("drawn for the request (?lang=)", drawn),
                        ("first request of a process", very_first)):
        image = statistics.median(r["image"] for r in runs)
        health = statistics.median(r["health"] for r in runs)
        print(f"{label:<34} {image:7.1f} ms  (/healthz {health:5.2f} ms, {image / health:6.1f}x)"
              f"  {runs[0]['bytes']:,} bytes")
    print(f"{'storing both shapes at payment':<34} {statistics.median(storing):7.1f} ms  (in the paying process)")

if __name__ == "__main__":
    main()

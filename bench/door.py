"""The door: a crowd behind one address, attackers from thirty, and what a real visitor finds.

    .venv/bin/python bench/door.py [--phones 300] [--attack-seconds 60] [--port 1410]

Serves the app with the production serving command (`gunicorn -c gunicorn.conf.py
wsgi:app`, production config, PostgreSQL in its own schema, rate limits in Redis)
on loopback and runs, bounded in count and time:

1. the crowd: PHONES browsers on one address (127.0.0.1, a venue's Wi-Fi), each
   checking out once, a third each through the form, the API and the kiosk;
2. the attack, from thirty addresses (127.0.7.1-30) for at most ATTACK seconds:
   API orders at the personal cap with forged X-Forwarded-For, form checkouts with
   a fresh cookie jar every time, kiosk orders, and organizers who sign themselves
   up and order their events' operations;
3. a real visitor (127.0.200.1) checks out and pays (demo) on every project.

Prints phones through, the answers the attack got, the stock still offered per
project (a share of its unretired credits), and the visitor's outcome; then the
slow-client figure from bench/slow_clients.py when it is there. Exits non-zero
when a phone was turned away, a project offers less than 90 %, or the visitor
could not pay.
"""
from __future__ import annotations

import argparse
import base64
import os
import secrets
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402

from bench.hoard import Browser  # noqa: E402
from bench.race import Server  # noqa: E402
from config import database_url  # noqa: E402

SCHEMA = "bench_door"
EVENT = "cdcn-forum-2021"  # bench.hoard.Browser checks out at this event
PASSWORD = "correct horse battery staple"
TRIP = {"legs-0-from": "PEK", "legs-0-to": "CTU"}
KIOSK = {"mode": "flight", "from": "beijing-cn", "return": "1", "nights": "1"}


def seed(url: str) -> None:
    """The demo data (events, owners, projects, batches) in a fresh schema."""
    from app import create_app
    from app.commands.demo import seed_demo
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}})
    with app.app_context():
        db.create_all()
        seed_demo()
        db.session.remove()
        db.engine.dispose()


def offered(engine) -> dict[int, tuple[int, float]]:
    """Per project: unretired kg and the share of it the ledger still offers others."""
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT p.id, SUM(b.quantity) - SUM(b.retired_kg), "
            "(SELECT COALESCE(SUM(o.credits_kg), 0) FROM orders o WHERE o.project_id = p.id "
            " AND o.status = 'pending' AND o.holds_credits AND o.hold_expires_at > (now() AT TIME ZONE 'utc')) "
            "FROM project p JOIN credit_batch b ON b.project_id = p.id GROUP BY p.id ORDER BY p.id")).all()
    return {pid: (int(unretired), 1 - int(held) / int(unretired)) for pid, unretired, held in rows}


def phone(port: int, i: int, project: int) -> bool:
    """One browser on the venue's address checks out once; True when it reached payment."""
    b = Browser(port)
    channel = i % 3
    if channel == 0:
        status, location = b.checkout(project, TRIP)
        return status == 303 and "/pay/" in location
    if channel == 1:
        status, body = b.json("POST", "/api/v1/orders", {"event": EVENT, "project": project, "kg": 120})
        return status == 201 and "/pay/" in body.get("payment_url", "")
    status, headers, _ = b.form(f"/kiosk/{EVENT}/order", {**KIOSK, "project": str(project)})
    return status == 303 and "/handoff/" in headers.get("Location", "")


def attacker(port: int, n: int, projects: list[int], until: float, engine, answers: Counter, lock) -> None:
    source = f"127.0.7.{n + 1}"
    organizer = None
    if n % 5 == 0:
        organizer = Browser(port, source)
        email = f"hoarder-{n}-{uuid.uuid4().hex[:6]}@example.com"
        organizer.form("/account/signup", {"csrf_token": organizer.token("/account/signup"), "email": email,
                                           "password": PASSWORD, "confirm": PASSWORD, "name": f"Hoarder {n}",
                                           "organization": f"Hoard {n} {email[:14]}"})
        with engine.begin() as conn:  # the organizer's own live event (as its event form would make it)
            org_id = conn.execute(text(
                "SELECT m.organization_id FROM membership m JOIN \"user\" u ON u.id = m.user_id "
                "WHERE u.email = :e"), {"e": email}).scalar()
            event_id = conn.execute(text(
                "INSERT INTO event (slug, name, scenario, description, venue_name, venue_code, city, country, "
                "currency, status, organization_id, color, language, created_at) VALUES (:s, 'Hoard', "
                "'conference', '', 'Hall', '', 'Chengdu', 'CN', 'CNY', 'live', :o, '#0f5132', 'en', now()) "
                "RETURNING id"), {"s": f"hoard-{n}-{email[7:13]}", "o": org_id}).scalar()
    rounds = 0
    while time.monotonic() < until and rounds < 12:
        rounds += 1
        for project in projects:
            got = []
            forger = Browser(port, source, headers={"X-Forwarded-For": f"198.51.100.{rounds}"})
            status, body = forger.json("POST", "/api/v1/orders", {
                "event": EVENT, "project": project, "kg": 20_000})
            got.append(f"api 20 t (forged X-Forwarded-For) -> {status}")
            status, _ = Browser(port, source).checkout(project, {"legs-0-from": "PEK", "legs-0-to": "JFK",
                                                                 "legs-0-cabin": "business"})
            got.append(f"form PEK-JFK business, fresh cookies -> {status}")
            status, _, _ = Browser(port, source).form(f"/kiosk/{EVENT}/order", {**KIOSK, "project": str(project)})
            got.append(f"kiosk walk-up -> {status}")
            if organizer is not None:
                page = f"/organizer/events/{event_id}/operations"
                status, _, _ = organizer.form(page, {"csrf_token": organizer.token(page), "electricity": "900000",
                                                     "project": str(project)})
                got.append(f"organizer operations 900 MWh -> {status}")
            with lock:
                answers.update(got)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phones", type=int, default=300)
    parser.add_argument("--attack-seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=1410)
    args = parser.parse_args()

    raw = os.environ.get("BENCH_DOOR_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    url = database_url(raw, "")
    with create_engine(url).begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    seed(url)
    redis_url = os.environ.get("BENCH_DOOR_REDIS_URL", "redis://127.0.0.1:6379/14")
    import redis

    redis.Redis.from_url(redis_url).flushdb()  # a fresh rate-limit budget for every run
    engine = create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})

    sep = "&" if "?" in raw else "?"
    tmp = Path(tempfile.mkdtemp(prefix="carbondot-door-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "CARBONDOT_", "WECHATPAY_", "ALIPAY_"))}
    env.update({"CARBONDOT_ENV": "production", "SECRET_KEY": secrets.token_urlsafe(48),
                "BASE_URL": f"http://127.0.0.1:{args.port}", "DEMO_PAYMENTS": "1",
                "REGISTRY_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                "DATABASE_URL": f"{raw}{sep}options=-csearch_path%3D{SCHEMA}",
                "REDIS_URL": redis_url,
                "PROXY_COUNT": "1", "SIGNUP_RATE_LIMIT": "1000 per hour", "HOME": str(tmp),
                "ACCESS_LOG": "/dev/null"})
    server = Server(args.port, env, tmp / "server.log")
    server.start()
    try:
        stock = offered(engine)
        projects = sorted(stock)
        roomy = [pid for pid in projects if stock[pid][0] >= 100_000]  # a trip fits one visitor's share there
        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=16) as pool:
            through = list(pool.map(lambda i: phone(args.port, i, roomy[i % len(roomy)]), range(args.phones)))
        crowd_s = time.monotonic() - started
        print(f"crowd: {sum(through)}/{args.phones} phones on one address reached payment in {crowd_s:.1f} s "
              "(form, API and kiosk in turn)")

        answers: Counter = Counter()
        lock = threading.Lock()
        until = time.monotonic() + args.attack_seconds
        threads = [threading.Thread(target=attacker, args=(args.port, n, projects, until, engine, answers, lock))
                   for n in range(30)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        print("attack from 30 addresses:")
        for line, count in sorted(answers.items()):
            print(f"  {count:4d} x {line}")
        stock = offered(engine)
        for pid, (unretired, share) in stock.items():
            print(f"project {pid}: {unretired:>10,} kg unretired, {100 * share:6.2f} % still offered to others")

        visitor = Browser(args.port, "127.0.200.1")
        outcomes = [visitor.buy(pid, {"meals-chicken": "1"}) for pid in projects]
        for pid, outcome in zip(projects, outcomes, strict=True):
            print(f"visitor on project {pid}: chicken meal -> {outcome}")
        worst = min(share for _, share in stock.values())
        paid = all(o.startswith("paid") for o in outcomes)
        print(f"RESULT: {sum(through)}/{args.phones} phones through; at least {100 * worst:.2f} % of every "
              f"project offered; visitor paid on {sum(o.startswith('paid') for o in outcomes)}/{len(projects)}")
        ok = all(through) and worst >= 0.90 and paid
    finally:
        server.stop()
    slow = ROOT / "bench" / "slow_clients.py"
    if slow.exists():
        import subprocess

        done = subprocess.run([sys.executable, str(slow), "--hold", "30", "--slow", "200"], cwd=ROOT)
        ok = ok and done.returncode == 0
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Keep what held: race buyers across two gunicorn servers on one PostgreSQL
database while killing workers (and once a master) with SIGKILL, then check
every ledger invariant. Exits 1 on any violated invariant.

    .venv/bin/python bench/race.py                  # 48 buyers x 6 orders, about 1-2 minutes
    .venv/bin/python bench/race.py --buyers 40 --orders 4 --kills 20

Data: schema `bench_race` in postgresql://postgres@127.0.0.1:5432/test (BENCH_RACE_PG_URL),
dropped and created fresh at the start and dropped at the end unless --keep.
Servers: `gunicorn -c gunicorn.conf.py wsgi:app` (what `make serve` runs), production
settings, demo payments, ports 1210 and 1211 (--port). Loopback only.
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from config import database_url  # noqa: E402

SCHEMA = "bench_race"


def children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


class Server:
    def __init__(self, port: int, env: dict, log: Path):
        self.port, self.env, self.log = port, env, log
        self.proc: subprocess.Popen | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        out = self.log.open("a")
        self.proc = subprocess.Popen([str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"], cwd=ROOT,
                                     env={**self.env, "PORT": str(self.port)}, stdout=out, stderr=out)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise SystemExit(f"server on {self.port} exited; see {self.log}") from None
                time.sleep(0.2)
        raise SystemExit(f"server on {self.port} did not start")

    def workers(self) -> list[int]:
        return children(self.proc.pid) if self.proc and self.proc.poll() is None else []

    def kill_master(self) -> None:
        workers = self.workers()
        os.kill(self.proc.pid, signal.SIGKILL)
        for pid in workers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def call(method: str, url: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as answer:
            return answer.status, json.loads(answer.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            return exc.code, json.loads(exc.read() or b"{}")
        except ValueError:
            return exc.code, {}


def call_retrying(method: str, ports: list[int], path: str, body: dict | None, stats: dict) -> tuple[int, dict]:
    """Try each server in turn; a killed worker drops the connection, the request is tried again."""
    for attempt in range(40):
        port = ports[attempt % len(ports)]
        try:
            status, payload = call(method, f"http://127.0.0.1:{port}{path}", body)
        except (OSError, ValueError):
            stats["dropped"] += 1
            time.sleep(0.1)
            continue
        if status >= 500 or status == 429:
            stats["retried_5xx"] += 1
            time.sleep(0.1)
            continue
        return status, payload
    raise RuntimeError(f"{method} {path} failed 40 times")


def seed(url: str, stock_kg: int) -> tuple[str, int]:
    from app import create_app
    from app.extensions import db
    from app.models import CreditBatch, Event, Project, ProjectOwner

    app = create_app({"SQLALCHEMY_DATABASE_URI": url,
                      "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}})
    with app.app_context():
        db.create_all()
        owner = ProjectOwner(name="Race Owner")
        db.session.add(owner)
        db.session.flush()
        project = Project(owner_id=owner.id, name="Race Hydro", kind="Hydropower", place="Sichuan", standard="CCER",
                          vintage=2024, price_per_tonne_minor=6000, currency="CNY")
        db.session.add(project)
        db.session.flush()
        half = stock_kg // 2
        db.session.add_all([
            CreditBatch(project_id=project.id, vintage=2024, serial_prefix="RACE-A", first_serial=1, quantity=half),
            CreditBatch(project_id=project.id, vintage=2024, serial_prefix="RACE-B", first_serial=1,
                        quantity=stock_kg - half),
        ])
        event = Event(slug="race-forum", name="Race Forum", scenario="conference", venue_name="Hall", city="Chengdu",
                      country="CN", currency="CNY", status="live")
        db.session.add(event)
        db.session.commit()
        result = (event.slug, project.id)
        db.session.remove()
        db.engine.dispose()
    return result


def invariants(engine, stock_kg: int, seen_paid: set[str], seen_orders: set[str]) -> list[str]:
    problems = []
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        for batch_id, quantity, retired, counted in q(
            "SELECT b.id, b.quantity, b.retired_kg, COALESCE(SUM(r.last_serial - r.first_serial + 1), 0) "
            "FROM credit_batch b LEFT JOIN retirement r ON r.batch_id = b.id GROUP BY b.id"
        ):
            if retired != counted:
                problems.append(f"batch {batch_id}: retired_kg {retired} but retirements cover {counted}")
            if counted > quantity:
                problems.append(f"batch {batch_id}: oversold {counted - quantity} kg")
        for (bad,) in q("SELECT r.id FROM retirement r JOIN credit_batch b ON b.id = r.batch_id "
                        "WHERE r.first_serial < b.first_serial OR r.last_serial >= b.first_serial + b.quantity "
                        "OR r.last_serial < r.first_serial"):
            problems.append(f"retirement {bad} outside its batch")
        for a, b in q("SELECT x.id, y.id FROM retirement x JOIN retirement y ON x.batch_id = y.batch_id "
                      "AND x.id < y.id AND x.first_serial <= y.last_serial AND y.first_serial <= x.last_serial"):
            problems.append(f"retirements {a} and {b} overlap")
        for public_id, kg, covered, certs in q(
            "SELECT o.public_id, o.credits_kg, COALESCE((SELECT SUM(last_serial - first_serial + 1) FROM retirement r "
            "WHERE r.order_id = o.id), 0), (SELECT COUNT(*) FROM certificate c WHERE c.order_id = o.id) "
            "FROM orders o WHERE o.status = 'paid'"
        ):
            if covered != kg:
                problems.append(f"paid order {public_id}: {kg} kg of credits but {covered} serials")
            if certs != 1:
                problems.append(f"paid order {public_id}: {certs} certificates")
        for public_id, status in q(
            "SELECT o.public_id, o.status FROM orders o WHERE o.status <> 'paid' AND (EXISTS (SELECT 1 FROM "
            "retirement r WHERE r.order_id = o.id) OR EXISTS (SELECT 1 FROM certificate c WHERE c.order_id = o.id))"
        ):
            problems.append(f"{status} order {public_id} has serials or a certificate")
        # credits_kg: what an order holds and retires (more than asked when the minimum charge applies)
        (paid_kg,) = q("SELECT COALESCE(SUM(credits_kg), 0) FROM orders WHERE status = 'paid'")[0]
        (held_kg,) = q("SELECT COALESCE(SUM(credits_kg), 0) FROM orders WHERE status = 'pending' AND holds_credits "
                       "AND hold_expires_at > (now() AT TIME ZONE 'utc')")[0]
        if paid_kg + held_kg > stock_kg:
            problems.append(f"paid {paid_kg} + held {held_kg} kg exceed the {stock_kg} kg issued")
        stored = {row[0]: row[1] for row in q("SELECT public_id, status FROM orders")}
        for public_id in seen_orders - set(stored):
            problems.append(f"order {public_id} answered 201 but is not stored")
        for public_id in seen_paid:
            if stored.get(public_id) != "paid":
                problems.append(f"order {public_id} answered paid but is {stored.get(public_id)}")
    return problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--buyers", type=int, default=48)
    parser.add_argument("--orders", type=int, default=6, help="orders per buyer")
    parser.add_argument("--stock", type=int, default=8000, help="kg issued (two batches)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--kills", type=int, default=30, help="worker SIGKILLs at most")
    parser.add_argument("--port", type=int, default=1210)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    random.seed(12)

    raw = os.environ.get("BENCH_RACE_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
    url = database_url(raw, "")
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    slug, project_id = seed(url, args.stock)
    check_engine = create_engine(url, connect_args={"options": f"-csearch_path={SCHEMA}"})

    sep = "&" if "?" in raw else "?"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "REDIS_URL", "CARBONDOT_"))}
    tmp = Path(tempfile.mkdtemp(prefix="carbondot-race-"))
    env.update({"CARBONDOT_ENV": "production", "SECRET_KEY": secrets.token_hex(32), "DEMO_PAYMENTS": "1",
                "BASE_URL": "https://race.example",
                "REGISTRY_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                "DATABASE_URL": f"{raw}{sep}options=-csearch_path%3D{SCHEMA}",
                "WEB_CONCURRENCY": str(args.workers), "API_RATE_LIMIT": "1000000 per minute",
                "API_WRITE_RATE_LIMIT": "1000000 per minute",
                # Every buyer is 127.0.0.1: the per-client share rule is for bench/hoard.py, not this race.
                "HOLD_SHARE_PERCENT": "100", "HOME": str(tmp), "ACCESS_LOG": "/dev/null"})
    ports = [args.port, args.port + 1]
    servers = [Server(p, env, tmp / f"server-{p}.log") for p in ports]
    for server in servers:
        server.start()

    stats = {"dropped": 0, "retried_5xx": 0, "created": 0, "sold_out": 0, "paid": 0, "failed": 0,
             "worker_kills": 0, "master_kills": 0}
    seen_orders: set[str] = set()
    seen_paid: set[str] = set()
    latencies: list[float] = []
    lock = threading.Lock()
    done = threading.Event()

    def buyer(n: int) -> None:
        rng = random.Random(n)
        order_ports = ports if n % 2 == 0 else ports[::-1]
        for _ in range(args.orders):
            started = time.monotonic()
            status, order = call_retrying("POST", order_ports, "/api/v1/orders",
                                          {"event": slug, "project": project_id, "kg": rng.randint(10, 60)}, stats)
            with lock:
                latencies.append(time.monotonic() - started)
            if status == 409:
                with lock:
                    stats["sold_out"] += 1
                continue
            if status != 201:
                raise RuntimeError(f"order answered {status}: {order}")
            outcome = "paid" if rng.random() < 0.85 else "failed"
            with lock:
                stats["created"] += 1
                seen_orders.add(order["id"])
            status, answer = call_retrying("POST", order_ports[::-1], f"/api/v1/orders/{order['id']}/demo-pay",
                                           {"outcome": outcome}, stats)
            with lock:
                if status == 200 and answer.get("status") == "paid":
                    stats["paid"] += 1
                    seen_paid.add(order["id"])
                else:
                    stats["failed"] += 1

    def killer() -> None:
        rng = random.Random(99)
        master_killed = False
        while not done.is_set() and stats["worker_kills"] < args.kills:
            time.sleep(rng.uniform(0.2, 0.6))
            server = rng.choice(servers)
            if not master_killed and stats["worker_kills"] >= args.kills // 2:
                server.kill_master()
                stats["master_kills"] += 1
                master_killed = True
                server.start()  # restart, as a process supervisor would
                continue
            workers = server.workers()
            if workers:
                try:
                    os.kill(rng.choice(workers), signal.SIGKILL)
                    stats["worker_kills"] += 1
                except ProcessLookupError:
                    pass

    started = time.monotonic()
    threads = [threading.Thread(target=buyer, args=(n,)) for n in range(args.buyers)]
    kill_thread = threading.Thread(target=killer)
    errors: list[str] = []
    try:
        kill_thread.start()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    except Exception as exc:  # reported as a violation below
        errors.append(repr(exc))
    finally:
        done.set()
        kill_thread.join()
    elapsed = time.monotonic() - started
    # Restart both servers and read through HTTP once more: the state survives a full restart.
    for server in servers:
        server.stop()
        server.start()
    health = [call("GET", f"http://127.0.0.1:{p}/healthz")[0] for p in ports]
    left = call("GET", f"http://127.0.0.1:{ports[0]}/api/v1/projects")[1]["projects"][0]["kg_left"]
    for server in servers:
        server.stop()

    problems = errors + invariants(check_engine, args.stock, seen_paid, seen_orders)
    if health != [200, 200]:
        problems.append(f"/healthz after restart: {health}")
    with check_engine.connect() as conn:
        paid_kg = conn.execute(text("SELECT COALESCE(SUM(credits_kg), 0) FROM orders WHERE status = 'paid'")).scalar()
    print(f"race: {args.buyers} buyers x {args.orders} orders over 2 gunicorn servers x {args.workers} workers, "
          f"PostgreSQL, {args.stock} kg in 2 batches, {elapsed:.1f} s")
    print(f"  orders created {stats['created']}, sold out {stats['sold_out']}, paid {stats['paid']}, "
          f"failed {stats['failed']}")
    print(f"  SIGKILLs: {stats['worker_kills']} workers, {stats['master_kills']} master (restarted); "
          f"dropped connections retried {stats['dropped']}, 5xx/429 retried {stats['retried_5xx']}")
    print(f"  order call median {statistics.median(latencies) * 1000:.0f} ms, "
          f"p95 {sorted(latencies)[int(len(latencies) * 0.95) - 1] * 1000:.0f} ms")
    print(f"  paid {paid_kg} kg, left {left} kg of {args.stock} kg; oversold "
          f"{max(0, paid_kg - args.stock)} kg")
    print(f"  invariants: {'all hold' if not problems else f'{len(problems)} VIOLATED'}")
    for problem in problems[:50]:
        print("   -", problem)
    if not args.keep:
        check_engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
    admin.dispose()
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

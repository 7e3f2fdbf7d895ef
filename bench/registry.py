"""The public register: checkpoint and proof latency as the log grows (SQLite, in-process).

    .venv/bin/python bench/registry.py                  # sizes 1,000 and 50,000
    .venv/bin/python bench/registry.py --sizes 1000 200000 --runs 300

Appends synthetic leaves through app.services.register.registry.append (the same code a
payment runs, one transaction per 500 appends), then times requests through the
Flask test client: /healthz, the signed checkpoint, an inclusion proof of a random
entry, a consistency proof between random sizes and one page of entries. Prints
medians and the ratio to /healthz in the same run, so a checkpoint that read the
whole log would show up as a ratio growing with the size.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.models import utcnow  # noqa: E402
from app.services.register import registry  # noqa: E402


def fill(target: int) -> float:
    start = time.perf_counter()
    now = utcnow()
    while registry.size(db.session) < target:
        for _ in range(min(500, target - registry.size(db.session))):
            registry.append(db.session, "retire", 1, lambda seq: registry.leaf(
                seq, "retire", f"CD-2026-{seq:06d}", {"id": 1, "name": "Bench", "standard": "CCER"},
                [{"batch": "B", "first": f"B-{seq * 10:010d}", "last": f"B-{seq * 10 + 9:010d}", "kg": 10}], now), now)
        db.session.commit()
    return time.perf_counter() - start


def median_ms(client, make_url, runs: int) -> float:
    times = []
    for i in range(runs + 5):
        url = make_url()
        t = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - t
        assert response.status_code == 200, (url, response.status_code)
        if i >= 5:
            times.append(elapsed)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 50000])
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    rng = random.Random(17)
    with tempfile.TemporaryDirectory(prefix="carbondot-bench-registry-") as tmp:
        app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/bench.db", "TESTING": False})
        with app.app_context():
            db.create_all()
            client = app.test_client()
            print(f"{'entries':>8} {'append/s':>9} {'healthz':>8} {'checkpoint':>14} {'inclusion':>14} "
                  f"{'consistency':>14} {'page of 100':>14}   (median ms, ratio to /healthz)")
            filled = 0
            for n in sorted(args.sizes):
                seconds = fill(n)
                rate = (n - filled) / seconds
                filled = n
                healthz = median_ms(client, lambda: "/healthz", args.runs)
                rows = [
                    median_ms(client, lambda: "/api/v1/registry/checkpoint", args.runs),
                    median_ms(client, lambda n=n: f"/api/v1/registry/proof/inclusion?index={rng.randrange(n)}&size={n}",
                              args.runs),
                    median_ms(client, lambda n=n: f"/api/v1/registry/proof/consistency?first={rng.randrange(1, n)}"
                              f"&second={n}", args.runs),
                    median_ms(client, lambda n=n: f"/api/v1/registry/entries?start={rng.randrange(n - 100)}",
                              args.runs),
                ]
                cells = " ".join(f"{ms:7.2f} ({ms / healthz:4.1f}x)" for ms in rows)
                print(f"{n:>8} {rate:>9.0f} {healthz:8.2f} {cells}")


if __name__ == "__main__":
    main()

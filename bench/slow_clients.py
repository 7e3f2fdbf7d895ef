"""Slow clients cost nothing: /healthz stays fast and no request is lost while 200 connections crawl.

    .venv/bin/python bench/slow_clients.py [--hold 30] [--slow 200] [--workers 2] [--port 1602] [--database URL]

Starts the production serving command (`gunicorn -c gunicorn.conf.py wsgi:app`, as `make serve`
does) with `--workers` workers on 127.0.0.1 over a seeded SQLite file (or, with `--database`, the
PostgreSQL schema `bench_pages`), then for `--hold` seconds keeps `--slow` slow connections open:

- half send a request's headers a byte a second (slowloris); one the server closes is opened
  again at once, as an attacker would;
- half send `POST /api/v1/footprint` with its headers at once and its JSON body a byte a second.

Meanwhile one client asks /healthz in a loop (latency from connect to the last byte) and another
sends normal footprint requests. At the end of the hold every slow client sends the rest of its
request at once: each must be answered or have been closed by the server, none may hang.
Exits 1 if /healthz p99 >= 1 s, a normal request failed, or a slow request hung.
Loopback only; about `--hold` + 15 s.
"""
from __future__ import annotations

import argparse
import asyncio
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from _site import ROOT, seeded_database

FOOTPRINT = b'{"legs": [{"mode": "flight", "from": "PEK", "to": "CTU"}]'  # + padding + "}"
ANSWER_SECONDS = 15  # after the hold, a slow request must be answered or closed within this


class Tally:
    def __init__(self) -> None:
        self.health: list[float] = []
        self.health_errors: list[str] = []
        self.normal = 0
        self.normal_errors: list[str] = []
        self.answered: dict[str, dict[int, int]] = {"headers": {}, "body": {}}
        self.closed: dict[str, list[float]] = {"headers": [], "body": []}  # seconds each was held
        self.hung: dict[str, int] = {"headers": 0, "body": 0}
        self.refused: dict[str, int] = {"headers": 0, "body": 0}


async def exchange(port: int, request: bytes, source: str = "127.0.0.1", timeout: float = 10) -> int:
    """One request on a new connection (`Connection: close`): the status code."""
    reader, writer = await asyncio.wait_for(
        asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), timeout)
    try:
        writer.write(request)
        answer = await asyncio.wait_for(reader.read(), timeout)
    finally:
        writer.close()
    match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
    if not match:
        raise ConnectionError(f"no HTTP answer ({len(answer)} bytes)")
    return int(match.group(1))


def footprint_request(pad: int) -> bytes:
    body = FOOTPRINT + b" " * pad + b"}"
    return (b"POST /api/v1/footprint HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body)) + body


async def slow_client(kind: str, port: int, source: str, until: float, tally: Tally) -> None:
    """Crawl a byte a second until `until` (reconnecting when the server closes), then finish."""
    if kind == "headers":
        pad = int(until - time.monotonic()) + 10
        request = (b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-bench\r\n"
                   b"X-Padding: " + b"a" * pad + b"\r\nConnection: close\r\n\r\n")
        head = 0  # everything is slow
    else:
        request = footprint_request(int(until - time.monotonic()) + 10)
        head = request.index(b"\r\n\r\n") + 4  # headers at once, then the body a byte a second
    while True:
        opened = time.monotonic()
        try:
            reader, writer = await asyncio.wait_for(
                asyncio.open_connection("127.0.0.1", port, local_addr=(source, 0)), 10)
        except (TimeoutError, OSError):
            tally.refused[kind] += 1
            if time.monotonic() >= until:
                return
            await asyncio.sleep(1)
            continue
        sent = head
        try:
            writer.write(request[:head])
            while time.monotonic() < until and not reader.at_eof():
                writer.write(request[sent:sent + 1])
                await writer.drain()
                sent += 1
                await asyncio.sleep(min(1.0, max(0.0, until - time.monotonic())))
            if reader.at_eof():
                raise ConnectionResetError
            writer.write(request[sent:])  # the hold is over: the rest at once
            await writer.drain()
            try:
                answer = await asyncio.wait_for(reader.read(), ANSWER_SECONDS)
            except TimeoutError:
                tally.hung[kind] += 1
                return
            match = re.match(rb"HTTP/1\.[01] (\d{3})", answer)
            if match is None:
                raise ConnectionResetError
            status = int(match.group(1))
            tally.answered[kind][status] = tally.answered[kind].get(status, 0) + 1
            return
        except (ConnectionResetError, BrokenPipeError):
            tally.closed[kind].append(time.monotonic() - opened)
            if time.monotonic() >= until:
                return
        finally:
            writer.close()


async def prober(port: int, until: float, tally: Tally) -> None:
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    while time.monotonic() < until:
        start = time.perf_counter()
        try:
            status = await exchange(port, request, timeout=10)
            tally.health.append(time.perf_counter() - start)
            if status != 200:
                tally.health_errors.append(f"HTTP {status}")
        except (TimeoutError, OSError) as exc:
            tally.health_errors.append(type(exc).__name__)
        await asyncio.sleep(0.05)


async def normal_traffic(port: int, until: float, tally: Tally) -> None:
    """A footprint estimate every 0.2 s, each from its own address (one rate-limit budget each)."""
    n = 0
    while time.monotonic() < until:
        n += 1
        source = f"127.0.3.{n % 250 + 1}"
        try:
            status = await exchange(port, footprint_request(0), source, timeout=10)
            tally.normal += 1
            if status != 200:
                tally.normal_errors.append(f"HTTP {status}")
        except (TimeoutError, OSError) as exc:
            tally.normal_errors.append(type(exc).__name__)
        await asyncio.sleep(0.2)


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else float("nan")


async def run(port: int, slow: int, hold: float) -> Tally:
    warm = Tally()
    await prober(port, time.monotonic() + 2, warm)  # the quiet baseline
    print(f"quiet /healthz: p50 {percentile(warm.health, .5):.1f} ms, p99 {percentile(warm.health, .99):.1f} ms "
          f"({len(warm.health)} requests)")
    tally = Tally()
    until = time.monotonic() + hold
    crawlers = [slow_client("headers" if i % 2 == 0 else "body", port, f"127.0.{1 + i % 2}.{i // 2 % 250 + 1}",
                            until, tally) for i in range(slow)]
    await asyncio.gather(prober(port, until, tally), normal_traffic(port, until, tally), *crawlers)
    return tally


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--hold", type=float, default=30, help="seconds the slow connections are held")
    parser.add_argument("--slow", type=int, default=200, help="slow connections (half headers, half bodies)")
    parser.add_argument("--workers", type=int, default=2, help="WEB_CONCURRENCY for the server")
    parser.add_argument("--port", type=int, default=1602)
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL URL (schema bench_pages is used); default: a new SQLite file")
    args = parser.parse_args()
    url = seeded_database(args.database)
    env = {**os.environ, "DATABASE_URL": url, "CARBONDOT_ENV": "development",
           "WEB_CONCURRENCY": str(args.workers), "BIND": f"127.0.0.1:{args.port}"}
    env.pop("REDIS_URL", None)  # limits in memory: the bench needs nothing but loopback
    log_path = os.path.join(tempfile.mkdtemp(prefix="carbondot-gunicorn-"), "server.log")
    log = open(log_path, "wb")  # noqa: SIM115
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(300):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                assert server.poll() is None, Path(log_path).read_text()
                time.sleep(0.1)
        worker = re.search(r"Using worker: (\S+)", Path(log_path).read_text())
        print(f"gunicorn -c gunicorn.conf.py wsgi:app, {args.workers} workers ({worker.group(1) if worker else '?'}), "
              f"{url.split(':')[0]}; {args.slow} slow connections held {args.hold:g} s")
        started = time.monotonic()
        tally = asyncio.run(run(args.port, args.slow, args.hold))
        took = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(30)
    p99 = percentile(tally.health + [float("inf")] * len(tally.health_errors), .99)  # a failure is slowest
    shown = f"{p99:.1f} ms" if p99 != float("inf") else "over 10 s (timed out)"
    print(f"/healthz under slow clients: p50 {percentile(tally.health, .5):.1f} ms, p99 {shown}, "
          f"max {percentile(tally.health, 1):.1f} ms, {len(tally.health)} answered, "
          f"{len(tally.health_errors)} errors {sorted(set(tally.health_errors))}")
    print(f"normal footprint requests: {tally.normal} answered, {len(tally.normal_errors)} failed "
          f"{sorted(set(tally.normal_errors))}")
    for kind, label in (("headers", "slow headers"), ("body", "slow bodies")):
        closed = tally.closed[kind]
        held = f", held {percentile(closed, .5) / 1000:.1f} s median before closing" if closed else ""
        print(f"{label}: answered {dict(sorted(tally.answered[kind].items()))}, closed by the server "
              f"{len(closed)}{held}, hung {tally.hung[kind]}, refused {tally.refused[kind]}")
    print(f"run took {took:.1f} s; server log {log_path}")
    failures = []
    if not p99 < 1000:
        failures.append(f"/healthz p99 {shown} >= 1 s")
    if tally.health_errors or tally.normal_errors:
        failures.append("a normal request failed")
    if sum(tally.hung.values()):
        failures.append("a slow request hung")
    print("RESULT: " + ("; ".join(failures) if failures else "slow clients cost nothing"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())

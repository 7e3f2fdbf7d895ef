"""Page speed at the door (issue #28): where a page's time goes, how many a server answers, what a phone sees.

    .venv/bin/python bench/speed.py profile [--top 25]        # cProfile of one request per page, in process
    .venv/bin/python bench/speed.py live [--runs 300]         # calculator live update (htmx POST), 3 trips: p50/p95
    .venv/bin/python bench/speed.py serve [--seconds 5]       # req/s under wrk vs /healthz, first and repeat views
    .venv/bin/python bench/speed.py lighthouse [--runs 3] [--page event] [--throttling devtools]
                                                              # Lighthouse mobile: LCP, TBT, scores

`serve` and `lighthouse` start the production serving command (`gunicorn -c gunicorn.conf.py
wsgi:app`, production config) over a seeded SQLite file, as bench/poll.py does. A first view
sends no cookie; a repeat view sends the participant cookie of a visitor who paid (their
certificate is the certificate page measured). Every req/s is also given as a ratio to
/healthz measured just before it, and every section prints the load average.
Lighthouse: `npm install lighthouse@12` somewhere (default /tmp/lh-speed; LIGHTHOUSE=path/to/bin),
Chromium at CHROME_PATH (default /usr/bin/chromium).
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import re
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

from _site import ROOT, seeded_database

EVENT = "cdcn-forum-2021"
PAGES = {
    "event": f"/e/{EVENT}",
    "calculator": f"/e/{EVENT}/calculate",
    "certificate": "/c/{token}",
    "kiosk home": f"/kiosk/{EVENT}",
    "event zh": f"/e/{EVENT}?lang=zh",
}
THREE_TRIPS = {
    "leg_count": "3",
    "legs-0-mode": "flight", "legs-0-from": "PEK", "legs-0-to": "CTU", "legs-0-return": "on",
    "legs-1-mode": "rail_hsr", "legs-1-distance_km": "300",
    "legs-2-mode": "taxi", "legs-2-distance_km": "40",
    "action": "update",
}


def load() -> str:
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def site(database: str | None) -> tuple[str, str, str]:
    """(database URL, a paid certificate's token, its buyer's participant token)."""
    from first_certificate import paid_certificate
    from sqlalchemy import select

    url = seeded_database(database)
    token, _ = paid_certificate(url)
    from app import create_app
    from app.extensions import db
    from app.models import Certificate

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "BASE_URL": ""})
    with app.app_context():
        cert = db.session.execute(select(Certificate).where(Certificate.token == token)).scalar_one()
        participant = cert.order.participant.token
        db.engine.dispose()
    return url, token, participant


ONLY: list[str] = []


def paths(token: str) -> dict[str, str]:
    return {name: path.format(token=token) for name, path in PAGES.items() if not ONLY or name in ONLY}


def in_process_app(url: str):
    from app import create_app

    return create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "BASE_URL": "",
                       "RATELIMIT_ENABLED": False, "LIVE_STAMP_SECONDS": 1.0})  # as in production


def profile(args) -> None:
    url, token, participant = site(args.database)
    app = in_process_app(url)
    client = app.test_client()
    cookie = app.config["PARTICIPANT_COOKIE"]
    print(load())
    for name, path in paths(token).items():
        for view in ("first", "repeat"):
            def get(view=view, path=path):
                c = app.test_client()
                if view == "repeat":
                    c.set_cookie(cookie, participant)
                return c.get(path)
            for _ in range(20):
                assert get().status_code == 200, (path, get().status_code)
            times = []
            for _ in range(args.runs):
                start = time.perf_counter()
                get()
                times.append((time.perf_counter() - start) * 1000)
            health = []
            for _ in range(args.runs):
                start = time.perf_counter()
                client.get("/healthz")
                health.append((time.perf_counter() - start) * 1000)
            ms, hz = statistics.median(times), statistics.median(health)
            print(f"\n== {name} {view} view {path}: median {ms:.2f} ms of {args.runs}, /healthz {hz:.2f} ms "
                  f"({ms / hz:.1f}x)  {load()}")
            if view == "repeat" and not args.both:
                continue
            prof = cProfile.Profile()
            prof.enable()
            for _ in range(20):
                get()
            prof.disable()
            out = io.StringIO()
            stats = pstats.Stats(prof, stream=out)
            stats.sort_stats("cumulative").print_stats(args.top)
            lines = [ln for ln in out.getvalue().splitlines() if ln.strip()]
            print("\n".join(lines[3:]))


def live(args) -> None:
    url, _, _ = site(args.database)
    app = in_process_app(url)
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    headers = {"HX-Request": "true", "HX-Target": "result"}
    path = f"/e/{EVENT}/calculate"
    response = client.post(path, data=THREE_TRIPS, headers=headers)
    errors = re.findall(r'class="error"[^>]*>([^<]+)', response.get_data(as_text=True))
    assert response.status_code == 200, (response.status_code, errors)
    body = response.get_data(as_text=True)
    assert "kg" in body, body[:500]
    for _ in range(10):
        client.post(path, data=THREE_TRIPS, headers=headers)
    samples, health = [], []
    for _ in range(args.runs):
        start = time.perf_counter()
        client.post(path, data=THREE_TRIPS, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        client.get("/healthz")
        health.append((time.perf_counter() - start) * 1000)
    samples.sort()
    p95 = samples[int(len(samples) * 0.95)]
    hz = statistics.median(health)
    print(f"calculator live update, 3 trips, {args.runs} runs: median {statistics.median(samples):.2f} ms, "
          f"p95 {p95:.2f} ms (/healthz median {hz:.2f} ms)  {load()}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        for _ in range(30):
            client.post(path, data=THREE_TRIPS, headers=headers)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(args.top)


class Server:
    def __init__(self, url: str, port: int, workers: int | None):
        import base64
        import secrets

        env = {k: v for k, v in os.environ.items() if not k.startswith(("STRIPE_", "REDIS_URL", "CARBONDOT_"))}
        env.update({"DATABASE_URL": url, "CARBONDOT_ENV": "production", "BIND": f"127.0.0.1:{port}",
                    "SECRET_KEY": secrets.token_hex(32), "DEMO_PAYMENTS": "1", "ACCESS_LOG": "/dev/null",
                    "REGISTRY_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                    "BASE_URL": f"http://127.0.0.1:{port}"})
        if workers:
            env["WEB_CONCURRENCY"] = str(workers)
        self.log = os.path.join(tempfile.mkdtemp(prefix="carbondot-speed-"), "server.log")
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                                         cwd=ROOT, env=env, stdout=log, stderr=log)
        self.base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                urllib.request.urlopen(self.base + "/healthz", timeout=1)
                return
            except OSError:
                if self.proc.poll() is not None:
                    break
                time.sleep(0.1)
        with open(self.log) as log:
            raise SystemExit("server did not start: " + log.read()[-3000:])

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(15)


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> tuple[float, float, int]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    out = subprocess.run(cmd + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    bad = int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0
    return rps, ms, bad


def serve(args) -> None:
    url, token, participant = site(args.database)
    server = Server(url, args.port, args.workers)
    cookie_name = "cd_participant"
    try:
        from app import create_app

        cookie_name = create_app({"SQLALCHEMY_DATABASE_URI": url}).config["PARTICIPANT_COOKIE"]
        accept = {"Accept-Encoding": "br, gzip", "Accept-Language": "en"}
        print(f"gunicorn -c gunicorn.conf.py wsgi:app (production, workers={args.workers or 'config'}), "
              f"wrk -t2 -c{args.connections} -d{args.seconds}s, SQLite")
        for name, path in paths(token).items():
            for view, headers in (("first", accept), ("repeat", {**accept, "Cookie": f"{cookie_name}={participant}"})):
                check = urllib.request.urlopen(urllib.request.Request(server.base + path, headers=headers))
                assert check.status == 200, (path, check.status)
                health, hp99, _ = wrk(server.base + "/healthz", {}, args.seconds, args.connections)
                rps, p99, bad = wrk(server.base + path, headers, args.seconds, args.connections)
                errors = f"  {bad} non-2xx/3xx" if bad else ""
                print(f"{name + ' ' + view:<20} {rps:7.0f} req/s p99 {p99:6.1f} ms | /healthz {health:5.0f} "
                      f"| {rps / health:4.2f}x{errors}  {load()}", flush=True)
    finally:
        server.stop()


def lighthouse(args) -> None:
    url, token, _ = site(args.database)
    server = Server(url, args.port, args.workers)
    binary = os.environ.get("LIGHTHOUSE", "/tmp/lh-speed/node_modules/.bin/lighthouse")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    try:
        print(f"Lighthouse mobile (slow 4G, 4x CPU; throttling {args.throttling}), median of {args.runs}")
        for name, path in paths(token).items():
            for _ in range(30):  # every worker has served it: a door's server is warm
                urllib.request.urlopen(server.base + path).read()
            runs = []
            for _ in range(args.runs):
                out = os.path.join(tempfile.mkdtemp(prefix="carbondot-lh-"), "report.json")
                subprocess.run([binary, server.base + path, "--quiet", "--output=json", f"--output-path={out}",
                                "--only-categories=performance,accessibility,best-practices",
                                "--chrome-flags=--headless=new --no-sandbox", f"--throttling-method={args.throttling}"],
                               env=env, check=True, capture_output=True)
                with open(out) as f:
                    report = json.load(f)
                audits, cats = report["audits"], report["categories"]
                runs.append({
                    "lcp": audits["largest-contentful-paint"]["numericValue"],
                    "fcp": audits["first-contentful-paint"]["numericValue"],
                    "tbt": audits["total-blocking-time"]["numericValue"],
                    "perf": cats["performance"]["score"] * 100,
                    "a11y": cats["accessibility"]["score"] * 100,
                    "bp": cats["best-practices"]["score"] * 100,
                    "ttfb": audits["server-response-time"]["numericValue"],
                    "lcp_element": (audits.get("largest-contentful-paint-element", {}).get("details", {})
                                    .get("items", [{}])[0].get("items", [{}])[0].get("node", {})
                                    .get("snippet", "?")),
                    "failed": [k for k, a in audits.items() if a.get("score") is not None and a["score"] < 1
                               and a.get("scoreDisplayMode") in ("binary", "metricSavings", "numeric")][:8],
                })
            med = {k: statistics.median(r[k] for r in runs) for k in ("lcp", "fcp", "tbt", "perf", "a11y", "bp")}
            print(f"{name:<12} LCP {med['lcp'] / 1000:4.2f} s  FCP {med['fcp'] / 1000:4.2f} s  TBT {med['tbt']:4.0f} ms"
                  f"  server {statistics.median(r['ttfb'] for r in runs):3.0f} ms"
                  f"  perf {med['perf']:3.0f} a11y {med['a11y']:3.0f} bp {med['bp']:3.0f}  {load()}", flush=True)
            print(f"{'':<12} LCP element: {runs[0]['lcp_element'][:100]}")
            if runs[0]["failed"]:
                print(f"{'':<12} below 1: {', '.join(runs[0]['failed'])}")
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("what", choices=["profile", "live", "serve", "lighthouse"])
    parser.add_argument("--database", default=None, help="a PostgreSQL URL (schema bench_pages); default SQLite")
    parser.add_argument("--runs", type=int, default=None)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--both", action="store_true", help="profile: repeat views too")
    parser.add_argument("--profile", action="store_true", help="live: print a cProfile too")
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--port", type=int, default=1628)
    parser.add_argument("--workers", type=int, default=None, help="WEB_CONCURRENCY; default: gunicorn.conf.py's")
    parser.add_argument("--throttling", default="simulate", choices=["simulate", "devtools"],
                        help="lighthouse: simulate (Lighthouse's default) or devtools (applied while loading)")
    parser.add_argument("--page", action="append", default=[], help="only this page (event, calculator, ...)")
    args = parser.parse_args()
    ONLY.extend(args.page)
    if args.runs is None:
        args.runs = {"profile": 50, "live": 300, "lighthouse": 3}.get(args.what, 0)
    {"profile": profile, "live": live, "serve": serve, "lighthouse": lighthouse}[args.what](args)


if __name__ == "__main__":
    sys.exit(main())

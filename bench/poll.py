"""Phones polling the live fragments: requests/s and p99 on a 2-worker gunicorn.

    .venv/bin/python bench/poll.py [--seconds 10] [--connections 50] [--port 1601]

Starts gunicorn as `make serve` does (`-c gunicorn.conf.py`, access log on) with
2 sync workers, like the issue's box, on a seeded SQLite file,
then runs wrk against /healthz and each live fragment as htmx polls it
(`HX-Request: true`, and `If-None-Match` with the ETag the first answer carried,
as a browser revalidates). A phone polls every 10 s, so phones = req/s x 10 when
p99 stays under 200 ms. Every figure is also given as a ratio to /healthz,
measured again just before it (this machine is shared and noisy).
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
import urllib.request

from _site import ROOT, seeded_database

FRAGMENTS = {
    "event live": "/e/cdcn-forum-2021",
    "event board": "/e/cdcn-forum-2021/board",
    "boards": "/boards",
}


def wrk(url: str, headers: dict[str, str], seconds: int, connections: int) -> tuple[float, float, dict]:
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    out = subprocess.run(args + [url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)]
    codes = {"non-2xx": int(m.group(1)) if (m := re.search(r"Non-2xx or 3xx responses: (\d+)", out)) else 0}
    return rps, float(p99.group(1)) * scale, codes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--port", type=int, default=1601)
    parser.add_argument("--database", default=None,
                        help="a PostgreSQL URL (schema bench_pages is used); default: a new SQLite file")
    args = parser.parse_args()
    url = seeded_database(args.database)
    env = {**os.environ, "DATABASE_URL": url, "CARBONDOT_ENV": "development", "WEB_CONCURRENCY": "2",
           "BIND": f"127.0.0.1:{args.port}"}
    log = open(os.path.join(tempfile.mkdtemp(prefix="carbondot-gunicorn-"), "server.log"), "wb")  # noqa: SIM115
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
                              cwd=ROOT, env=env, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{args.port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        print(f"gunicorn -w 2 on {url.split(':')[0]}, wrk -t2 -c{args.connections} -d{args.seconds}s")
        health, p99, _ = wrk(base + "/healthz", {}, args.seconds, args.connections)
        print(f"{'/healthz':<26} {health:8.0f} req/s  p99 {p99:7.1f} ms  1.00x")
        for name, path in FRAGMENTS.items():
            hx = {"HX-Request": "true", "Accept-Encoding": "br, gzip"}
            request = urllib.request.Request(base + path, headers=hx)
            etag = urllib.request.urlopen(request).headers.get("ETag")
            cases = [("200", hx)]
            if etag:
                cases.append(("304", {**hx, "If-None-Match": etag}))
            for label, headers in cases:
                health, _, _ = wrk(base + "/healthz", {}, args.seconds, args.connections)  # the box right now
                rps, p99, codes = wrk(base + path, headers, args.seconds, args.connections)
                phones = int(rps * 10) if p99 < 200 else 0
                errors = f"  ({codes['non-2xx']} non-2xx/3xx)" if codes["non-2xx"] else ""
                print(f"{name + ' ' + label:<26} {rps:8.0f} req/s  p99 {p99:7.1f} ms  {rps / health:4.2f}x"
                      f"  phones at 10 s: {phones:,}{errors}")
    finally:
        server.terminate()
        server.wait(10)


if __name__ == "__main__":
    sys.exit(main())

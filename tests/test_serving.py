"""Production serving the README's way: `make serve` (gunicorn -c gunicorn.conf.py wsgi:app)."""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).with_name("gunicorn")
SERVE = [str(GUNICORN), "-c", "gunicorn.conf.py", "wsgi:app"]  # what `make serve` and the README run


def test_make_serve_is_the_readme_command():
    dry = subprocess.run(["make", "-n", "serve"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    assert "gunicorn -c gunicorn.conf.py wsgi:app" in dry
    assert "gunicorn -c gunicorn.conf.py wsgi:app" in (ROOT / "README.md").read_text()


def free_port() -> int:
    """A free port in 1200-1299 (the range this project's servers may use)."""
    offset = {"main": 0}.get(os.environ.get("PYTEST_XDIST_WORKER", "main"))
    if offset is None:
        offset = 10 * int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    for port in range(1250 + offset, 1300):
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) != 0:
                return port
    raise RuntimeError("no free port in 1250-1299")


def production_env(tmp_path, **extra) -> dict:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("CARBONDOT_", "SECRET_KEY", "BASE_URL", "REGISTRY_"))}
    env.update({"DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}", "WEB_CONCURRENCY": "1",
                "REGISTRY_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
                "HOME": str(tmp_path), "DEMO_PAYMENTS": "1", **extra})
    return env


def test_gunicorn_starts_from_its_config_and_answers_healthz(tmp_path):
    port = free_port()
    env = production_env(tmp_path, SECRET_KEY=os.urandom(32).hex(), BASE_URL="https://carbondot.example",
                         PORT=str(port))
    server = subprocess.Popen(SERVE, cwd=ROOT, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    started = []
    try:
        # gunicorn says when it listens; from then on a request waits in the socket's queue for a worker.
        for line in server.stdout:
            started.append(line)
            if "Listening at:" in line:
                break
        assert started and "Listening at:" in started[-1], "".join(started)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=60) as answer:
            assert answer.status == 200
            assert answer.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        server.terminate()
        output = "".join(started) + server.communicate(timeout=30)[0]
    assert "GET /healthz" in output  # the access log is on
    assert not (tmp_path / ".gunicorn").exists()  # no control socket


def test_serving_without_a_secret_refuses_and_says_what_to_set(tmp_path):
    env = production_env(tmp_path, PORT=str(free_port()))
    done = subprocess.run(SERVE, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert "SECRET_KEY" in done.stdout + done.stderr and "BASE_URL" in done.stdout + done.stderr

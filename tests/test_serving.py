"""Production serving the README's way: `make serve` (gunicorn -c gunicorn.conf.py wsgi:app)."""
from __future__ import annotations

import base64
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from contextlib import contextmanager
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


@contextmanager
def serving(tmp_path, **extra):
    """The production serving command on a free port, answering /healthz; yields the port."""
    port = free_port()
    env = production_env(tmp_path, SECRET_KEY=os.urandom(32).hex(), BASE_URL="https://carbondot.example",
                         PORT=str(port), ACCESS_LOG=str(tmp_path / "access.log"), **extra)
    server = subprocess.Popen(SERVE, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2):
                    break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                assert time.monotonic() < deadline, "gunicorn did not answer /healthz in 60 s"
                time.sleep(0.3)
        yield port
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    assert "Traceback" not in output and "Exception in" not in output, output  # no hook or worker failed


FOOTPRINT = b'{"legs": [{"mode": "flight", "from": "PEK", "to": "CTU"}]}'


def footprint_head(length: int) -> bytes:
    return (b"POST /api/v1/footprint HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n" % length)


def read_answer(sock: socket.socket, timeout: float = 10) -> bytes:
    """Everything until the server closes (b"" if it closed without answering)."""
    sock.settimeout(timeout)
    chunks = []
    while chunk := sock.recv(65536):
        chunks.append(chunk)
    return b"".join(chunks)


def test_slow_clients_do_not_hold_the_workers(tmp_path):
    """20 clients sending headers a byte at a time and 10 slow bodies, against 2 workers:
    /healthz and a normal request are still answered, every slow body is answered once it is
    in, and the slow headers are cut off by the server (gunicorn.conf.py: gevent workers)."""
    with serving(tmp_path, WEB_CONCURRENCY="2") as port:
        crawlers = [socket.create_connection(("127.0.0.1", port)) for _ in range(20)]
        bodies = [socket.create_connection(("127.0.0.1", port)) for _ in range(10)]
        for body in bodies:
            body.sendall(footprint_head(len(FOOTPRINT)) + FOOTPRINT[:10])
        closed_by_server: list[socket.socket] = []
        stop = threading.Event()

        def crawl():
            request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 100
            for sent in range(len(request)):
                for sock in crawlers:
                    if sock in closed_by_server:
                        continue
                    try:
                        sock.sendall(request[sent:sent + 1])
                        sock.settimeout(0)
                        if sock.recv(1) == b"":
                            closed_by_server.append(sock)
                    except BlockingIOError:
                        pass
                    except OSError:
                        closed_by_server.append(sock)
                if stop.wait(0.2) or len(closed_by_server) == len(crawlers):
                    return

        crawler = threading.Thread(target=crawl)
        crawler.start()
        try:
            time.sleep(1)  # every slow connection is with a worker by now
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as answer:
                assert answer.status == 200
            normal = urllib.request.Request(f"http://127.0.0.1:{port}/api/v1/footprint", data=FOOTPRINT,
                                            headers={"Content-Type": "application/json"})
            with urllib.request.urlopen(normal, timeout=5) as answer:
                assert answer.status == 200 and b"total_kg" in answer.read()
            for body in bodies:  # the rest arrives: each slow body is answered
                body.sendall(FOOTPRINT[10:])
            for body in bodies:
                assert read_answer(body).startswith(b"HTTP/1.1 200 ")
            crawler.join(15)  # headers get `keepalive` (5) seconds, then the server closes
            assert len(closed_by_server) == len(crawlers)
        finally:
            stop.set()
            crawler.join()
            for sock in crawlers + bodies:
                sock.close()


def test_a_body_that_does_not_arrive_is_answered_408(tmp_path):
    with serving(tmp_path, BODY_SECONDS="1") as port, socket.create_connection(("127.0.0.1", port)) as sock:
        sock.sendall(footprint_head(len(FOOTPRINT)) + FOOTPRINT[:10])  # and then nothing
        assert read_answer(sock).startswith(b"HTTP/1.1 408 ")


GREENLETS_ON_SQLITE = """
from gevent import monkey; monkey.patch_all()
import sys, gevent
from sqlalchemy import text
from app import create_app
from app.extensions import db

app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1]})

def holder():
    with app.app_context():
        db.session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: SQLite's write lock
        gevent.sleep(0.5)  # then waits on the network, as /healthz's Redis ping does
        db.session.commit()

def another_request():
    gevent.sleep(0.1)
    with app.app_context():
        db.session.execute(text("SELECT 1"))
        db.session.commit()

gevent.joinall([gevent.spawn(holder), gevent.spawn(another_request)], raise_error=True)
print("both done")
"""


def test_two_requests_of_one_gevent_worker_share_sqlite_without_stalling(tmp_path):
    """Without one pooled connection per worker, the second BEGIN IMMEDIATE would wait in
    SQLite's C busy handler, blocking the holder's greenlet too, for busy_timeout (30 s)."""
    done = subprocess.run([sys.executable, "-c", GREENLETS_ON_SQLITE, f"sqlite:///{tmp_path / 'g.db'}"],
                          cwd=ROOT, capture_output=True, text=True, timeout=20,
                          env=production_env(tmp_path))
    assert done.returncode == 0, done.stderr
    assert "both done" in done.stdout


def test_a_chunked_body_is_read_whole_and_kept_to_the_size_limit(app, client):
    """WholeBody (app/web/serving.py) reads a body without Content-Length to its end, and stops
    one byte past MAX_CONTENT_LENGTH so the app answers 413 as it does for a long Content-Length."""
    import io

    chunked = {"Transfer-Encoding": "chunked", "Content-Type": "application/json"}
    answer = client.post("/api/v1/footprint", input_stream=io.BytesIO(FOOTPRINT), headers=chunked)
    assert answer.status_code == 200 and answer.get_json()["total_kg"] > 0
    app.config["MAX_CONTENT_LENGTH"] = 40
    answer = client.post("/api/v1/footprint", input_stream=io.BytesIO(FOOTPRINT), headers=chunked)
    assert answer.status_code == 413


def test_a_read_only_transaction_on_sqlite_takes_no_write_lock(tmp_path):
    """A shared page's holes (app/web/live.py: a returning phone's rank or name) only read: BEGIN, not
    BEGIN IMMEDIATE, so they neither wait behind a payment's write lock nor hold one up."""
    import pytest
    from sqlalchemy import text
    from sqlalchemy.exc import OperationalError

    from app import create_app
    from app.extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'r.db'}"})
    with app.app_context():
        with db.engine.connect() as setup:
            setup.execute(text("CREATE TABLE paid (kg INTEGER)"))
            setup.commit()

        def impatient(connection):
            connection.connection.driver_connection.execute("PRAGMA busy_timeout=50")  # fail, do not wait 30 s
            return connection

        with db.engine.connect().execution_options(read_only=True) as reader, impatient(db.engine.connect()) as writer:
            assert reader.execute(text("SELECT count(*) FROM paid")).scalar() == 0
            writer.execute(text("INSERT INTO paid VALUES (100)"))  # the reader holds no lock
            writer.commit()
            assert reader.execute(text("SELECT count(*) FROM paid")).scalar() == 0  # its own snapshot
        with db.engine.connect() as holder, impatient(db.engine.connect()) as writer:
            holder.execute(text("SELECT count(*) FROM paid"))  # any other transaction: BEGIN IMMEDIATE
            with pytest.raises(OperationalError, match="locked"):
                writer.execute(text("INSERT INTO paid VALUES (200)"))

"""gunicorn settings for `make serve` (production): `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything can be changed from the environment; the defaults suit one machine
behind a TLS-terminating proxy (set PROXY_COUNT=1 for the app to trust it).
"""
import multiprocessing
import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# gevent workers: each connection is a greenlet, so a client sending its request a byte a second
# holds a few KB, not a worker (a sync worker is held whole: 4 such clients stalled /healthz).
# gunicorn's gevent worker calls gevent's monkey.patch_all() in each worker before it imports
# wsgi.py, so psycopg, SQLAlchemy's pool and redis all wait cooperatively; the app therefore must
# not be preloaded in the master (preload_app), and this file imports none of it.
# Slow clients are bounded: request headers must arrive within `keepalive` seconds (gunicorn's
# gevent worker times the header read with it, then closes), a body within BODY_SECONDS (408,
# app/web/serving.py), and a worker holds at most worker_connections connections.
# 2 workers per core plus one keeps both cores busy while one renders a certificate (CPU work
# does not yield).
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "gevent"
worker_connections = int(os.environ.get("WORKER_CONNECTIONS", "1000"))
preload_app = False
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a stuck worker is killed and replaced after this
graceful_timeout = 30
keepalive = 5  # seconds an idle kept-alive connection stays open, and (gevent) for a request's headers
# Recycle workers now and then (bounded memory). Rarely: booting a worker takes about a second of CPU,
# and at a crowded door (1,000+ polls a second) 2,000 requests meant a restart every few seconds.
max_requests = int(os.environ.get("MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
limit_request_line = 8190
limit_request_fields = 100
accesslog = os.environ.get("ACCESS_LOG", "-")  # stdout
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info")
control_socket_disable = True  # gunicorn 27 would otherwise open ~/.gunicorn/... (no remote control wanted)
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def post_request(worker, req, environ, resp):
    """A gevent worker's greenlet waits a tenth of a millisecond after each answer. A greenlet only
    yields when it would block, so a kept-alive connection whose next request is already in was
    served again and again ahead of the others (50 busy connections: p50 1 ms, p99 1.6 s). A
    timer, unlike sleep(0), passes through the event loop's poll, so every connection whose
    request is waiting is served first (p99 0.1-0.2 s, as with sync workers)."""
    if worker_class == "gevent":
        import gevent

        gevent.sleep(0.0001)

"""gunicorn settings for `make serve` (production): `gunicorn -c gunicorn.conf.py wsgi:app`.

Everything can be changed from the environment; the defaults suit one machine
behind a TLS-terminating proxy (set PROXY_COUNT=1 for the app to trust it).
"""
import multiprocessing
import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# Sync workers: each request holds one; 2 per core plus one keeps the CPU busy while others wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))  # a stuck worker is killed and replaced after this
graceful_timeout = 30
keepalive = 5
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

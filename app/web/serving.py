"""Production serving: the proxy count, HSTS, `Allow` on 405, and Redis health.

- PROXY_COUNT (environment) trusts that many proxies' X-Forwarded-For/-Proto/
  -Host/-Port via Werkzeug's ProxyFix; 0 (the default) trusts none. The headers
  are read only from a peer in TRUSTED_PROXIES (default: this machine), so a
  client that reaches gunicorn directly cannot pick its own address.
- HSTS_SECONDS > 0 (production's default is a year) sends Strict-Transport-Security.
- A 405 names the allowed methods in `Allow`, whichever error page renders it.
- Every request body is read whole before the app sees the request (WholeBody), within
  BODY_SECONDS under gunicorn's gevent workers.
"""
from __future__ import annotations

import io
import ipaddress
import sys
from contextlib import nullcontext

from flask import Flask
from werkzeug.exceptions import MethodNotAllowed
from werkzeug.middleware.proxy_fix import ProxyFix


def redis_status(app: Flask) -> str:
    """"off" without Redis, else "ok" or "error": rate limits fall back to memory when it is down."""
    uri = app.config.get("RATELIMIT_STORAGE_URI", "memory://")
    if not uri.startswith(("redis://", "rediss://", "redis+")):
        return "off"
    import redis

    try:
        client = redis.Redis.from_url(uri.replace("redis+", "", 1) if uri.startswith("redis+") else uri,
                                      socket_connect_timeout=0.5, socket_timeout=0.5)
        try:
            client.ping()
        finally:
            client.close()
    except (redis.RedisError, OSError, ValueError):
        return "error"
    return "ok"


class TrustedProxyFix:
    """ProxyFix for requests from a trusted proxy only; anyone else's X-Forwarded-* is ignored."""

    def __init__(self, wsgi_app, count: int, trusted: str):
        self.plain = wsgi_app
        self.fixed = ProxyFix(wsgi_app, x_for=count, x_proto=count, x_host=count, x_port=count)
        self.trusted = [ipaddress.ip_network(n.strip(), strict=False) for n in trusted.split(",") if n.strip()]

    def _trusted(self, peer: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(ip in net for net in self.trusted)

    def __call__(self, environ, start_response):
        app = self.fixed if self._trusted(environ.get("REMOTE_ADDR")) else self.plain
        return app(environ, start_response)


def cooperative() -> bool:
    """True in a process gevent has patched (gunicorn's gevent workers): a blocking call yields."""
    monkey = sys.modules.get("gevent.monkey")
    return bool(monkey and monkey.is_module_patched("socket"))


class BodyTimeout(Exception):
    pass


class WholeBody:
    """Reads a request's whole body before the app sees the request, as a buffering proxy would.

    Under gevent a client sending its body a byte a second costs one greenlet; reading the body
    here, before any hook or view opens a transaction, means it never holds a database connection
    (or SQLite's write lock) as well. A body not in after `seconds` is answered 408 (gevent
    workers only: a sync worker cannot be interrupted, gunicorn's timeout replaces it). A body
    announced over MAX_CONTENT_LENGTH is not read (the app answers 413); a chunked one is read
    up to one byte past it and passed on with its length, which the app refuses the same way.
    """

    def __init__(self, wsgi_app, app: Flask):
        self.wsgi_app, self.app = wsgi_app, app

    def __call__(self, environ, start_response):
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        limit = self.app.config.get("MAX_CONTENT_LENGTH") or 0
        if chunked:
            want = limit + 1 if limit else None
        elif length.isdigit() and int(length) > 0 and not (limit and int(length) > limit):
            want = int(length)
        else:
            return self.wsgi_app(environ, start_response)
        seconds = self.app.config.get("BODY_SECONDS") or 0
        try:
            with _deadline(seconds):
                body = _read(environ["wsgi.input"], want)
        except BodyTimeout:
            message = f"The request body did not arrive within {seconds} s.\n".encode()
            start_response("408 Request Timeout", [("Content-Type", "text/plain; charset=utf-8"),
                                                   ("Content-Length", str(len(message)))])
            return [message]
        environ["wsgi.input"] = io.BytesIO(body)
        environ["wsgi.input_terminated"] = True  # read to the end of what is here
        if chunked:  # now of known length: one past the limit is refused 413 like a long Content-Length
            environ.pop("HTTP_TRANSFER_ENCODING")
            environ["CONTENT_LENGTH"] = str(len(body))
        return self.wsgi_app(environ, start_response)


def _deadline(seconds: float):
    if seconds > 0 and cooperative():
        import gevent

        return gevent.Timeout(seconds, BodyTimeout)
    return nullcontext()


def _read(stream, want: int | None) -> bytes:
    parts, got = [], 0
    while want is None or got < want:
        part = stream.read(65536 if want is None else min(65536, want - got))
        if not part:
            break  # the end of a chunked body (or a client gone: the app sees what came)
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def register(app: Flask) -> None:
    count = int(app.config.get("PROXY_COUNT") or 0)
    if count > 0:
        app.wsgi_app = TrustedProxyFix(app.wsgi_app, count, app.config.get("TRUSTED_PROXIES", "127.0.0.1,::1"))
    app.wsgi_app = WholeBody(app.wsgi_app, app)

    if app.config.get("SECURE_COOKIES") and redis_status(app) == "off":
        app.logger.warning(
            "REDIS_URL is unset: every worker process counts rate limits on its own, so a client's budget "
            "is multiplied by the number of workers and servers. Set REDIS_URL for one budget per client."
        )

    hsts = int(app.config.get("HSTS_SECONDS") or 0)

    @app.after_request
    def _hsts(response):
        if hsts > 0:
            response.headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
        return response

    generic = _find_http_handler(app)  # the app's own HTTP error page (JSON under /api/)

    @app.errorhandler(MethodNotAllowed)
    def _method_not_allowed(exc: MethodNotAllowed):
        response = app.make_response(generic(exc))
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or ()))
        return response


def generic_http_error(exc):
    """The app's own error page for an HTTP error (for a blueprint handler that only refines some)."""
    from flask import current_app

    return _find_http_handler(current_app)(exc)


def _find_http_handler(app: Flask):
    from werkzeug.exceptions import HTTPException

    return app.error_handler_spec[None][None][HTTPException]

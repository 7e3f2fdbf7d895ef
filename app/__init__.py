"""CarbonDot application factory."""
from __future__ import annotations

import os

import click
from flask import Flask, request
from flask.cli import AppGroup, FlaskGroup
from flask_babel import gettext as _
from sqlalchemy import event as sa_event
from sqlalchemy.engine import Engine, make_url

from config import Config, ConfigError, TestingConfig, from_environment, registry_key_problem

from .extensions import babel, csrf, db, limiter, login_manager, migrate
from .services import payments
from .web import i18n
from .web.htmx import htmx_ext, render


def create_app(config: type[Config] | dict | None = None) -> Flask:
    """The app for `config`: a class, the environment's when None (production unless
    CARBONDOT_ENV=development), or a dict of settings on top of TestingConfig (the suite)."""
    app = Flask(__name__, instance_relative_config=True)
    from .web.validation import WholeNumberConverter

    app.url_map.converters["int"] = WholeNumberConverter  # before any route: ASCII ids within INTEGER
    try:
        if config is None:
            config = from_environment()
        if isinstance(config, dict):
            app.config.from_object(TestingConfig)
            app.config.update(config)
            problem = registry_key_problem(app.config["REGISTRY_SIGNING_KEY"], production=False)
            if problem:
                raise ConfigError(f"CarbonDot cannot start: {problem}.")
        else:
            config.check()
            app.config.from_object(config)
        if app.config.get("FAKE_WALLETS"):
            from . import fakes  # development only: ProductionConfig and TestingConfig turn it off

            app.config.update(fakes.start(app.config))
        try:
            payments.check(app.config)  # a half-configured payment provider: say which keys are missing
        except payments.NotConfigured as exc:
            raise ConfigError(f"CarbonDot cannot start: {exc}") from None
    except ConfigError as refused:
        if not _running_a_flask_command():
            raise
        return _unconfigured_app(refused)  # `flask registry-key` makes what is missing
    os.makedirs(app.instance_path, exist_ok=True)

    _engine_options_for_gevent(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(app.root_path), "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    babel.init_app(app, locale_selector=i18n.select_locale)
    htmx_ext.init_app(app)

    from .web import assets

    assets.init_app(app)

    with app.app_context():
        _configure_sqlite(db.engine)

    from .routes import (
        api,
        auth,
        boards,
        calculator,
        certificates,
        checkout,
        life,
        operator,
        organizer,
        organizer_estimate,  # noqa: F401 (its routes join organizer.bp)
        organizer_sponsors,  # noqa: F401 (likewise)
        owners,
        public,
    )
    from .routes.registry import bp as registry_bp

    for module in (public, calculator, checkout, life, certificates, boards, owners, api, auth, organizer, operator):
        app.register_blueprint(module.bp)
    app.register_blueprint(registry_bp)
    csrf.exempt(api.bp)
    from .routes import kiosk  # the venue kiosk: no cookies, its posts exempt from CSRF (app/routes/kiosk.py)

    app.register_blueprint(kiosk.bp)

    from . import commands
    from .web import template_helpers

    commands.register(app)
    template_helpers.register(app)
    i18n.register(app)
    _register_error_handlers(app)
    _register_security_headers(app)
    from . import web

    web.register(app)  # input checks, 405 Allow, HSTS, ProxyFix (after the error handlers)
    return app


def _running_a_flask_command() -> bool:
    """Is the `flask` command line loading the app (not gunicorn, not a test)?"""
    ctx = click.get_current_context(silent=True)
    return ctx is not None and isinstance(ctx.find_root().command, FlaskGroup)


class _RefusingGroup(AppGroup):
    """The commands of an app whose configuration was refused: only its own; any other says why."""

    def __init__(self, refused: ConfigError, **kwargs):
        super().__init__(**kwargs)
        self.refused = refused

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        found = super().get_command(ctx, name)
        if found is None:
            raise click.ClickException(str(self.refused))
        return found


def _unconfigured_app(refused: ConfigError) -> Flask:
    """What the `flask` command gets when the configuration is refused: `flask registry-key`
    runs (production cannot start without the key it makes); any other command stops with
    the refusal, and a server started anyway answers every request with a 500 and logs it."""
    from .commands import keys

    app = Flask(__name__)
    app.cli = _RefusingGroup(refused, name=app.name)
    for command in keys.COMMANDS:
        app.cli.add_command(command)

    def refuse(environ, start_response):
        raise refused

    app.wsgi_app = refuse
    return app


def _engine_options_for_gevent(app: Flask) -> None:
    """In a gevent worker (gunicorn.conf.py), keep database waits cooperative.

    SQLite file: one connection per worker process. Every transaction is BEGIN IMMEDIATE (the
    write lock, below). A request that holds it and then waits on the network (the Redis ping
    of /healthz, a Stripe call) lets another request of the same process run; that one's BEGIN
    would wait inside SQLite's C busy handler, which blocks the whole process, so the holder
    never finishes (the worker stalls for busy_timeout and gunicorn kills it). With a pool of
    one, the second request waits for the pool instead, and that wait yields.

    PostgreSQL: DB_POOL_SIZE connections per worker, no overflow; other requests of the worker
    wait for one (a worker runs Python on one core: two connections let one request's query
    overlap another's Python, more only interleave requests so each finishes later, and the
    default 5 + 10 overflow per worker at 1,000 connections a worker would pass PostgreSQL's
    max_connections). And psycopg must use its Python wait functions (gevent-patched select),
    which it chooses when imported after gevent's patching; gunicorn's worker patches before it
    imports wsgi.py, unless the app were preloaded in the master.
    """
    from .web.serving import cooperative

    if not cooperative():
        return
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if url.get_backend_name() == "sqlite" and url.database not in (None, "", ":memory:"):
        pool_size = 1
    elif url.get_driver_name() == "psycopg":
        from psycopg import waiting

        if waiting.wait is getattr(waiting, "wait_c", None):
            raise RuntimeError("psycopg was imported before gevent patched this process, so its waits would "
                               "block every request of the worker: do not preload the app (gunicorn.conf.py).")
        pool_size = app.config["DB_POOL_SIZE"]
    else:
        return
    options = app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {})
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {**options, "pool_size": pool_size, "max_overflow": 0}


def _configure_sqlite(engine: Engine) -> None:
    """SQLite: WAL, a busy timeout, and every transaction BEGIN IMMEDIATE (but a read-only one).

    pysqlite's own transaction handling starts transactions late and deferred; a
    deferred transaction that reads then writes can fail on a stale snapshot.
    Taking the write lock at BEGIN makes the ledger's check-then-write atomic
    (the SQLite stand-in for PostgreSQL's row locks). The embedded default is a
    single-node convenience; production runs PostgreSQL.
    """
    if engine.dialect.name != "sqlite":
        return

    @sa_event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @sa_event.listens_for(engine, "begin")
    def _on_begin(conn):
        # A request that only reads (a shared page's holes: app/web/live.py) reads a WAL snapshot, no lock.
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("read_only") else "BEGIN IMMEDIATE")


def _register_error_handlers(app: Flask) -> None:
    from werkzeug.exceptions import HTTPException

    from .web import api_error, http_error_message, outage

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        if request.path.startswith("/api/"):
            code = (exc.name or "error").lower().replace(" ", "_")
            return api_error(exc.code or 500, code, exc.description or exc.name)
        message = http_error_message(exc)  # from the catalogue, in the visitor's language
        return render("public/error.html", status=exc.code or 500, code=exc.code, message=message)

    def database_error(exc: Exception):
        """The database out of reach: 503 with Retry-After (any other database error is a 500)."""
        if not outage.is_outage(exc):
            return server_error(exc)
        outage.prepare_page(exc)
        if request.path.startswith("/api/"):
            response = app.make_response(api_error(503, "unavailable", "The service is briefly unavailable. "
                                                   "Try again in a minute."))
        else:
            response = render("public/error.html", status=503, code=503,
                              message=_("We are briefly unavailable. Please try again in a minute."))
        return outage.retry_after(response)

    for error in outage.ERRORS:
        app.register_error_handler(error, database_error)

    @app.errorhandler(Exception)
    def server_error(exc: Exception):
        app.logger.exception("Unhandled error")
        db.session.rollback()
        if request.path.startswith("/api/"):
            return api_error(500, "server_error", "Something went wrong on our side.")
        return render(
            "public/error.html", status=500, code=500, message=_("Something went wrong on our side. Please try again.")
        )


def _register_security_headers(app: Flask) -> None:
    from .web.assets import boot_script_hash

    boot = boot_script_hash(app.static_folder)

    @app.after_request
    def _headers(response):
        # A plain form POST that redirects to a provider's hosted page needs its origin here.
        form_action = " ".join(["'self'", *payments.form_origins(app.config)])
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; "
            f"script-src 'self' {boot}; "
            f"object-src 'none'; base-uri 'self'; frame-ancestors 'none'; form-action {form_action}",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

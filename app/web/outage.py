"""The database out of reach: 503 with Retry-After and a page in the visitor's language, not a 500.

A database that refuses or drops the connection (PostgreSQL restarting, a failover, a
SQLite file gone) or a pool with no connection to spare is trouble on our side that
passes: the client should come back, and a load balancer should not count it as a bug.
Only those count: an error raised while connecting (no statement ran), one SQLAlchemy
recognised as a disconnect, or a pool timeout. Any other database error stays a 500,
so a real bug is never hidden behind "try again".
"""
from __future__ import annotations

from contextlib import suppress

from flask import current_app, g
from sqlalchemy import exc as sa_exc

from ..extensions import db, login_manager

ERRORS = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.TimeoutError)


def is_outage(exc: BaseException) -> bool:
    """True when `exc` means the database cannot be reached now (see the module's docstring)."""
    if isinstance(exc, sa_exc.TimeoutError):  # the pool's: every connection busy for pool_timeout
        return True
    if isinstance(exc, (sa_exc.OperationalError, sa_exc.InterfaceError)):
        return bool(exc.connection_invalidated) or exc.statement is None
    return False


def prepare_page(exc: BaseException) -> None:
    """Before rendering the outage page: log one line, drop the failed transaction, and answer
    "who is signed in" with nobody, so the page itself never asks the database (it would fail again)."""
    current_app.logger.error("Database unavailable: %s", str(exc).splitlines()[0] if str(exc) else type(exc))
    with suppress(sa_exc.SQLAlchemyError):
        db.session.rollback()
    if "_login_user" not in g:  # Flask-Login keeps the request's user here; unset means not loaded yet
        g._login_user = login_manager.anonymous_user()


def retry_after(response):
    """The 503 response, with how many seconds to wait before trying again."""
    response.headers["Retry-After"] = str(current_app.config.get("RETRY_AFTER_SECONDS", 30))
    return response

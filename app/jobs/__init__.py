"""Background jobs (Huey): the owners' splits and their sweep.

With REDIS_URL (production) jobs go through Redis to `huey_consumer app.jobs.huey` (docs/OPERATIONS.md);
without it (`make run`, the tests) they run inline, at once, in the request that made them, and
`flask payouts sweep` retries what failed. Either way the database row is the truth: a lost nudge
or a worker killed mid-split leaves a pending row the sweep (every minute in the worker) sends.
"""
from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TypeVar

from flask import Flask, current_app, has_app_context
from huey import RedisHuey, crontab

from ..extensions import db
from ..services import payments
from ..services.sales import splits

log = logging.getLogger("app")
T = TypeVar("T")
REDIS_URL = os.environ.get("REDIS_URL", "")
huey = RedisHuey("carbondot", url=REDIS_URL or None, immediate=not REDIS_URL, results=False)

_worker_app: Flask | None = None


def _in_app(job: Callable[[Flask], T]) -> T:
    """Run a job in the request's app and session (inline), else in one app per worker process."""
    global _worker_app
    if has_app_context():
        return job(current_app._get_current_object())  # type: ignore[attr-defined]
    if _worker_app is None:
        from .. import create_app

        _worker_app = create_app()
    with _worker_app.app_context():
        return job(_worker_app)


@huey.task(retries=0)
def send_split(split_id: int) -> str | None:
    """Send one owner's split (its own backoff lives on the row, not in the queue)."""
    return _in_app(lambda app: splits.run(db.session, payments.settings_from(app.config), split_id))


@huey.periodic_task(crontab(minute="*"))
def sweep_splits() -> dict[str, int]:
    """Every minute in the worker: every pending split that is due (failed, lost, or left by a dead worker)."""
    return _in_app(lambda app: splits.sweep(db.session, payments.settings_from(app.config)))


def nudge_split(split_id: int) -> None:
    """Queue a split (inline without Redis); a queue that cannot be reached leaves it for the sweep."""
    try:
        send_split(split_id)
    except Exception:  # Redis down, or the inline run failed: the row stays pending and due
        log.exception("Could not queue split %s; the sweep will send it", split_id)

"""Races in service tests: an app with a connection per buyer, and every buyer in its own thread."""
from __future__ import annotations

import threading
from collections.abc import Callable

from flask import Flask


def race_app(app_config: dict, buyers: int) -> Flask:
    """The test's app again, with a pool big enough for every buyer at once."""
    from app import create_app

    options = {**app_config["SQLALCHEMY_ENGINE_OPTIONS"], "pool_size": buyers + 2, "max_overflow": 0}
    return create_app({**app_config, "SQLALCHEMY_ENGINE_OPTIONS": options})


def run_together(app: Flask, buy: Callable[[int], None], buyers: int) -> None:
    """buy(0) ... buy(buyers - 1), each in its own thread; then close the race app's connections."""
    from app.extensions import db

    threads = [threading.Thread(target=buy, args=(i,)) for i in range(buyers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    with app.app_context():
        db.engine.dispose()


def outcomes(app_config: dict, act: Callable, racers: int, refused: tuple[type[Exception], ...]) -> list[str]:
    """act(session, i) in `racers` threads, each in its own connection, released together; what
    each ended with: "done" (committed) or the code of the refusal it raised (rolled back)."""
    from app.extensions import db

    app = race_app(app_config, racers)
    db.session.rollback()  # the test's own session must not hold SQLite's write lock
    barrier = threading.Barrier(racers)
    results: list[str] = []
    lock = threading.Lock()

    def run(i: int) -> None:
        with app.app_context():
            session = db.session
            barrier.wait(timeout=60)
            try:
                act(session, i)
                session.commit()
                outcome = "done"
            except refused as exc:
                session.rollback()
                outcome = getattr(exc, "code", type(exc).__name__)
            finally:
                session.remove()
            with lock:
                results.append(outcome)

    run_together(app, run, racers)
    assert len(results) == racers
    return results


"""Shared bench helper: a seeded demo database in a temporary SQLite file."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seeded_database(url: str | None = None) -> str:
    """Create the schema and the demo data; returns the SQLAlchemy URL.

    A PostgreSQL URL gets a fresh schema `bench_pages` (dropped and created here),
    selected through the URL's `options=-csearch_path=...`, so no other schema is touched.
    """
    from app import create_app
    from app.commands.demo import seed_demo
    from app.extensions import db

    if url is None:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="carbondot-bench-"), "bench.db")
    elif url.startswith("postgresql"):
        from sqlalchemy import create_engine, text

        from config import database_url

        url = database_url(url, "")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS bench_pages CASCADE"))
            conn.execute(text("CREATE SCHEMA bench_pages"))
        engine.dispose()
        url += ("&" if "?" in url else "?") + "options=-csearch_path%3Dbench_pages"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "BASE_URL": ""})
    with app.app_context():
        db.create_all()
        seed_demo()
        db.engine.dispose()
    return url


def median_ms(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[len(samples) // 2] * 1000

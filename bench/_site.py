"""Shared bench helper: a seeded demo database in a temporary SQLite file."""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def seeded_database(url: str | None = None) -> str:
    """Create the schema and the demo data; returns the SQLAlchemy URL."""
    from app import create_app
    from app.cli import seed_demo
    from app.extensions import db

    if url is None:
        url = "sqlite:///" + os.path.join(tempfile.mkdtemp(prefix="carbondot-bench-"), "bench.db")
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "TESTING": False, "BASE_URL": ""})
    with app.app_context():
        db.create_all()
        seed_demo()
        db.engine.dispose()
    return url


def median_ms(samples: list[float]) -> float:
    samples = sorted(samples)
    return samples[len(samples) // 2] * 1000

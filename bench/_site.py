"""Shared bench helpers: a seeded demo database in a temporary SQLite file; a sample certificate."""
from __future__ import annotations

import datetime
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


def bench_url(endpoint: str, token: str) -> str:
    """The app's public URLs for a certificate, as on a server with BASE_URL=https://carbondot.example."""
    path = {"certificates.show": "", "certificates.image": ".png", "certificates.preview": "/preview.png"}[endpoint]
    return f"https://carbondot.example/c/{token}{path}"


def sample_certificate(n: int = 42, *, name: str = "Ana", organization: str = "",
                       event_name: str = "2026 China Digital Carbon Neutrality Forum", kg: int = 420,
                       project_name: str = "Sichuan Rural Household Biogas", project_standard: str = "Gold Standard",
                       serials: tuple[tuple[str, int, int], ...] = (("CDCER-2021", 120501, 120920),),
                       issued_on: datetime.date = datetime.date(2026, 9, 7), token: str = "q3Xf8v1kR0bT9mW2yZ4pLw",
                       language: str = "en"):
    """A certificate as the app stores it (unsaved rows: no database), read through the content
    service like every page and image: what the benches draw. `serials` are (batch prefix, first,
    last) ranges."""
    from app.models import Certificate, CreditBatch, Event, Order, Project, Retirement
    from app.services.certificates import content, numbers

    order = Order(
        event=Event(slug="bench", name=event_name),
        project=Project(id=1, name=project_name, standard=project_standard, kind="Biogas", place="Sichuan",
                        vintage=2021),
        display_name=name, organization=organization, kg=kg, credits_kg=kg, amount_minor=kg * 10, currency="CNY",
        provider="demo",
        retirements=[Retirement(batch=CreditBatch(serial_prefix=prefix), first_serial=first, last_serial=last)
                     for prefix, first, last in serials],
    )
    cert = Certificate(order=order, number=numbers.format_number(n, issued_on.year), token=token, status="valid",
                       revoked_reason="", language=language,
                       issued_at=datetime.datetime.combine(issued_on, datetime.time(9, 30)))
    return content.build(cert, bench_url)

"""Fixtures: app, db, client, htmx client, runner, and builders.

Every test gets fresh tables. With TEST_DATABASE_URL set (PostgreSQL) each
xdist worker uses its own schema, so parallel workers never see each other.
"""
from __future__ import annotations

import datetime as dt
import os

import pytest
from sqlalchemy import create_engine, text

from app import create_app
from app.extensions import db as _db
from app.models import CreditBatch, Event, Participant, Project, ProjectOwner, utcnow
from app.services.sales import orders
from config import database_url

PG_URL = os.environ.get("TEST_DATABASE_URL")


def _worker_schema() -> str:
    return "t_" + os.environ.get("PYTEST_XDIST_WORKER", "main")


@pytest.fixture
def db_url(tmp_path) -> str:
    if PG_URL:
        url = database_url(PG_URL, "")
        schema = _worker_schema()
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        return url
    return f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def app_config(db_url) -> dict:
    options = {"pool_pre_ping": True}
    if PG_URL:
        options["connect_args"] = {"options": f"-csearch_path={_worker_schema()}"}
    return {"SQLALCHEMY_DATABASE_URI": db_url, "SQLALCHEMY_ENGINE_OPTIONS": options}


@pytest.fixture
def app(app_config):
    app = create_app(app_config)
    with app.app_context():
        _db.create_all()
        yield app
        _db.session.remove()
        _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def db(app):
    return _db


@pytest.fixture
def client(app):
    return app.test_client()


class HtmxClient:
    """A test client that sends HX-Request like htmx does."""

    def __init__(self, client):
        self._client = client

    def __getattr__(self, name):
        method = getattr(self._client, name)

        def call(*args, headers=None, **kwargs):
            merged = {"HX-Request": "true", **(headers or {})}
            return method(*args, headers=merged, **kwargs)

        return call


@pytest.fixture
def htmx(client):
    return HtmxClient(client)


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def make_event(db):
    counter = {"n": 0}

    def make(**overrides) -> Event:
        counter["n"] += 1
        values = {
            "slug": f"event-{counter['n']}",
            "name": f"Test Forum {counter['n']}",
            "scenario": "conference",
            "venue_name": "Chengdu Global Center",
            "venue_code": "Chengdu",
            "city": "Chengdu",
            "country": "CN",
            "currency": "CNY",
            "status": "live",
            "starts_on": dt.date(2026, 9, 7),
        }
        values.update(overrides)
        event = Event(**values)
        db.session.add(event)
        db.session.commit()
        return event

    return make


@pytest.fixture
def make_project(db):
    counter = {"n": 0}

    def make(quantity: int = 10_000, price: int = 5000, currency: str = "CNY", batches: int = 1,
             **overrides) -> Project:
        counter["n"] += 1
        n = counter["n"]
        owner = ProjectOwner(name=f"Owner {n}")
        db.session.add(owner)
        db.session.flush()
        values = {
            "owner_id": owner.id,
            "name": f"Project {n}",
            "kind": "Forestry",
            "place": "Sichuan",
            "standard": "CCER",
            "vintage": 2021,
            "price_per_tonne_minor": price,
            "currency": currency,
        }
        values.update(overrides)
        project = Project(**values)
        db.session.add(project)
        db.session.flush()
        for b in range(batches):
            db.session.add(
                CreditBatch(
                    project_id=project.id,
                    vintage=project.vintage,
                    serial_prefix=f"T{n}-{b}",
                    first_serial=1000 * (b + 1),
                    quantity=quantity,
                )
            )
        db.session.commit()
        return project

    return make


SETTINGS = orders.Settings(hold_minutes=30, fee_percent=10, max_kg=1_000_000)


@pytest.fixture
def make_order(db, make_event, make_project):
    """Start (and by default pay) an order through the real services."""

    def make(event=None, project=None, kg: int = 100, paid: bool = True, participant=None, name: str = "",
             show: bool = False, now: dt.datetime | None = None, organization: str = ""):
        event = event or make_event()
        project = project or make_project()
        if participant is None:
            participant = Participant(token=os.urandom(16).hex())
            db.session.add(participant)
            db.session.flush()
        now = now or utcnow()
        order = orders.start(
            db.session, event=event, project=project, participant=participant, kg=kg, footprint=None,
            display_name=name, organization=organization, show_on_board=show, provider="demo", settings=SETTINGS,
            now=now,
        )
        if paid:
            orders.fulfil(db.session, order, now=now)
        db.session.commit()
        return order

    return make


@pytest.fixture
def organizer(db):
    """An organizer signed up the real way (password PASSWORD), with the organization Acme Events."""
    from app.services.accounts import organizations
    from tests.accounts import PASSWORD

    user = organizations.sign_up(db.session, email="ann@example.com", password=PASSWORD, name="Ann",
                            organization="Acme Events")
    db.session.commit()
    return user


@pytest.fixture
def team(db):
    """(organization Acme Events, its first member ann@example.com)."""
    from app.services.accounts import organizations
    from tests.accounts import make_user

    ann = make_user(db, "ann@example.com")
    org = organizations.create_organization(db.session, ann, "Acme Events")
    db.session.commit()
    return org, ann


@pytest.fixture
def org(db, client):
    """Acme Events, with a signed-in member (ann@example.com)."""
    from app.models import Organization
    from tests.accounts import login_as, make_user

    user = make_user(db, "ann@example.com")
    organization = Organization(name="Acme Events")
    db.session.add(organization)
    organization.members.append(user)
    db.session.commit()
    login_as(client, user)
    return organization

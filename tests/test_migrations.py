"""The real migrations build the schema the models describe, on SQLite and PostgreSQL."""
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app.extensions import db


def test_migrations_upgrade_to_the_models_and_back(app):
    db.drop_all()
    upgrade()
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == [], f"models and migrations differ: {diff}"
    assert "credit_batch" in inspect(db.engine).get_table_names()
    downgrade(revision="base")
    assert "credit_batch" not in inspect(db.engine).get_table_names()
    upgrade()  # leave the schema for the fixture's teardown


def test_seed_demo_is_idempotent(runner, app):
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0 and "7 events, 3 projects, 3 batches added" in first.output
    again = runner.invoke(args=["seed-demo"])
    assert again.exit_code == 0 and "0 events, 0 projects, 0 batches added" in again.output

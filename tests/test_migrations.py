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



def insert_event_and_project(c, price_per_tonne_minor: int) -> None:
    """Event 1 and project 1 (of owner 1) as rows of the old schema, for upgrades of populated databases."""
    from sqlalchemy import text

    c.execute(text("INSERT INTO event (id, slug, name, scenario, description, venue_name, venue_code, city, "
                   "country, currency, status, created_at) VALUES (1, 'e', 'E', 'conference', '', '', '', '', "
                   "'CN', 'CNY', 'live', '2026-01-01')"))
    c.execute(text("INSERT INTO project_owner (id, name, country) VALUES (1, 'O', 'CN')"))
    c.execute(text("INSERT INTO project (id, owner_id, name, kind, place, country, standard, vintage, "
                   "price_per_tonne_minor, currency, price_source, description, image, active) "
                   f"VALUES (1, 1, 'P', 'k', 'p', 'CN', 's', 2021, {price_per_tonne_minor}, 'CNY', '', '', '', true)"))


def test_upgrading_a_populated_database_rebuilds_the_boards(app):
    """Paid orders made before the maintained board totals existed appear on every board after upgrading,
    with organizations keyed exactly as boards.fold keys new orders."""
    from sqlalchemy import text

    db.drop_all()
    upgrade(revision="a5dc41b2b796")
    with db.engine.begin() as c:
        insert_event_and_project(c, price_per_tonne_minor=100)
        for pid in (1, 2):
            c.execute(text("INSERT INTO participant (id, token, display_name, organization, show_on_board, "
                           f"created_at) VALUES ({pid}, 'tok{pid}', '', '', true, '2026-01-01')"))
        for oid, pid, kg, org in ((1, 1, 10, "Acme  Straße"), (2, 1, 5, " acme STRASSE "), (3, 2, 7, "")):
            c.execute(text(
                "INSERT INTO orders (id, public_id, event_id, project_id, participant_id, kg, amount_minor, currency, "
                "owner_minor, platform_fee_minor, status, hold_expires_at, display_name, organization, show_on_board, "
                f"payment_provider, created_at, paid_at) VALUES ({oid}, 'o{oid}', 1, 1, {pid}, {kg}, 400, 'CNY', 360, "
                f"40, 'paid', '2026-01-01', '', '{org}', true, 'demo', '2026-01-01', '2026-01-0{oid}')"))
    upgrade()
    from app.services.live.boards import fold

    assert fold(" acme STRASSE ") == fold("Acme  Straße") == "acme strasse"
    rows = db.session.execute(text(
        "SELECT scope, scope_id, kind, key, label, kg FROM board_total ORDER BY scope, kind, key")).all()
    assert [tuple(r) for r in rows] == [
        ("event", 1, "organization", "acme strasse", "Acme Straße", 15),
        ("event", 1, "participant", "1", "", 15),
        ("event", 1, "participant", "2", "", 7),
        ("global", 0, "event", "1", "", 22),
        ("global", 0, "organization", "acme strasse", "Acme Straße", 15),
        ("global", 0, "participant", "1", "", 15),
        ("global", 0, "participant", "2", "", 7),
    ]


def test_orders_made_before_credits_kg_keep_what_they_retired(app):
    """Orders paid before i12b_a1_credits_client retired exactly their kg (even when they paid the minimum):
    the upgrade backfills credits_kg = kg, and the ledger keeps counting the same kilograms."""
    from sqlalchemy import text

    db.drop_all()
    upgrade(revision="7ba3e1d47ae2")
    with db.engine.begin() as c:
        insert_event_and_project(c, price_per_tonne_minor=4200)
        c.execute(text("INSERT INTO participant (id, token, display_name, organization, show_on_board, "
                       "created_at) VALUES (1, 'tok1', '', '', true, '2026-01-01')"))
        for oid, kg, status in ((1, 2, "paid"), (2, 500, "pending")):  # 2 kg paid the ¥4.00 minimum
            c.execute(text(
                "INSERT INTO orders (id, public_id, event_id, project_id, participant_id, kg, amount_minor, currency, "
                "owner_minor, platform_fee_minor, status, hold_expires_at, display_name, organization, show_on_board, "
                f"payment_provider, created_at) VALUES ({oid}, 'o{oid}', 1, 1, 1, {kg}, 400, 'CNY', 360, 40, "
                f"'{status}', '2026-01-01', '', '', true, 'demo', '2026-01-01')"))
    upgrade()
    with db.engine.connect() as c:
        rows = c.execute(text("SELECT id, kg, credits_kg, client_key FROM orders ORDER BY id")).all()
    assert [tuple(r) for r in rows] == [(1, 2, 2, None), (2, 500, 500, None)]
    downgrade(revision="7ba3e1d47ae2")
    assert "credits_kg" not in {col["name"] for col in inspect(db.engine).get_columns("orders")}
    upgrade()


def test_orders_made_before_the_provider_column_keep_their_provider(app):
    """i18_order_provider: an order with a Stripe Checkout Session is a Stripe order; otherwise the provider
    recorded when it started (a Stripe order whose payment page never opened stays Stripe), else the demo."""
    from sqlalchemy import text

    db.drop_all()
    upgrade(revision="w3_door_holds_credits")
    rows = {  # id: (payment_provider, payment_ref, status)
        1: ("stripe", "cs_test_paid", "paid"),
        2: ("demo", None, "paid"),
        3: ("stripe", None, "pending"),
        4: ("", "cs_test_unrecorded", "pending"),
        5: ("", None, "failed"),
    }
    with db.engine.begin() as c:
        insert_event_and_project(c, price_per_tonne_minor=4200)
        c.execute(text("INSERT INTO participant (id, token, display_name, organization, show_on_board, "
                       "created_at) VALUES (1, 'tok1', '', '', true, '2026-01-01')"))
        for oid, (provider, ref, status) in rows.items():
            c.execute(text(
                "INSERT INTO orders (id, public_id, event_id, project_id, participant_id, kg, credits_kg, "
                "amount_minor, currency, owner_minor, platform_fee_minor, status, hold_expires_at, display_name, "
                "organization, show_on_board, payment_provider, payment_ref, created_at) "
                "VALUES (:id, :pid, 1, 1, 1, 95, 95, 400, 'CNY', 360, 40, :status, '2026-01-01', '', '', true, "
                ":provider, :ref, '2026-01-01')"),
                {"id": oid, "pid": f"o{oid}", "status": status, "provider": provider, "ref": ref})
    upgrade()
    with db.engine.connect() as c:
        found = dict(c.execute(text("SELECT id, provider FROM orders ORDER BY id")).all())
    assert found == {1: "stripe", 2: "demo", 3: "stripe", 4: "stripe", 5: "demo"}
    columns = {col["name"]: col for col in inspect(db.engine).get_columns("orders")}
    assert "payment_provider" not in columns and columns["provider"]["nullable"] is False
    downgrade(revision="w3_door_holds_credits")
    with db.engine.connect() as c:
        back = dict(c.execute(text("SELECT id, payment_provider FROM orders ORDER BY id")).all())
    assert back == found and "provider" not in {col["name"] for col in inspect(db.engine).get_columns("orders")}
    upgrade()


def test_upgrading_gives_each_shown_name_its_own_board_row(app):
    """w4_board_line_per_name: the people boards are rebuilt from paid visitor orders, one row per shown name and
    organization of a participant (boards.line_key), the unnamed orders on the participant's own row."""
    from sqlalchemy import text

    from app.services.live.boards import line_key

    db.drop_all()
    upgrade(revision="w4_owner_splits")
    with db.engine.begin() as c:
        insert_event_and_project(c, price_per_tonne_minor=100)
        c.execute(text("INSERT INTO participant (id, token, display_name, organization, show_on_board, "
                       "created_at) VALUES (1, 'tok1', 'Bo', '', true, '2026-01-01')"))
        for oid, kg, name, org, show in ((1, 10, "Ana", "Acme", "true"), (2, 5, " ana", "ACME", "true"),
                                         (3, 7, "Bo", "", "true"), (4, 3, "Cy", "", "false")):
            c.execute(text(
                "INSERT INTO orders (id, public_id, event_id, project_id, participant_id, kg, credits_kg, "
                "amount_minor, currency, owner_minor, platform_fee_minor, status, hold_expires_at, display_name, "
                "organization, show_on_board, provider, created_at, paid_at) "
                f"VALUES ({oid}, 'o{oid}', 1, 1, 1, {kg}, {kg}, 400, 'CNY', 360, 40, 'paid', '2026-01-01', "
                f"'{name}', '{org}', {show}, 'demo', '2026-01-01', '2026-01-0{oid}')"))
    upgrade()
    with db.engine.connect() as c:
        rows = c.execute(text(
            "SELECT key, label, organization, kg FROM board_total WHERE scope = 'event' AND kind = 'participant' "
            "ORDER BY kg DESC")).all()
    assert [tuple(r) for r in rows] == [(line_key(1, "Ana", "Acme", True), "Ana", "Acme", 15),
                                        (line_key(1, "Bo", "", True), "Bo", "", 7), ("1", "", "", 3)]
    downgrade(revision="w4_owner_splits")
    with db.engine.connect() as c:
        assert c.execute(text(
            "SELECT key, kg FROM board_total WHERE scope = 'event' AND kind = 'participant'")).all() == [("1", 25)]
    upgrade()

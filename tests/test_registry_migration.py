"""The migration backfills today's certificates into the register exactly as the app would have recorded them."""
import datetime as dt
import json

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, select, text

from app.extensions import db
from app.models import RegistryEntry, RegistryHead
from app.services.register import merkle, registry


def test_the_backfill_rebuilds_the_register_the_app_keeps(app, make_order, make_project, make_event):
    db.drop_all()
    upgrade()
    project, event = make_project(batches=2, quantity=60, price=400_000), make_event()
    made = [make_order(project=project, event=event, kg=kg, name="Secret Name") for kg in (50, 30, 20)]
    revoked = made[1].certificate
    revoked.status = "revoked"
    registry.record_revocation(db.session, revoked, dt.datetime(2026, 12, 1))
    db.session.commit()
    revoked_number = revoked.number
    before = [e.leaf for e in db.session.execute(select(RegistryEntry).order_by(RegistryEntry.seq)).scalars()]
    db.session.remove()

    downgrade(revision="7ba3e1d47ae2")
    assert "registry_entry" not in inspect(db.engine).get_table_names()
    upgrade()

    after = [e.leaf for e in db.session.execute(select(RegistryEntry).order_by(RegistryEntry.seq)).scalars()]
    assert after[:3] == before[:3]  # retirements: byte for byte, including the range split across two batches
    assert len(json.loads(after[1])["serials"]) == 2
    late = json.loads(after[3])
    assert (late["type"], late["revokes"], late["certificate"]) == ("revoke", 1, revoked_number)
    assert "Secret" not in "".join(after)
    head = db.session.get(RegistryHead, 1)
    assert head.size == 4 and head.root_hash == merkle.root(4, registry._fetch(db.session)).hex()
    # The backfilled register keeps growing through the app, and stays append-only.
    make_order(project=db.session.merge(project), event=db.session.merge(event), kg=5)
    assert registry.size(db.session) == 5
    assert registry.inclusion(db.session, "4", "5")["proof"]
    try:
        db.session.execute(text("DELETE FROM registry_entry"))
    except Exception as exc:  # noqa: BLE001
        assert "append-only" in str(exc)
    else:
        raise AssertionError("the migrated register accepted a DELETE")
    db.session.rollback()

"""The public register: leaves, appends, proofs over stored nodes, append-only in the database."""
import base64
import datetime as dt
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import func, select, text
from sqlalchemy.exc import DatabaseError

from app.models import Certificate, RegistryEntry, RegistryHead, RegistryNode
from app.services.register import merkle, registry, signing


def test_a_paid_order_appends_one_canonical_retire_leaf_without_personal_data(db, make_order):
    order = make_order(kg=120, name="Ada Lovelace", organization="Analytical Engines", show=True)
    cert = order.certificate
    entry = registry.entry_for(db.session, cert.id, "retire")
    assert entry.seq == 0
    data = json.loads(entry.leaf)
    assert entry.leaf.encode() == json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert data["type"] == "retire" and data["certificate"] == cert.number and data["kg"] == 120
    assert data["project"] == {"id": order.project_id, "name": order.project.name, "standard": "CCER"}
    r = order.retirements[0]
    assert data["serials"] == [{"batch": r.batch.serial_prefix, "kg": 120,
                                "first": f"{r.batch.serial_prefix}-{r.first_serial:010d}",
                                "last": f"{r.batch.serial_prefix}-{r.last_serial:010d}"}]
    assert "Ada" not in entry.leaf and "Analytical" not in entry.leaf and order.participant.token not in entry.leaf
    head = db.session.get(RegistryHead, 1)
    assert head.size == 1 and head.root_hash == merkle.leaf_hash(entry.leaf.encode()).hex()


def test_paying_twice_records_once(db, make_order):
    order = make_order()
    from app.services.sales import orders

    orders.fulfil(db.session, order, now=dt.datetime(2026, 1, 1))
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)) == 1


def test_a_revocation_appends_a_revoke_leaf_naming_the_retirement(db, make_order, make_project):
    project = make_project(price=400_000)  # ¥4,000/t: the ¥4.00 minimum buys 1 kg, so 7 kg retire 7 kg
    make_order(project=project)
    cert = make_order(kg=7, project=project).certificate
    cert.status = "revoked"
    entry = registry.record_revocation(db.session, cert, dt.datetime(2026, 12, 1, 10, 0, 0, 123))
    db.session.commit()
    data = json.loads(entry.leaf)
    assert (entry.seq, data["type"], data["revokes"], data["kg"]) == (2, "revoke", 1, 7)
    assert data["time"] == "2026-12-01T10:00:00Z"


def test_root_and_proofs_over_the_database_match_the_leaves(db, make_order, make_project, make_event):
    project, event = make_project(price=400_000), make_event()  # ¥4,000/t: the ¥4.00 minimum buys 1 kg
    for kg in range(1, 12):
        make_order(project=project, event=event, kg=kg)
    leaves = [e.leaf.encode() for e in db.session.execute(select(RegistryEntry).order_by(RegistryEntry.seq)).scalars()]
    assert len(leaves) == 11
    digests = [merkle.leaf_hash(leaf) for leaf in leaves]
    store = {}
    for i, d in enumerate(digests):
        store.update(merkle.new_nodes(i, d, lambda keys: {k: store[k] for k in keys}))
    stored = {(n.level, n.idx): bytes(n.hash) for n in db.session.execute(select(RegistryNode)).scalars()}
    assert stored == store
    for n in range(1, 12):
        root = merkle.root(n, lambda keys: {k: store[k] for k in keys})
        for i in range(n):
            proof = [bytes.fromhex(h) for h in registry.inclusion(db.session, str(i), str(n))["proof"]]
            assert merkle.verify_inclusion(i, n, digests[i], proof, root)
        for m in range(1, n + 1):
            proof = [bytes.fromhex(h) for h in registry.consistency(db.session, str(m), str(n))["proof"]]
            first = merkle.root(m, lambda keys: {k: store[k] for k in keys})
            assert merkle.verify_consistency(m, n, first, root, proof)


def test_the_checkpoint_is_a_signed_c2sp_body(db, make_order):
    make_order()
    make_order()
    seed = signing.seed(signing.new_key())
    cp = registry.checkpoint(db.session, "example.org/registry", seed)
    lines = cp.body.decode().split("\n")
    assert lines[:2] == ["example.org/registry", "2"] and lines[3] == "" and len(lines) == 4
    assert base64.b64decode(lines[2]).hex() == db.session.get(RegistryHead, 1).root_hash
    Ed25519PublicKey.from_public_bytes(cp.public_key).verify(cp.signature, cp.body)  # raises if bad


@pytest.mark.parametrize(("args", "field"), [
    (("0", "0"), "index"), (("3", "2"), "index"), (("0", "9"), "size"), (("-1", "1"), "index"), (("x", "1"), "index"),
])
def test_bad_inclusion_requests_are_refused(db, make_order, args, field):
    make_order()
    make_order()
    with pytest.raises(registry.RegistryError) as exc:
        registry.inclusion(db.session, *args)
    assert exc.value.field == field


def test_bad_consistency_and_page_requests_are_refused(db, make_order):
    make_order()
    for first, second in (("0", "1"), ("2", "1"), ("1", "5")):
        with pytest.raises(registry.RegistryError):
            registry.consistency(db.session, first, second)
    with pytest.raises(registry.RegistryError):
        registry.entries(db.session, "5", "2")
    with pytest.raises(registry.RegistryError):
        registry.entries(db.session, "0", "5000")
    assert registry.entries(db.session, "0", "50")[:2] == (0, 1)
    assert registry.entries(db.session, "7", None) == (7, 7, [])  # past the end: an empty page, not an error


@pytest.mark.parametrize("statement", [
    "UPDATE registry_entry SET leaf = 'x'",
    "DELETE FROM registry_entry",
    "UPDATE registry_node SET hash = hash",
    "DELETE FROM registry_node",
])
def test_the_database_refuses_to_rewrite_the_register(db, make_order, statement):
    make_order()
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(RegistryEntry)) == 1


def test_postgres_refuses_truncate_too(db, make_order):
    make_order()
    # SQLite has no TRUNCATE (its "truncate" is the DELETE refused above).
    statement = "TRUNCATE registry_entry" if db.engine.dialect.name == "postgresql" else "DELETE FROM registry_entry"
    with pytest.raises(DatabaseError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()


def test_find_serial(db, make_order, make_project):
    order = make_order(kg=10, project=make_project(price=400_000))
    r = order.retirements[0]
    prefix = r.batch.serial_prefix
    found = registry.find_serial(db.session, f"{prefix}-{r.first_serial + 9:010d}")
    assert found.certificate.id == order.certificate.id and found.entry.seq == 0
    assert registry.find_serial(db.session, f"{prefix}-{r.first_serial + 10:010d}") is None
    assert registry.find_serial(db.session, f"{prefix}-{r.first_serial - 1:010d}") is None
    assert registry.find_serial(db.session, "nonsense") is None
    assert db.session.get(Certificate, order.certificate.id)


def test_concurrent_payments_on_different_projects_append_gap_free(app_config, make_event, make_project):
    """Payments on four projects (so only the register's head lock orders them) in separate connections."""
    import threading

    from app.extensions import db as _db
    from app.models import Event, Participant, Project, utcnow
    from app.services.sales import orders
    from tests import races
    from tests.conftest import SETTINGS

    buyers = 16
    race_app = races.race_app(app_config, buyers)
    event_id = make_event().id
    project_ids = [make_project(price=400_000).id for _ in range(4)]
    _db.session.rollback()  # the test's own session must not hold SQLite's write lock
    barrier = threading.Barrier(buyers)
    errors: list[BaseException] = []

    def buy(i: int) -> None:
        with race_app.app_context():
            session = _db.session
            try:
                participant = Participant(token=f"reg-race-{i:04d}-xxxxxxxxxxxx")
                session.add(participant)
                order = orders.start(
                    session, event=session.get(Event, event_id), project=session.get(Project, project_ids[i % 4]),
                    participant=participant, kg=i + 1, footprint=None, display_name="", organization="",
                    show_on_board=False, provider="demo", settings=SETTINGS, now=utcnow())
                session.commit()
                barrier.wait(timeout=60)
                orders.fulfil(session, order, now=utcnow())
                session.commit()
            except BaseException as exc:  # noqa: BLE001
                errors.append(exc)
            finally:
                session.remove()

    races.run_together(race_app, buy, buyers)
    assert not errors
    session = _db.session
    session.expire_all()
    rows = session.execute(select(RegistryEntry).order_by(RegistryEntry.seq)).scalars().all()
    assert [e.seq for e in rows] == list(range(buyers))
    assert sorted(json.loads(e.leaf)["kg"] for e in rows) == list(range(1, buyers + 1))
    assert all(json.loads(e.leaf)["seq"] == e.seq for e in rows)
    head = session.get(RegistryHead, 1)
    store: dict = {}
    for i, e in enumerate(rows):
        store.update(merkle.new_nodes(i, merkle.leaf_hash(e.leaf.encode()), lambda keys: {k: store[k] for k in keys}))
    assert head.size == buyers
    assert head.root_hash == merkle.root(buyers, lambda keys: {k: store[k] for k in keys}).hex()

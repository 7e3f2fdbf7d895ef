"""tools/registry_verify.py against a live server: a sound register passes; rewritten history is caught and named."""
from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from werkzeug.serving import make_server

from app.models import RegistryEntry, RegistryHead, RegistryNode
from app.services.register import merkle, registry
from tools import registry_verify

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def server(app):
    """The test app served over HTTP on a port the system picks (parallel workers never collide)."""
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    port = srv.server_port
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    srv.shutdown()
    thread.join()


def run(url: str, *args: str, capsys) -> tuple[int, str, str]:
    from app.extensions import db

    db.session.rollback()  # SQLite: the test's own open transaction would hold the write lock
    code = registry_verify.main([url, *args])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def paid(db, make_order, make_project, make_event):
    project, event = make_project(batches=2, quantity=100, price=400_000), make_event()
    return [make_order(project=project, event=event, kg=kg) for kg in (40, 30, 50, 20, 10)]


def drop_triggers(db):
    """What an operator with database access could do before rewriting history."""
    if db.engine.dialect.name == "postgresql":
        for table in ("registry_entry", "registry_node"):
            db.session.execute(text(f"DROP TRIGGER {table}_append_only ON {table}"))
    else:
        for table in ("registry_entry", "registry_node"):
            db.session.execute(text(f"DROP TRIGGER {table}_no_update"))
            db.session.execute(text(f"DROP TRIGGER {table}_no_delete"))


def rewrite_leaf(db, seq: int) -> None:
    entry = db.session.get(RegistryEntry, seq)
    value = json.loads(entry.leaf)
    value["time"] = "2020-01-01T00:00:00Z"
    db.session.execute(text("UPDATE registry_entry SET leaf = :leaf WHERE seq = :seq"),
                       {"leaf": registry.canonical(value).decode(), "seq": seq})


def test_a_sound_register_verifies_as_a_standalone_program(server, paid, db, tmp_path):
    cert = paid[2].certificate
    cert.status = "revoked"
    registry.record_revocation(db.session, cert, dt.datetime(2026, 12, 1))
    db.session.commit()
    token, number = paid[1].certificate.token, paid[1].certificate.number
    db.session.rollback()  # SQLite: the test's own open transaction would hold the write lock
    saved = tmp_path / "cp.json"
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "registry_verify.py"), server, f"--certificate={token}",
         "--save", str(saved)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "6 entries" in done.stdout and "4 live retirements (100 kg), 1 revoked" in done.stdout
    assert f"certificate {number}: entry #1, 30 kg, live; inclusion proof OK" in done.stdout
    assert json.loads(saved.read_text())["checkpoint"].split("\n")[1] == "6"


def test_a_saved_checkpoint_proves_the_log_only_grew(server, paid, db, make_order, tmp_path, capsys):
    saved = str(tmp_path / "cp.json")
    assert run(server, "--save", saved, capsys=capsys)[0] == 0
    make_order(kg=3)
    make_order(kg=4)
    token = paid[4].certificate.token
    code, out, _err = run(server, "--checkpoint", saved, f"--certificate={token}", capsys=capsys)
    assert code == 0
    assert "the saved checkpoint (5 entries) is a prefix of today's log (7)" in out
    assert "REVOKED" not in out


def test_a_rewritten_leaf_is_caught_and_named(server, paid, db, capsys):
    drop_triggers(db)
    rewrite_leaf(db, 3)
    db.session.commit()
    code, _out, err = run(server, capsys=capsys)
    assert code == 1
    assert "entry #3 does not match the signed tree" in err and "2020-01-01" in err


def test_a_fully_rebuilt_tree_is_caught_by_a_saved_checkpoint(server, paid, db, tmp_path, capsys):
    """An operator who rewrites a leaf and recomputes every hash gets a freshly signed, self-consistent
    checkpoint; only a checkpoint someone saved before exposes the rewrite."""
    saved = str(tmp_path / "cp.json")
    assert run(server, "--save", saved, capsys=capsys)[0] == 0
    drop_triggers(db)
    rewrite_leaf(db, 1)
    db.session.execute(text("DELETE FROM registry_node"))
    leaves = db.session.execute(select(RegistryEntry.leaf).order_by(RegistryEntry.seq)).scalars().all()
    store: dict = {}
    for i, leaf in enumerate(leaves):
        store.update(merkle.new_nodes(i, merkle.leaf_hash(leaf.encode()), lambda keys: {k: store[k] for k in keys}))
    db.session.add_all(RegistryNode(level=lv, idx=i, hash=h) for (lv, i), h in store.items())
    db.session.get(RegistryHead, 1).root_hash = merkle.root(len(leaves), lambda keys: {k: store[k] for k in keys}).hex()
    db.session.commit()
    assert run(server, capsys=capsys)[0] == 0  # without history, the rewrite is invisible
    code, _out, err = run(server, "--checkpoint", saved, capsys=capsys)
    assert code == 1 and "no longer hash to the checkpoint saved earlier" in err


def test_a_wrong_certificate_token_or_a_dead_server_is_an_error_not_a_pass(server, paid, capsys):
    assert run(server, "--certificate", "no-such-token-at-all", capsys=capsys)[0] == 2
    assert run("http://127.0.0.1:1", capsys=capsys)[0] == 2


def retire(seq, first, last, batch="B", cert=None):
    return {"seq": seq, "type": "retire", "certificate": cert or f"C{seq}", "kg": last - first + 1,
            "serials": [{"batch": batch, "first": f"{batch}-{first:010d}", "last": f"{batch}-{last:010d}",
                         "kg": last - first + 1}]}


def test_a_serial_in_two_live_retirements_is_named():
    entries = [retire(0, 1, 10), retire(1, 11, 20), retire(2, 20, 25)]
    with pytest.raises(registry_verify.Failed, match="entries #1 and #2 both retire serial B-0000000020"):
        registry_verify.check_serials(entries)
    assert registry_verify.check_serials([retire(0, 1, 10), retire(1, 1, 10, batch="X")]) == (2, 0, 20)


def test_revocations_must_name_an_earlier_retirement_of_the_same_certificate():
    base = [retire(0, 1, 10, cert="A")]
    ok = {"seq": 1, "type": "revoke", "certificate": "A", "revokes": 0, "kg": 10, "serials": base[0]["serials"]}
    assert registry_verify.check_serials([*base, ok]) == (0, 1, 0)
    with pytest.raises(registry_verify.Failed, match="entry #1 revokes 0"):
        registry_verify.check_serials([*base, {**ok, "certificate": "B"}])


def test_entries_must_be_canonical_and_in_order():
    good = registry.canonical({"seq": 0, "type": "retire", "kg": 0, "serials": []})
    assert registry_verify.check_entries([good])
    with pytest.raises(registry_verify.Failed, match="entry #0 is not canonical"):
        registry_verify.check_entries([good.replace(b",", b", ")])
    with pytest.raises(registry_verify.Failed, match="entry #1 carries sequence number 0"):
        registry_verify.check_entries([good, good])

"""public retirement register: append-only entries, Merkle nodes, head; backfilled from today's certificates

Revision ID: i17_a1_public_register
Revises: 7ba3e1d47ae2
Create Date: 2026-12-01 22:08:00

The leaf format and the RFC 9162 node rule are copied from app/services/registry.py
and app/services/merkle.py (migrations do not import the app); the tests compare
a backfilled register with one the app builds.
"""
import datetime as dt
import hashlib
import json

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = 'i17_a1_public_register'
down_revision = '7ba3e1d47ae2'
branch_labels = None
depends_on = None

APPEND_ONLY = "the public register is append-only"
EMPTY_ROOT = hashlib.sha256(b"").hexdigest()


def _triggers(dialect, table):
    refuse = f"'{APPEND_ONLY}'"
    if dialect == "postgresql":
        return [
            "CREATE OR REPLACE FUNCTION registry_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION {refuse}; END $$",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION registry_append_only()",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION registry_append_only()",
        ]
    return [f"CREATE TRIGGER {table}_no_{o.lower()} BEFORE {o} ON {table} BEGIN SELECT RAISE(ABORT, {refuse}); END"
            for o in ("UPDATE", "DELETE")]


def _canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _leaf_hash(leaf):
    return hashlib.sha256(b"\x00" + leaf).digest()


def _node_hash(left, right):
    return hashlib.sha256(b"\x01" + left + right).digest()


def _root(size, nodes):
    if size == 0:
        return hashlib.sha256(b"").digest()
    keys, start = [], 0
    while start < size:
        level = (size - start).bit_length() - 1
        keys.append((level, start >> level))
        start += 1 << level
    digest = nodes[keys[-1]]
    for key in reversed(keys[:-1]):
        digest = _node_hash(nodes[key], digest)
    return digest


def upgrade():
    op.create_table('registry_entry',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=6), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('leaf', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("kind IN ('retire', 'revoke')", name='registry_entry_kind'),
    sa.CheckConstraint('seq >= 0', name='registry_entry_seq'),
    sa.PrimaryKeyConstraint('seq')
    )
    with op.batch_alter_table('registry_entry', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registry_entry_certificate_id'), ['certificate_id'], unique=False)
    op.create_table('registry_head',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('root_hash', sa.String(length=64), nullable=False),
    sa.CheckConstraint('id = 1', name='registry_head_single'),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('registry_node',
    sa.Column('level', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('idx', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('hash', sa.LargeBinary(length=32), nullable=False),
    sa.PrimaryKeyConstraint('level', 'idx')
    )
    _backfill(op.get_bind())
    dialect = op.get_bind().dialect.name
    for table in ('registry_entry', 'registry_node'):
        for statement in _triggers(dialect, table):
            op.execute(statement)


def _backfill(conn):
    """Today's certificates in issue order as retire entries, then today's revocations (dated now)."""
    certs = conn.execute(sa.text(
        "SELECT c.id, c.number, c.status, c.issued_at, o.id, p.id, p.name, p.standard "
        "FROM certificate c JOIN orders o ON o.id = c.order_id JOIN project p ON p.id = o.project_id "
        "ORDER BY c.issued_at, c.id"
    ).columns(sa.column('c_id'), sa.column('number'), sa.column('status'), sa.column('issued_at', sa.DateTime),
              sa.column('o_id'), sa.column('p_id'), sa.column('p_name'), sa.column('p_standard'))).all()
    ranges = {}
    for order_id, prefix, first, last in conn.execute(sa.text(
            "SELECT r.order_id, b.serial_prefix, r.first_serial, r.last_serial FROM retirement r "
            "JOIN credit_batch b ON b.id = r.batch_id ORDER BY r.id")):
        ranges.setdefault(order_id, []).append({"batch": prefix, "first": f"{prefix}-{first:010d}",
                                                "last": f"{prefix}-{last:010d}", "kg": last - first + 1})
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)
    plan = [("retire", c, c.issued_at) for c in certs] + [("revoke", c, now) for c in certs if c.status == "revoked"]
    entries, nodes, retire_seq = [], {}, {}
    for seq, (kind, c, when) in enumerate(plan):
        serials = ranges.get(c.o_id, [])
        value = {"seq": seq, "type": kind, "certificate": c.number,
                 "project": {"id": c.p_id, "name": c.p_name, "standard": c.p_standard},
                 "serials": serials, "kg": sum(s["kg"] for s in serials),
                 "time": when.replace(microsecond=0).isoformat() + "Z"}
        if kind == "revoke":
            value["revokes"] = retire_seq[c.c_id]
        else:
            retire_seq[c.c_id] = seq
        leaf = _canonical(value)
        entries.append({"seq": seq, "kind": kind, "certificate_id": c.c_id, "leaf": leaf.decode("utf-8"),
                        "created_at": when})
        level, i, digest = 0, seq, _leaf_hash(leaf)
        nodes[(0, seq)] = digest
        while i & 1:
            digest = _node_hash(nodes[(level, i - 1)], digest)
            level, i = level + 1, i >> 1
            nodes[(level, i)] = digest
    entry_t = sa.table('registry_entry', sa.column('seq'), sa.column('kind'), sa.column('certificate_id'),
                       sa.column('leaf'), sa.column('created_at', sa.DateTime))
    node_t = sa.table('registry_node', sa.column('level'), sa.column('idx'), sa.column('hash', sa.LargeBinary))
    head_t = sa.table('registry_head', sa.column('id'), sa.column('size'), sa.column('root_hash'))
    if entries:
        op.bulk_insert(entry_t, entries)
        op.bulk_insert(node_t, [{"level": lv, "idx": i, "hash": h} for (lv, i), h in nodes.items()])
    op.bulk_insert(head_t, [{"id": 1, "size": len(entries), "root_hash": _root(len(entries), nodes).hex()}])


def downgrade():
    op.drop_table('registry_node')
    op.drop_table('registry_head')
    op.drop_table('registry_entry')  # its index goes with it
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS registry_append_only()")

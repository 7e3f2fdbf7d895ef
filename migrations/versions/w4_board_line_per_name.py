"""board_total: one people-board row per shown name (participant + name + organization), with its
organization; the rows are rebuilt from the paid visitor orders

Revision ID: w4_board_line_per_name
Revises: w4_owner_splits
Create Date: 2026-12-04 10:00:00
"""
import hashlib

from alembic import op
import sqlalchemy as sa


revision = 'w4_board_line_per_name'
down_revision = 'w4_owner_splits'
branch_labels = None
depends_on = None

NAME_LIMIT = 60


def _fold(name):
    return " ".join(name.split()).casefold()[:120]


def _key(participant_id, name, organization, show):
    """boards.line_key as of this revision (kept here so the migration never changes)."""
    name = " ".join((name or "").split())[:NAME_LIMIT]
    if not (show and name):
        return str(participant_id), "", ""
    digest = hashlib.sha256(f"{_fold(name)}\n{_fold(organization or '')}".encode()).hexdigest()[:24]
    return f"{participant_id}:{digest}", name, " ".join((organization or "").split())


def _rebuild(conn, per_name):
    board = sa.table('board_total', sa.column('scope'), sa.column('scope_id'), sa.column('kind'),
                     sa.column('key'), sa.column('label'), sa.column('participant_id'), sa.column('event_id'),
                     sa.column('kg'), sa.column('first_at'), sa.column('hidden'), *(
                         [sa.column('organization')] if per_name else []))
    conn.execute(sa.text("DELETE FROM board_total WHERE kind = 'participant'"))
    orders = conn.execute(sa.text(
        "SELECT participant_id, event_id, credits_kg, COALESCE(paid_at, created_at), display_name, organization, "
        "show_on_board "
        "FROM orders WHERE status = 'paid' AND kind = 'visitor' ORDER BY COALESCE(paid_at, created_at), id")).all()
    lines = {}
    for pid, eid, kg, paid_at, name, org, show in orders:
        key, label, shown_org = _key(pid, name, org, show) if per_name else (str(pid), "", "")
        for scope, scope_id, event_id in (("event", eid, eid), ("global", 0, None)):
            line = lines.get((scope, scope_id, key))
            if line is None:
                line = lines[(scope, scope_id, key)] = {
                    'scope': scope, 'scope_id': scope_id, 'kind': 'participant', 'key': key, 'label': label,
                    'participant_id': pid, 'event_id': event_id, 'kg': 0, 'first_at': paid_at, 'hidden': False}
                if per_name:
                    line['organization'] = shown_org
            line['kg'] += kg
    if lines:
        conn.execute(board.insert(), list(lines.values()))


def upgrade():
    with op.batch_alter_table('board_total') as batch:
        batch.add_column(sa.Column('organization', sa.String(length=120), nullable=False, server_default=''))
    _rebuild(op.get_bind(), per_name=True)


def downgrade():
    _rebuild(op.get_bind(), per_name=False)
    with op.batch_alter_table('board_total') as batch:
        batch.drop_column('organization')

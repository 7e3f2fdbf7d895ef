"""The event report's publish switch, the kiosk's close switch, a label on invites, and poster scans

Revision ID: w5_report
Revises: w4_board_line_per_name
Create Date: 2026-12-04 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'w5_report'
down_revision = "w5_estimate"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event') as batch:
        batch.add_column(sa.Column('report_published', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column('kiosk_closed', sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table('organization_invite') as batch:
        batch.add_column(sa.Column('label', sa.String(length=60), nullable=False, server_default=''))
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('source', sa.String(length=12), nullable=True))
    op.create_table(
        'event_scan',
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('source', sa.String(length=12), nullable=False),
        sa.Column('scans', sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_scan_event_id_event'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', 'source', name=op.f('pk_event_scan')),
    )


def downgrade():
    op.drop_table('event_scan')
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('source')
    with op.batch_alter_table('organization_invite') as batch:
        batch.drop_column('label')
    with op.batch_alter_table('event') as batch:
        batch.drop_column('kiosk_closed')
        batch.drop_column('report_published')

"""orders: handoff_hash and handoff_claimed_at (a kiosk order's single-use phone handoff)

Revision ID: i18_kiosk_handoff
Revises: i11b_a1_invites
Create Date: 2026-12-02 10:00:00

The phone link was derived from the order id; it is now a random token kept only as
its hash. Pending kiosk orders from before the upgrade have none: their QR codes stop
working, and their visitors start again (a hold lasts minutes).
"""
from alembic import op
import sqlalchemy as sa


revision = 'i18_kiosk_handoff'
down_revision = 'i11b_a1_invites'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('handoff_hash', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('handoff_claimed_at', sa.DateTime(), nullable=True))
        batch_op.create_unique_constraint('uq_orders_handoff_hash', ['handoff_hash'])


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('uq_orders_handoff_hash', type_='unique')
        batch_op.drop_column('handoff_claimed_at')
        batch_op.drop_column('handoff_hash')

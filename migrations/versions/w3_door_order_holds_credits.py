"""orders: holds_credits (a pending order may be payable without holding credits)

Revision ID: w3_door_holds_credits
Revises: i18_kiosk_handoff
Create Date: 2026-12-04 05:40:00

Every order so far held its credits while pending, so old rows are true.
"""
import sqlalchemy as sa
from alembic import op

revision = 'w3_door_holds_credits'
down_revision = 'i18_kiosk_handoff'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders') as batch:
        batch.add_column(sa.Column('holds_credits', sa.Boolean(), nullable=False, server_default=sa.true()))


def downgrade():
    with op.batch_alter_table('orders') as batch:
        batch.drop_column('holds_credits')

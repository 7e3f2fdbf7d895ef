"""orders: credits_kg (what the payment retires) and client_key (per-client hold share)

Revision ID: i12b_a1_credits_client
Revises: i15_event_language
Create Date: 2026-12-01 23:00:00

Every existing order retired exactly its kg, so credits_kg = kg is the backfill.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i12b_a1_credits_client'
down_revision = 'i15_event_language'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('credits_kg', sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column('client_key', sa.String(length=64), nullable=True))
    op.execute("UPDATE orders SET credits_kg = kg")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('credits_kg', existing_type=sa.BigInteger(), nullable=False)
        batch_op.create_check_constraint('order_credits_cover_kg', 'credits_kg >= kg')
        batch_op.create_index(batch_op.f('ix_orders_client_key'), ['client_key'], unique=False)


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_orders_client_key'))
        batch_op.drop_constraint('order_credits_cover_kg', type_='check')
        batch_op.drop_column('client_key')
        batch_op.drop_column('credits_kg')

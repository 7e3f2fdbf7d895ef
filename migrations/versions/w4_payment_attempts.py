"""payment_attempt: every payment opened for an order (wallet switching)

Revision ID: w4_payment_attempts
Revises: i18_order_provider
Create Date: 2026-12-04 08:00:00

Old orders with a payment reference get one attempt row each, so a late notice
for them is still found by its reference.
"""
from alembic import op
import sqlalchemy as sa


revision = 'w4_payment_attempts'
down_revision = 'i18_order_provider'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payment_attempt',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('reference', sa.String(length=255), nullable=False),
        sa.Column('refund_ref', sa.String(length=255), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name='fk_payment_attempt_order'),
        sa.PrimaryKeyConstraint('id', name='pk_payment_attempt'),
        sa.UniqueConstraint('reference', name='uq_payment_attempt_reference'),
    )
    op.create_index('ix_payment_attempt_order_id', 'payment_attempt', ['order_id'])
    op.execute(
        "INSERT INTO payment_attempt (order_id, provider, reference, created_at)"
        " SELECT id, provider, payment_ref, created_at FROM orders WHERE payment_ref IS NOT NULL"
    )


def downgrade():
    op.drop_index('ix_payment_attempt_order_id', table_name='payment_attempt')
    op.drop_table('payment_attempt')

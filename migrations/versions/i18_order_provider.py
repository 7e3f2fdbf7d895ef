"""orders.provider: the payment provider each order pays through (replaces payment_provider)

Revision ID: i18_order_provider
Revises: w3_door_holds_credits
Create Date: 2026-12-02 10:00:00

Old rows: 'stripe' where the order has a Stripe Checkout Session id (payment_ref
cs_...), else what payment_provider recorded when the order started ('stripe'
for a Stripe order whose payment page was never opened), else 'demo'. Wider
than before (20) for provider names such as wechat_pay; no CHECK on the names:
the registry in app/services/payments is the list, and a new provider needs no
migration.
"""
from alembic import op
import sqlalchemy as sa


revision = 'i18_order_provider'
down_revision = 'w3_door_holds_credits'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('provider', sa.String(length=20), nullable=True))
    op.execute(
        "UPDATE orders SET provider = CASE"
        " WHEN substr(payment_ref, 1, 3) = 'cs_' THEN 'stripe'"
        " WHEN payment_provider IN ('stripe', 'demo') THEN payment_provider"
        " ELSE 'demo' END"
    )
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('provider', existing_type=sa.String(length=20), nullable=False)
        batch_op.drop_column('payment_provider')


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('payment_provider', sa.String(length=10), nullable=True))
    op.execute("UPDATE orders SET payment_provider = substr(provider, 1, 10)")
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.alter_column('payment_provider', existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_column('provider')

"""Sponsored attendees: sponsor_pool, sponsor_code, orders.sponsor_pool_id; order kinds "sponsor" and
"sponsor_own"; an order paid from a pool has amount 0

Revision ID: w5_sponsor
Revises: w4_board_line_per_name
Create Date: 2026-12-04 10:50:00
"""
import sqlalchemy as sa
from alembic import op

revision = 'w5_sponsor'
down_revision = "w5_report"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'sponsor_pool',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('event_id', sa.Integer(), nullable=False),
        sa.Column('project_id', sa.Integer(), nullable=False),
        sa.Column('sponsor_name', sa.String(length=80), nullable=False),
        sa.Column('total_kg', sa.BigInteger(), nullable=False),
        sa.Column('remaining_kg', sa.BigInteger(), nullable=False),
        sa.Column('refunded_minor', sa.BigInteger(), server_default='0', nullable=False),
        sa.Column('refund_ref', sa.String(length=255), nullable=True),
        sa.Column('codes_planned', sa.Integer(), nullable=False),
        sa.Column('open_code', sa.Boolean(), nullable=False),
        sa.Column('status', sa.String(length=10), server_default='pending', nullable=False),
        sa.CheckConstraint('remaining_kg >= 0 AND remaining_kg <= total_kg', name='sponsor_pool_remaining'),
        sa.CheckConstraint("status IN ('pending', 'open', 'closed')", name='sponsor_pool_status'),
        sa.ForeignKeyConstraint(['event_id'], ['event.id']),
        sa.ForeignKeyConstraint(['project_id'], ['project.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('order_id'),
    )
    with op.batch_alter_table('sponsor_pool', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsor_pool_event_id'), ['event_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sponsor_pool_project_id'), ['project_id'], unique=False)

    op.create_table(
        'sponsor_code',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('pool_id', sa.Integer(), nullable=False),
        sa.Column('code', sa.String(length=32), nullable=False),
        sa.Column('max_uses', sa.Integer(), nullable=False),
        sa.Column('uses', sa.Integer(), server_default='0', nullable=False),
        sa.CheckConstraint('uses >= 0 AND uses <= max_uses', name='sponsor_code_uses'),
        sa.ForeignKeyConstraint(['pool_id'], ['sponsor_pool.id']),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    with op.batch_alter_table('sponsor_code', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sponsor_code_pool_id'), ['pool_id'], unique=False)

    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.add_column(sa.Column('sponsor_pool_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_orders_sponsor_pool_id'), ['sponsor_pool_id'], unique=False)
        batch_op.create_foreign_key('fk_orders_sponsor_pool', 'sponsor_pool', ['sponsor_pool_id'], ['id'])
        batch_op.drop_constraint('order_kind', type_='check')
        batch_op.create_check_constraint(
            'order_kind', sa.text("kind IN ('visitor', 'operations', 'sponsor', 'sponsor_own')"))
        batch_op.drop_constraint('order_amount_positive', type_='check')
        batch_op.create_check_constraint(
            'order_amount_positive',
            sa.text("amount_minor > 0 OR (sponsor_pool_id IS NOT NULL AND amount_minor = 0)"))


def downgrade():
    with op.batch_alter_table('orders', schema=None) as batch_op:
        batch_op.drop_constraint('order_amount_positive', type_='check')
        batch_op.create_check_constraint('order_amount_positive', sa.text('amount_minor > 0'))
        batch_op.drop_constraint('order_kind', type_='check')
        batch_op.create_check_constraint('order_kind', sa.text("kind IN ('visitor', 'operations')"))
        batch_op.drop_constraint('fk_orders_sponsor_pool', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_orders_sponsor_pool_id'))
        batch_op.drop_column('sponsor_pool_id')
    with op.batch_alter_table('sponsor_code', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsor_code_pool_id'))
    op.drop_table('sponsor_code')
    with op.batch_alter_table('sponsor_pool', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sponsor_pool_project_id'))
        batch_op.drop_index(batch_op.f('ix_sponsor_pool_event_id'))
    op.drop_table('sponsor_pool')

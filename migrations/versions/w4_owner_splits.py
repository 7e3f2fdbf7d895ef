"""payout_account and owner_split: owners' accounts at the providers, and each order's split

Revision ID: w4_owner_splits
Revises: w4_payment_attempts
Create Date: 2026-12-04 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'w4_owner_splits'
down_revision = 'w4_payment_attempts'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'payout_account',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('owner_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('kind', sa.String(length=20), nullable=False),
        sa.Column('account', sa.String(length=64), nullable=False),
        sa.Column('name', sa.String(length=120), nullable=False),
        sa.Column('added_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['owner_id'], ['project_owner.id'], name='fk_payout_account_owner'),
        sa.PrimaryKeyConstraint('id', name='pk_payout_account'),
        sa.UniqueConstraint('owner_id', 'provider', name='uq_payout_account_owner_provider'),
    )
    op.create_index('ix_payout_account_owner_id', 'payout_account', ['owner_id'])
    op.create_table(
        'owner_split',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('order_id', sa.Integer(), nullable=False),
        sa.Column('account_id', sa.Integer(), nullable=False),
        sa.Column('provider', sa.String(length=20), nullable=False),
        sa.Column('split_no', sa.String(length=64), nullable=False),
        sa.Column('amount_minor', sa.BigInteger(), nullable=False),
        sa.Column('currency', sa.String(length=3), nullable=False),
        sa.Column('status', sa.String(length=10), nullable=False),
        sa.Column('split_ref', sa.String(length=120), nullable=True),
        sa.Column('return_ref', sa.String(length=120), nullable=True),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_try_at', sa.DateTime(), nullable=False),
        sa.Column('last_error', sa.String(length=300), nullable=False),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('done_at', sa.DateTime(), nullable=True),
        sa.Column('returned_at', sa.DateTime(), nullable=True),
        sa.CheckConstraint('amount_minor > 0', name='owner_split_amount_positive'),
        sa.CheckConstraint("status IN ('pending', 'done', 'failed', 'returned', 'cancelled')", name='owner_split_status'),
        sa.ForeignKeyConstraint(['order_id'], ['orders.id'], name='fk_owner_split_order'),
        sa.ForeignKeyConstraint(['account_id'], ['payout_account.id'], name='fk_owner_split_account'),
        sa.PrimaryKeyConstraint('id', name='pk_owner_split'),
        sa.UniqueConstraint('order_id', name='uq_owner_split_order_id'),
        sa.UniqueConstraint('split_no', name='uq_owner_split_split_no'),
    )
    op.create_index('ix_owner_split_account_id', 'owner_split', ['account_id'])
    op.create_index('ix_owner_split_next_try_at', 'owner_split', ['next_try_at'])


def downgrade():
    op.drop_index('ix_owner_split_next_try_at', table_name='owner_split')
    op.drop_index('ix_owner_split_account_id', table_name='owner_split')
    op.drop_table('owner_split')
    op.drop_index('ix_payout_account_owner_id', table_name='payout_account')
    op.drop_table('payout_account')

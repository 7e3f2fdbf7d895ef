"""organization_invite: single-use invite links to join an organization (only the token's hash)

Revision ID: i11b_a1_invites
Revises: i12b_a1_credits_client
Create Date: 2026-12-01 23:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'i11b_a1_invites'
down_revision = 'i12b_a1_credits_client'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'organization_invite',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('organization_id', sa.Integer(), nullable=False),
        sa.Column('token_hash', sa.String(length=64), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(), nullable=False),
        sa.Column('expires_at', sa.DateTime(), nullable=False),
        sa.Column('used_at', sa.DateTime(), nullable=True),
        sa.Column('used_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['used_by_id'], ['user.id'], ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token_hash'),
    )
    with op.batch_alter_table('organization_invite', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_invite_organization_id'), ['organization_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('organization_invite', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_invite_organization_id'))
    op.drop_table('organization_invite')

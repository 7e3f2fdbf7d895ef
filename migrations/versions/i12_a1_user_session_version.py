"""user.session_version: sign-out and a new password end every other session

Revision ID: i12_a1_session_version
Revises: i17_a1_public_register
Create Date: 2026-12-01 22:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i12_a1_session_version'
down_revision = 'i17_a1_public_register'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.add_column(sa.Column('session_version', sa.Integer(), nullable=False, server_default='0'))


def downgrade():
    with op.batch_alter_table('user') as batch_op:
        batch_op.drop_column('session_version')

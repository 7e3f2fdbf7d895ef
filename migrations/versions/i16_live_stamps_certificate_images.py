"""live stamps (per event and platform) for conditional fragments; stored certificate images

Revision ID: i16_live_stamps
Revises: i12_a1_session_version
Create Date: 2026-12-01 22:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i16_live_stamps'
down_revision = 'i12_a1_session_version'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'live_stamp',
        sa.Column('scope_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('version', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('scope_id'),
    )
    op.create_table(
        'certificate_image',
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('shape', sa.String(length=20), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('png', sa.LargeBinary(), nullable=False),
        sa.Column('rendered_at', sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint('token', 'shape'),
    )


def downgrade():
    op.drop_table('certificate_image')
    op.drop_table('live_stamp')

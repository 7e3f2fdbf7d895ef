"""event_estimate: the organizer's estimate of the whole event's footprint (one row per event)

Revision ID: w5_estimate
Revises: w4_board_line_per_name
Create Date: 2026-12-04 10:50:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'w5_estimate'
down_revision = "w5_certzone"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'event_estimate',
        sa.Column('event_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('inputs', sa.JSON(), nullable=False),
        sa.Column('updated_at', sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(['event_id'], ['event.id'], name='fk_event_estimate_event',
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('event_id', name='pk_event_estimate'),
    )


def downgrade():
    op.drop_table('event_estimate')

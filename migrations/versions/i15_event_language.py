"""event default language (its kiosk and posters speak it)

Revision ID: i15_event_language
Revises: i16_live_stamps
Create Date: 2026-12-01 22:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'i15_event_language'
down_revision = 'i16_live_stamps'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('language', sa.String(length=5), nullable=False, server_default='en'))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('language')

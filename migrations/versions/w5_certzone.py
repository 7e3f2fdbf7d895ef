"""event.timezone: the venue's IANA time zone, filled from the country's usual zone for existing events

Revision ID: w5_certzone
Revises: w4_board_line_per_name
Create Date: 2026-12-04 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'w5_certzone'
down_revision = 'w4_board_line_per_name'
branch_labels = None
depends_on = None

# The countries' usual zones as of this revision (app/data/country_zones.csv may change later; a
# migration never does). Only the countries events were created in before; any other stays "",
# which the app reads as its country's usual zone.
USUAL = {"CN": "Asia/Shanghai", "PH": "Asia/Manila", "HK": "Asia/Hong_Kong", "SG": "Asia/Singapore",
         "GB": "Europe/London", "US": "America/New_York", "JP": "Asia/Tokyo", "TW": "Asia/Taipei",
         "DE": "Europe/Berlin", "FR": "Europe/Paris"}


def upgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), server_default='', nullable=False))
    event = sa.table('event', sa.column('country'), sa.column('timezone'))
    for country, zone in USUAL.items():
        op.execute(event.update().where(event.c.country == country).values(timezone=zone))


def downgrade():
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_column('timezone')

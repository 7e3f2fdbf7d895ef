"""names per language: a `names` JSON text column (zh, fil, ...) on event, organization, project and
project_owner; the existing columns stay the default (English) value

Revision ID: w5_names
Revises: w5_estimate
Create Date: 2026-12-04 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = 'w5_names'
down_revision = 'w5_sponsor'
branch_labels = None
depends_on = None

TABLES = ("event", "organization", "project", "project_owner")


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("names", sa.Text(), nullable=False, server_default="{}"))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("names")

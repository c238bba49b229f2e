"""The example's counters: one row per name, and its value.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "counters",
        sa.Column("name", sa.Text(), primary_key=True),
        sa.Column("value", sa.Integer(), nullable=False),
    )


def downgrade():
    op.drop_table("counters")

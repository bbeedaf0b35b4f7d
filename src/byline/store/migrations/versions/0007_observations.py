"""observations

The newest count on file for each account pushed between cycles, so that an older count (a
late push, a cycle run on an older snapshot) is recorded as stale and moves nothing.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 19:20:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "observations",
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("policy_id", "account_id", name=op.f("pk_observations")),
    )


def downgrade() -> None:
    op.drop_table("observations")

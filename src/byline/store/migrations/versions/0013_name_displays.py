"""name displays

How many times each disclosed name was shown per day and viewer class, and the display records
(minute, key, viewer, account; never a name) kept for the policy's retention days.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "display_counts",
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("viewer_class", sa.String(length=120), nullable=False),
        sa.Column("shown", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform", "account_id", "day", "viewer_class", name=op.f("pk_display_counts")
        ),
    )
    op.create_table(
        "display_records",
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("minute", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=24), nullable=False),
        sa.Column("viewer_id", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint(
            "platform",
            "minute",
            "key_id",
            "viewer_id",
            "account_id",
            name=op.f("pk_display_records"),
        ),
    )
    op.create_index(
        "ix_display_records_platform_viewer_id",
        "display_records",
        ["platform", "viewer_id"],
        unique=False,
    )
    op.create_index(
        "ix_display_records_platform_account_id",
        "display_records",
        ["platform", "account_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_display_records_platform_account_id", table_name="display_records")
    op.drop_index("ix_display_records_platform_viewer_id", table_name="display_records")
    op.drop_table("display_records")
    op.drop_table("display_counts")

"""statements of reasons, label lookup tallies

One statement of reasons per enforcement change that applies a restriction to an account,
written in the change's transaction, with a stable id (never a name); and label lookups per
day, result and viewer rule, as the API flushes its tallies.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "statements",
        sa.Column("statement_id", sa.String(length=36), nullable=False),
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("change_seq", sa.BigInteger(), nullable=False),
        sa.Column("issued_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column(
            "body", sa.JSON().with_variant(sa.JSON(none_as_null=True), "sqlite"), nullable=False
        ),
        sa.PrimaryKeyConstraint("statement_id", name=op.f("pk_statements")),
        sa.UniqueConstraint("platform", "change_seq", name=op.f("uq_statements_platform")),
    )
    op.create_index(
        "ix_statements_platform_account", "statements", ["platform", "account_id"], unique=False
    )
    op.create_index(
        "ix_statements_platform_issued", "statements", ["platform", "issued_at"], unique=False
    )
    op.create_table(
        "label_lookups",
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("result", sa.String(length=20), nullable=False),
        sa.Column("rule", sa.String(length=40), nullable=False),
        sa.Column("lookups", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("platform", "day", "result", "rule", name=op.f("pk_label_lookups")),
    )


def downgrade() -> None:
    op.drop_table("label_lookups")
    op.drop_index("ix_statements_platform_issued", table_name="statements")
    op.drop_index("ix_statements_platform_account", table_name="statements")
    op.drop_table("statements")

"""public log

The public log of disclosures: one row per entry per platform, appended with the change it
records (its leaf hash kept beside it, so a tree head is read, not recomputed from the text);
and each platform's log signing key, its seed wrapped by a master key.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 08:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "log_entries",
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("idx", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("entry", sa.Text(), nullable=False),
        sa.Column("leaf_hash", sa.LargeBinary(length=32), nullable=False),
        sa.Column("audit_seq", sa.BigInteger(), nullable=False),
        sa.Column("appended_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", "idx", name=op.f("pk_log_entries")),
    )
    op.create_table(
        "log_keys",
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("origin", sa.String(length=200), nullable=False),
        sa.Column("wrapped_seed", sa.LargeBinary(), nullable=False),
        sa.Column("master_key_id", sa.String(length=64), nullable=False),
        sa.Column("verifier_key", sa.String(length=300), nullable=False),
        sa.Column("created_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("platform", name=op.f("pk_log_keys")),
    )


def downgrade() -> None:
    op.drop_table("log_keys")
    op.drop_table("log_entries")

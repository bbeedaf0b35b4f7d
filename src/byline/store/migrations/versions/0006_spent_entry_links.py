"""spent creator entry links

A creator's console entry link (the platform's signed token) opens one session only; only the
sha256 of each token already used is kept, until the token would have expired.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22 22:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "spent_entry_links",
        sa.Column("link_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("link_hash", name=op.f("pk_spent_entry_links")),
    )
    with op.batch_alter_table("spent_entry_links", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_spent_entry_links_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("spent_entry_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_spent_entry_links_expires_at"))
    op.drop_table("spent_entry_links")

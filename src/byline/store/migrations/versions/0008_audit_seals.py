"""audit seals

The audit chain's head MAC'd with a key from the key provider, at every staff read of a name,
every cycle and every key rotation: a log rewritten by someone who can write the database but
does not hold the key no longer matches its seals.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 20:05:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "audit_seals",
        sa.Column(
            "seal_no", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column(
            "sealed_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False
        ),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("mac", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seal_no", name=op.f("pk_audit_seals")),
    )
    with op.batch_alter_table("audit_seals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_seals_seq"), ["seq"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_seals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_seals_seq"))
    op.drop_table("audit_seals")

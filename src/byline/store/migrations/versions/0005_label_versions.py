"""label versions

One counter per platform, raised by every transaction that changes what its label lookups may
answer, so server processes can tell cheaply whether their copy of the disclosed account ids
is still current.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 21:58:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "label_versions",
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("policy_id", name=op.f("pk_label_versions")),
    )


def downgrade() -> None:
    op.drop_table("label_versions")

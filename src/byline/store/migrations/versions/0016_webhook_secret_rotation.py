"""webhook secret rotation

While an endpoint's secret rotates, the secret it replaces keeps signing (beside the new one)
until a set time: ``previous_secret`` and ``previous_secret_until`` (both NULL when no rotation
is under way).

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-03 10:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store._tables

revision = "0016"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sa.String(length=200), nullable=True))
        batch_op.add_column(
            sa.Column(
                "previous_secret_until",
                byline.store._tables.UtcDateTime(timezone=True),
                nullable=True,
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_until")
        batch_op.drop_column("previous_secret")

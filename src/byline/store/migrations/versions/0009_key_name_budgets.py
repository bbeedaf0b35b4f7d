"""key name budgets

Each API key may carry its own budget of distinct disclosed names it may be shown per hour
(NULL: the server's default), the hard cap against harvesting whatever viewers it claims.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 20:45:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_budget_per_hour", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_keys", schema=None) as batch_op:
        batch_op.drop_column("name_budget_per_hour")

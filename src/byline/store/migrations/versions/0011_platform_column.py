"""platform column

One name for one idea: the platform (every platform is a tenant; its id is its policy's id) is
``platform`` in every table, as it already was in the outbox, access and webhook tables. The
case tables called it ``policy_id``; the column is renamed, with the index and the unique
constraint named after it. SQLite moves each table through batch mode (a copy).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 04:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

TABLES = (
    "cases",
    "enforcement",
    "enforcement_changes",
    "labels",
    "label_versions",
    "cycles",
    "policy_activations",
    "observations",
    "case_assignments",
)


def _rename(old: str, new: str) -> None:
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "enforcement_changes":
                batch_op.drop_index(f"ix_enforcement_changes_{old}")
            if table == "cases":
                batch_op.drop_constraint(f"uq_cases_{old}", type_="unique")
            batch_op.alter_column(old, new_column_name=new)
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table == "enforcement_changes":
                batch_op.create_index(f"ix_enforcement_changes_{new}", [new], unique=False)
            if table == "cases":
                batch_op.create_unique_constraint(f"uq_cases_{new}", [new, "open_account_id"])


def upgrade() -> None:
    _rename("policy_id", "platform")


def downgrade() -> None:
    _rename("platform", "policy_id")

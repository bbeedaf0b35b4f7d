"""vault notes

Reasons became codes from closed lists; free text given beside a code (a note) is kept only
here, encrypted under the account's data key, read only through an audited reveal and
shredded with the account's names.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-09 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "vault_notes",
        sa.Column("note_id", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("key_id", sa.String(length=36), nullable=True),
        sa.Column("nonce", sa.LargeBinary(), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("erased_at", byline.store._tables.UtcDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["vault_keys.key_id"],
            name=op.f("fk_vault_notes_key_id_vault_keys"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("note_id", name=op.f("pk_vault_notes")),
    )
    with op.batch_alter_table("vault_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_vault_notes_account_id"), ["account_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("vault_notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_vault_notes_account_id"))
    op.drop_table("vault_notes")

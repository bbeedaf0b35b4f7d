"""console sign-in and review assignment

Staff users (scrypt-hashed passwords, one platform and one role each), console sessions (only
the sha256 of the cookie's token is kept), and which reviewer a case is assigned to.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 18:31:40.093634
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import byline.store

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "case_assignments",
        sa.Column("case_id", sa.String(length=36), nullable=False),
        sa.Column("policy_id", sa.String(length=80), nullable=False),
        sa.Column("reviewer", sa.String(length=120), nullable=False),
        sa.Column("assigned_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_assignments")),
    )
    with op.batch_alter_table("case_assignments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_case_assignments_reviewer"), ["reviewer"], unique=False
        )

    op.create_table(
        "console_sessions",
        sa.Column("session_hash", sa.String(length=64), nullable=False),
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=True),
        sa.Column("account_id", sa.String(length=200), nullable=True),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("session_hash", name=op.f("pk_console_sessions")),
    )
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_console_sessions_expires_at"), ["expires_at"], unique=False
        )

    op.create_table(
        "staff_users",
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("platform", sa.String(length=80), nullable=False),
        sa.Column("role", sa.String(length=20), nullable=False),
        sa.Column("created_at", byline.store._tables.UtcDateTime(timezone=True), nullable=False),
        sa.Column("disabled_at", byline.store._tables.UtcDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_staff_users")),
    )
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staff_users_platform"), ["platform"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("staff_users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_users_platform"))

    op.drop_table("staff_users")
    with op.batch_alter_table("console_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_console_sessions_expires_at"))

    op.drop_table("console_sessions")
    with op.batch_alter_table("case_assignments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_assignments_reviewer"))

    op.drop_table("case_assignments")

"""outbox platform

Every outbox message and every webhook endpoint belongs to one platform (the tenant: its policy
id), so that an endpoint registered for one platform never receives another's messages.

Existing rows:

* messages: the platform is read back from ``payload.policy_id``, which every notice,
  enforcement and label message Byline writes carries; a message without one keeps "".
* endpoints: nothing recorded says whose they are. If the database has only one platform (one
  policy id among the activated policies and the messages), they are that platform's;
  otherwise they keep "" and receive nothing until re-registered for their platform: better
  a paused delivery than another platform's messages.

The columns are added NOT NULL with a server default of "" so that SQLite can add them in
place (``ALTER TABLE ... ADD COLUMN``; downgrading uses ``DROP COLUMN``, SQLite 3.35+): a batch
rebuild of ``outbox`` or ``webhook_endpoints`` fails under ``PRAGMA foreign_keys = ON`` as soon
as ``webhook_deliveries`` rows refer to them, hence ``recreate="never"``. The code never relies
on the default: it always writes a platform and refuses "".

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 17:18:02.114625
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# The platforms a database already knows about: activated policies and messages' platforms.
_KNOWN_PLATFORMS = """
    SELECT policy_id AS platform FROM policy_activations
    UNION
    SELECT platform FROM outbox WHERE platform <> ''
"""


def upgrade() -> None:
    with op.batch_alter_table("outbox", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("platform", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.create_index(batch_op.f("ix_outbox_platform"), ["platform"], unique=False)

    with op.batch_alter_table("webhook_endpoints", recreate="never") as batch_op:
        batch_op.add_column(
            sa.Column("platform", sa.String(length=80), server_default="", nullable=False)
        )
        batch_op.create_index(
            batch_op.f("ix_webhook_endpoints_platform"), ["platform"], unique=False
        )

    if op.get_bind().dialect.name == "postgresql":
        policy_id = "(payload ->> 'policy_id')"
    else:  # SQLite
        policy_id = "json_extract(payload, '$.policy_id')"
    op.execute(
        f"UPDATE outbox SET platform = {policy_id} "
        f"WHERE {policy_id} IS NOT NULL AND length({policy_id}) BETWEEN 1 AND 80"
    )
    op.execute(
        "UPDATE webhook_endpoints"
        f" SET platform = (SELECT MIN(platform) FROM ({_KNOWN_PLATFORMS}) AS known)"
        f" WHERE (SELECT COUNT(*) FROM ({_KNOWN_PLATFORMS}) AS known) = 1"
    )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoints", recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_webhook_endpoints_platform"))
        batch_op.drop_column("platform")

    with op.batch_alter_table("outbox", recreate="never") as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_platform"))
        batch_op.drop_column("platform")

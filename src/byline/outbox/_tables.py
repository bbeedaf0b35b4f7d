"""Outbox tables: messages written with the state change that caused them, the webhook
endpoints that receive them, and one delivery record per (message, endpoint).

Every message and every endpoint belongs to one platform (the tenant: its policy id); an
endpoint only ever receives its own platform's messages. The ``platform`` columns default to
"" only for rows written before migration 0003 could say which platform they belong to:
``enqueue`` and ``register_endpoint`` always set it, and refuse an empty one."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Integer,
    String,
    Table,
    UniqueConstraint,
)

from byline.store import SEQUENCE, JSONValue, UtcDateTime, metadata

outbox = Table(
    "outbox",
    metadata,
    Column("seq", SEQUENCE, primary_key=True),
    Column("message_id", String(64), nullable=False, unique=True),  # the idempotency key
    Column("created_at", UtcDateTime, nullable=False),
    Column("platform", String(80), nullable=False, index=True, server_default=""),
    Column("topic", String(40), nullable=False, index=True),
    Column("account_id", String(200), index=True),
    Column("case_id", String(36)),
    Column("payload", JSONValue, nullable=False),
)

webhook_endpoints = Table(
    "webhook_endpoints",
    metadata,
    Column("endpoint_id", String(36), primary_key=True),
    Column("platform", String(80), nullable=False, index=True, server_default=""),
    Column("url", String(500), nullable=False),
    Column("secret", String(200), nullable=False),
    # while a secret rotates: the one it replaces, signing beside it until the given time
    Column("previous_secret", String(200)),
    Column("previous_secret_until", UtcDateTime),
    Column("topics", JSONValue, nullable=False),
    Column("active", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

webhook_deliveries = Table(
    "webhook_deliveries",
    metadata,
    Column("id", SEQUENCE, primary_key=True),
    Column("message_id", String(64), ForeignKey("outbox.message_id"), nullable=False),
    Column("endpoint_id", String(36), ForeignKey("webhook_endpoints.endpoint_id"), nullable=False),
    Column("status", String(20), nullable=False, index=True),  # pending | delivered
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime, index=True),
    Column("delivered_at", UtcDateTime),
    Column("last_status", Integer),
    Column("last_error", String(500)),
    UniqueConstraint("message_id", "endpoint_id"),
)

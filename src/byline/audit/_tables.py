"""Tables of the audit trail: the hash-chained log, the head every append locks, the seals."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Integer, String, Table

from byline.store import SEQUENCE, JSONValue, UtcDateTime, metadata

audit_log = Table(
    "audit_log",
    metadata,
    Column("seq", SEQUENCE, primary_key=True),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(120), nullable=False),
    Column("action", String(40), nullable=False),
    Column("case_id", String(40), index=True),
    Column("account_id", String(200), index=True),
    Column("policy_version", String(80)),
    Column("request_id", String(80)),
    Column("before", JSONValue),
    Column("after", JSONValue),
    Column("detail", JSONValue),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)

# One row that every append locks first: appends are serialised, so the chain never forks.
audit_head = Table(
    "audit_head",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", BigInteger, nullable=False),
    Column("hash", String(64), nullable=False),
)


audit_seals = Table(
    "audit_seals",
    metadata,
    Column("seal_no", SEQUENCE, primary_key=True),
    Column("seq", BigInteger, nullable=False, index=True),  # the entry sealed: the head then
    Column("hash", String(64), nullable=False),
    Column("sealed_at", UtcDateTime, nullable=False),
    Column("reason", String(40), nullable=False),
    Column("key_id", String(80), nullable=False),
    Column("mac", String(64), nullable=False),
)

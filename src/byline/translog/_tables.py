"""The log's table: one row per entry, per platform, in the order appended (``idx`` from 0)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, LargeBinary, String, Table, Text

from byline.store import UtcDateTime, metadata

log_entries = Table(
    "log_entries",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("idx", BigInteger, primary_key=True, autoincrement=False),
    Column("entry", Text, nullable=False),  # canonical JSON: what the leaf hash is of
    Column("leaf_hash", LargeBinary(32), nullable=False),
    Column("audit_seq", BigInteger, nullable=False),
    Column("appended_at", UtcDateTime, nullable=False),
)

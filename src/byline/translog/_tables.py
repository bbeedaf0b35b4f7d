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

# Each platform's log signing key (Ed25519): its seed wrapped by the key provider's master key,
# as the vault's data keys are; the verifier key beside it, public.
log_keys = Table(
    "log_keys",
    metadata,
    Column("platform", String(80), primary_key=True),
    Column("origin", String(200), nullable=False),
    Column("wrapped_seed", LargeBinary, nullable=False),
    Column("master_key_id", String(64), nullable=False),
    Column("verifier_key", String(300), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

"""Vault tables: one data key per account (wrapped by a master key), the encrypted names and
the encrypted notes (free text given beside a coded reason)."""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, LargeBinary, String, Table

from byline.store import UtcDateTime, metadata

vault_keys = Table(
    "vault_keys",
    metadata,
    Column("key_id", String(36), primary_key=True),
    Column("account_id", String(200), nullable=False, unique=True),
    Column("wrapped_key", LargeBinary, nullable=False),
    Column("master_key_id", String(64), nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("rewrapped_at", UtcDateTime),
)

vault_names = Table(
    "vault_names",
    metadata,
    Column("name_id", String(36), primary_key=True),
    Column("account_id", String(200), nullable=False, index=True),
    # NULL once the account's key is shredded: the ciphertext is then unreadable for ever.
    Column("key_id", String(36), ForeignKey("vault_keys.key_id", ondelete="SET NULL")),
    Column("kind", String(20), nullable=False),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("status", String(20), nullable=False),  # submitted | verified | rejected | erased
    Column("submitted_at", UtcDateTime, nullable=False),
    Column("verification_method", String(40)),
    Column("verification_ref", String(120)),
    Column("verified_at", UtcDateTime),
    Column("verified_by", String(120)),
    Column("document_hash", String(64)),  # salted hash only, never the number itself
)

# Free text beside a coded reason (a reviewer's, a holder's, a reader's): encrypted under the
# account's data key like its names, read only through an audited reveal, shredded with them.
vault_notes = Table(
    "vault_notes",
    metadata,
    Column("note_id", String(36), primary_key=True),
    Column("account_id", String(200), nullable=False, index=True),
    Column("key_id", String(36), ForeignKey("vault_keys.key_id", ondelete="SET NULL")),
    Column("nonce", LargeBinary, nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("erased_at", UtcDateTime),  # set when shredded: the ciphertext is blanked
)

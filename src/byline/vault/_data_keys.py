"""Data keys: one AES-256 key per account, stored only wrapped by a master key (bound to the
account by associated data), re-wrapped on rotation, deleted to shred."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, Row, delete, func, select, update

from byline.store import insert_if_absent
from byline.vault._crypto import associated_data, new_key
from byline.vault._keys import KeyProvider
from byline.vault._tables import vault_keys

# Account ids the vault keeps for itself; platform account ids never start like this.
RESERVED_ACCOUNT_PREFIX = "byline:vault:"
# The secret key of the document-number hash lives as the data key of this pseudo-account:
# wrapped by the master key like every data key, re-wrapped by rotation, never erased.
DOCUMENT_HASH_ACCOUNT = RESERVED_ACCOUNT_PREFIX + "document-hash-key"


class DataKeys:
    """The ``vault_keys`` table seen through a key provider."""

    def __init__(self, provider: KeyProvider) -> None:
        self.provider = provider

    def __repr__(self) -> str:
        return f"DataKeys(provider={self.provider!r})"

    def for_account(self, conn: Connection, account_id: str, at: dt.datetime) -> tuple[str, bytes]:
        """(key id, data key) of the account, created with its first name."""
        row = conn.execute(select(vault_keys).where(vault_keys.c.account_id == account_id)).first()
        if row is None:
            data_key = new_key()
            wrapped, master_key_id = self.provider.wrap(
                data_key, associated_data=key_aad(account_id)
            )
            key_id = str(uuid.uuid4())
            values = {
                "key_id": key_id,
                "account_id": account_id,
                "wrapped_key": wrapped,
                "master_key_id": master_key_id,
                "created_at": at,
            }
            if _insert_if_absent(conn, values):
                return key_id, data_key
            # Another transaction created the account's key first: use theirs.
            row = conn.execute(
                select(vault_keys).where(vault_keys.c.account_id == account_id)
            ).one()
        return str(row.key_id), self.unwrap(row)

    def row(self, conn: Connection, key_id: str) -> Row[Any] | None:
        return conn.execute(select(vault_keys).where(vault_keys.c.key_id == key_id)).first()

    def unwrap(self, key_row: Row[Any]) -> bytes:
        return self.unwrap_parts(key_row.account_id, key_row.wrapped_key, key_row.master_key_id)

    def unwrap_parts(self, account_id: str, wrapped_key: bytes, master_key_id: str) -> bytes:
        """The data key; it only unwraps for the account it was wrapped for (associated data)."""
        return self.provider.unwrap(wrapped_key, master_key_id, associated_data=key_aad(account_id))

    def rewrap(self, conn: Connection, at: dt.datetime, limit: int | None) -> tuple[int, set[str]]:
        """Re-wrap up to ``limit`` data keys not under the current master key:
        (how many, the master key ids they were under)."""
        query = (
            select(vault_keys)
            .where(vault_keys.c.master_key_id != self.provider.current_key_id)
            .order_by(vault_keys.c.key_id)
            .with_for_update()
        )
        if limit is not None:
            query = query.limit(limit)
        rewrapped, previous = 0, set[str]()
        for row in conn.execute(query).all():
            aad = key_aad(row.account_id)
            wrapped, master_key_id = self.provider.wrap(self.unwrap(row), associated_data=aad)
            result = conn.execute(
                update(vault_keys)
                .where(
                    vault_keys.c.key_id == row.key_id,
                    vault_keys.c.master_key_id == row.master_key_id,
                )
                .values(wrapped_key=wrapped, master_key_id=master_key_id, rewrapped_at=at)
            )
            rewrapped += result.rowcount
            previous.add(str(row.master_key_id))
        return rewrapped, previous

    def in_use(self, conn: Connection) -> dict[str, int]:
        rows = conn.execute(
            select(vault_keys.c.master_key_id, func.count()).group_by(vault_keys.c.master_key_id)
        ).all()
        return {str(key_id): int(count) for key_id, count in rows}

    def shred(self, conn: Connection, account_id: str) -> None:
        conn.execute(delete(vault_keys).where(vault_keys.c.account_id == account_id))

    def document_hash(self, conn: Connection, canonical: str, at: dt.datetime) -> str:
        """HMAC-SHA256 of a canonical document number under the vault's document-hash key.

        A document number has little entropy (an 18-character resident identity card number is
        mostly region, birth date and a checksum), so a plain or publicly salted hash could be
        reversed by trying every plausible number. The key is a secret of this vault, stored
        only wrapped by the master key and used for nothing else, and the same for every name:
        equal numbers give equal hashes (one document behind several accounts can be found),
        and rotation keeps them.
        """
        _, key = self.for_account(conn, DOCUMENT_HASH_ACCOUNT, at)
        message = b"byline/document-number/v1\x00" + canonical.encode()
        return hmac.new(key, message, hashlib.sha256).hexdigest()


def key_aad(account_id: str) -> bytes:
    return associated_data("byline/vault/data-key/v1", account_id)


def _insert_if_absent(conn: Connection, values: Mapping[str, Any]) -> bool:
    """Insert a data key unless the account has one already; whether this call inserted it."""
    return insert_if_absent(conn, vault_keys, values, key=["account_id"])

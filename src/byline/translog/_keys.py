"""Where each platform's log signing key is kept: its seed wrapped by the key provider's master
key (the caller wraps and unwraps; this package never holds a master key)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select

from byline.store import Connection, insert_if_absent
from byline.translog._tables import log_keys


class StoredKey(NamedTuple):
    platform: str
    origin: str
    wrapped_seed: bytes
    master_key_id: str
    verifier_key: str


def stored_key(conn: Connection, platform: str) -> StoredKey | None:
    row = conn.execute(select(log_keys).where(log_keys.c.platform == platform)).first()
    if row is None:
        return None
    return StoredKey(
        row.platform, row.origin, bytes(row.wrapped_seed), row.master_key_id, row.verifier_key
    )


def store_key(conn: Connection, key: StoredKey, at: dt.datetime) -> bool:
    """Keep ``key`` unless the platform has one already; whether this call kept it."""
    return insert_if_absent(conn, log_keys, {**key._asdict(), "created_at": at}, key=("platform",))

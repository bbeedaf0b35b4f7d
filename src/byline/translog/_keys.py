"""Where each platform's log signing key is kept: its seed wrapped by the key provider's master
key (the caller wraps and unwraps; this package never holds a master key)."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

from sqlalchemy import select, update

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


def keys_not_under(conn: Connection, master_key_id: str) -> list[StoredKey]:
    """The log keys wrapped by another master key than ``master_key_id`` (to re-wrap)."""
    rows = conn.execute(
        select(log_keys.c.platform).where(log_keys.c.master_key_id != master_key_id)
    ).all()
    return [k for (platform,) in rows if (k := stored_key(conn, platform)) is not None]


def rewrap(conn: Connection, key: StoredKey, wrapped_seed: bytes, master_key_id: str) -> None:
    """Keep ``key``'s seed as wrapped anew (the same seed: the verifier key is unchanged)."""
    conn.execute(
        update(log_keys)
        .where(log_keys.c.platform == key.platform)
        .values(wrapped_seed=wrapped_seed, master_key_id=master_key_id)
    )

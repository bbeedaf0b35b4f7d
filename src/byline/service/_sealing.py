"""Sealing the audit chain's head with the key provider, and telling the platform.

Called in the transaction of whatever must not quietly vanish (a staff read of a name, a
cycle), so the seal and the entry it covers commit together."""

from __future__ import annotations

import datetime as dt
from typing import Any

from byline import audit, outbox
from byline.store import Connection


def seal_and_send(
    conn: Connection,
    sealer: audit.Sealer,
    platform: str,
    at: dt.datetime,
    reason: str,
    *,
    key: str | None = None,
    extra: dict[str, Any] | None = None,
) -> audit.Seal:
    """Seal the head; the platform gets the seal (its witness copy) by webhook topic ``audit``."""
    sealed = audit.seal(conn, sealer, at, reason)
    outbox.enqueue(
        conn,
        platform=platform,
        topic=outbox.Topic.AUDIT,
        at=at,
        key=key or f"audit-seal:{sealed.seal_no}",
        payload={**sealed.as_dict(), **(extra or {})},
    )
    return sealed

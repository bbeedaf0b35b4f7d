"""The log's entries: which case changes are public events, how an entry is written (canonical
JSON, never a name), and the append that puts it in the transaction of its change.

An entry is appended only after the change's audit entry, in the same transaction: the audit
append holds the audit head's lock to the commit, so entries get their indexes one writer at a
time, in the order the audit trail records their changes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import func, insert, select

from byline.domain.merkle import leaf_hash
from byline.domain.vocabulary import AuditAction
from byline.store import Connection
from byline.translog._tables import log_entries

# A label that comes down says why, by the case change that took it down.
_DOWN_BECAUSE = {
    AuditAction.CASE_RELEASED.value: "released",
    AuditAction.CASE_WITHDRAWN.value: "withdrawn",
    AuditAction.CASE_NAME_ERASED.value: "erased",
}
EVENTS = ("disclosed", "label_withdrawn", "released", "withdrawn", "erased", "exempted")


def public_event(actions: Sequence[str], label_live: bool | None) -> str | None:
    """The public event of a case change: its label going up or down (``label_live``, None
    when the change leaves the label as it was), or an upheld appeal exempting the account;
    None when the public sees no change."""
    if label_live is True:
        return "disclosed"
    if label_live is False:
        return next((_DOWN_BECAUSE[a] for a in actions if a in _DOWN_BECAUSE), "label_withdrawn")
    if AuditAction.CASE_APPEAL_UPHELD.value in actions:
        return "exempted"
    return None


def canonical(entry: Mapping[str, Any]) -> str:
    """UTF-8 JSON with sorted keys and no spaces: the same entry, the same bytes, anywhere."""
    return json.dumps(entry, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def append(
    conn: Connection, platform: str, entry: Mapping[str, Any], audit_seq: int, at: dt.datetime
) -> int:
    """Append ``entry`` to ``platform``'s log in ``conn``'s transaction; return its index."""
    text = canonical(entry)
    index = size(conn, platform)
    conn.execute(
        insert(log_entries).values(
            platform=platform,
            idx=index,
            entry=text,
            leaf_hash=leaf_hash(text.encode()),
            audit_seq=audit_seq,
            appended_at=at,
        )
    )
    return index


def size(conn: Connection, platform: str) -> int:
    found = conn.execute(
        select(func.max(log_entries.c.idx)).where(log_entries.c.platform == platform)
    ).scalar()
    return 0 if found is None else int(found) + 1


def leaves(
    conn: Connection, platform: str, upto: int | None = None, start: int = 0
) -> list[bytes]:
    """The leaf hashes of entries ``start`` .. ``upto`` - 1 (to the end by default), in order."""
    query = select(log_entries.c.leaf_hash).where(
        log_entries.c.platform == platform, log_entries.c.idx >= start
    )
    if upto is not None:
        query = query.where(log_entries.c.idx < upto)
    return [bytes(h) for (h,) in conn.execute(query.order_by(log_entries.c.idx))]


def entries(conn: Connection, platform: str, start: int, end: int) -> list[tuple[int, str]]:
    """(index, entry) of the entries ``start`` .. ``end`` - 1."""
    rows = conn.execute(
        select(log_entries.c.idx, log_entries.c.entry)
        .where(
            log_entries.c.platform == platform,
            log_entries.c.idx >= start,
            log_entries.c.idx < end,
        )
        .order_by(log_entries.c.idx)
    )
    return [(int(i), str(e)) for i, e in rows]


def size_before(conn: Connection, platform: str, end: dt.datetime) -> int:
    """The log's size at its last entry appended before ``end`` (0: none was)."""
    t = log_entries.c
    found = conn.execute(
        select(func.max(t.idx)).where(t.platform == platform, t.appended_at < end)
    ).scalar()
    return 0 if found is None else int(found) + 1


def entries_between(
    conn: Connection, platform: str, start: dt.datetime, end: dt.datetime
) -> list[tuple[int, str]]:
    """(index, entry) of the entries appended in [start, end), in log order."""
    t = log_entries.c
    rows = conn.execute(
        select(t.idx, t.entry)
        .where(t.platform == platform, t.appended_at >= start, t.appended_at < end)
        .order_by(t.idx)
    )
    return [(int(i), str(e)) for i, e in rows]

"""The audit log: append-only and hash-chained, so an edit, deletion, insertion or reordering
anywhere is detected by ``verify``.

Each entry's hash covers its own fields and the previous entry's hash. Entries never carry a
name or an identity-document number: callers pass only ids, states and reasons.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Connection,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    update,
)

from byline.audit._actions import AuditAction
from byline.audit._tables import audit_head, audit_log
from byline.store import insert_if_absent

GENESIS = "0" * 64
PAGE = 5000  # rows per read of a long listing


@dataclass(frozen=True)
class AuditEntry:
    at: dt.datetime
    actor: str
    action: AuditAction | str
    case_id: str | None = None
    account_id: str | None = None
    policy_version: str | None = None
    request_id: str | None = None
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    detail: dict[str, Any] | None = None


def _digest(seq: int, prev_hash: str, row: dict[str, Any]) -> str:
    body = {
        k: row[k]
        for k in (
            "at",
            "actor",
            "action",
            "case_id",
            "account_id",
            "policy_version",
            "request_id",
            "before",
            "after",
            "detail",
        )
    }
    body["at"] = row["at"].astimezone(dt.UTC).isoformat()
    canonical = json.dumps(
        [seq, prev_hash, body],
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


_INSERT_ENTRY = insert(audit_log)
_MOVE_HEAD = (
    update(audit_head)
    .where(audit_head.c.id == 1)
    .values(seq=bindparam("new_seq"), hash=bindparam("new_hash"))
)


def append(conn: Connection, entry: AuditEntry) -> int:
    """Append ``entry`` in the caller's transaction; return its sequence number."""
    locked = select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
    head = conn.execute(locked.with_for_update()).first()
    if head is None:  # the first entry ever: two writers may get here at once
        insert_if_absent(conn, audit_head, {"id": 1, "seq": 0, "hash": GENESIS}, key=["id"])
        head = conn.execute(locked.with_for_update()).one()
    seq, prev = int(head.seq), str(head.hash)
    row = {
        "at": entry.at,
        "actor": entry.actor,
        "action": str(entry.action),
        "case_id": entry.case_id,
        "account_id": entry.account_id,
        "policy_version": entry.policy_version,
        "request_id": entry.request_id,
        "before": entry.before,
        "after": entry.after,
        "detail": entry.detail,
    }
    row = _normalise(row)
    new_seq = seq + 1
    digest = _digest(new_seq, prev, row)
    conn.execute(_INSERT_ENTRY, {"seq": new_seq, "prev_hash": prev, "hash": digest, **row})
    conn.execute(_MOVE_HEAD, {"new_seq": new_seq, "new_hash": digest})
    return new_seq


def _normalise(row: dict[str, Any]) -> dict[str, Any]:
    """What the database will hand back: JSON round-tripped, so hashes match on re-reading."""
    for key in ("before", "after", "detail"):
        if row[key] is not None:
            row[key] = json.loads(json.dumps(row[key], default=str))
    return row


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    entries: int
    first_bad_seq: int | None = None
    problem: str = ""
    last_must_be_sealed: int = 0  # the newest entry whose action must be sealed (0: none)
    seals: dict[str, Any] | None = None  # what the seals said, when they were checked


def head(conn: Connection) -> tuple[int, str]:
    """The chain's newest entry (sequence number, hash): what an outside witness keeps."""
    row = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    return (int(row.seq), str(row.hash)) if row else (0, GENESIS)


def verify_chain(
    conn: Connection,
    anchor: tuple[int, str] | None = None,
    *,
    sealed: Mapping[int, set[str]] | None = None,
    must_be_sealed: frozenset[str] = frozenset(),
) -> ChainReport:
    """Walk the chain from the start; report the first entry that does not fit.

    A chain alone cannot show that its newest entries were cut off (and its head rewritten):
    ``anchor`` is a head seen earlier by an outside witness (the platform receives one after
    every cycle); the chain must still hold that entry with that hash. ``sealed`` maps entry
    numbers to the hashes seals recorded for them: the chain must still hold each.
    """
    prev, expected_seq, count, last_must = GENESIS, 1, 0, 0
    anchor_ok = anchor is None
    sealed = sealed or {}
    result = conn.execute(select(audit_log).order_by(audit_log.c.seq)).mappings()
    for row in result:
        seq = int(row["seq"])
        if anchor is not None and seq == anchor[0]:
            anchor_ok = row["hash"] == anchor[1]
        if seq in sealed and sealed[seq] != {row["hash"]}:
            return ChainReport(
                False, count, seq, f"entry {seq} is not the one that was sealed: rewritten"
            )
        if row["action"] in must_be_sealed:
            last_must = seq
        if seq != expected_seq:
            return ChainReport(
                False, count, expected_seq, f"entry {expected_seq} is missing (next is {seq})"
            )
        if row["prev_hash"] != prev:
            return ChainReport(False, count, seq, f"entry {seq} does not follow entry {seq - 1}")
        if _digest(seq, prev, dict(row)) != row["hash"]:
            return ChainReport(False, count, seq, f"entry {seq} was altered after it was written")
        prev, expected_seq, count = row["hash"], seq + 1, count + 1
    beyond = [seq for seq in sealed if seq > count]
    if beyond:
        return ChainReport(
            False,
            count,
            min(beyond),
            f"a seal names entry {min(beyond)}, but the log ends at entry {count}: it was cut",
        )
    last = conn.execute(select(audit_head.c.seq, audit_head.c.hash)).first()
    if last is not None and (int(last.seq) != count or last.hash != prev):
        return ChainReport(
            False,
            count,
            count + 1 if int(last.seq) > count else count,
            f"the log ends at entry {count} but {int(last.seq)} were written",
        )
    if not anchor_ok and anchor is not None:
        return ChainReport(
            False,
            count,
            anchor[0],
            f"entry {anchor[0]} is not the one the witness saw: the log was cut or rewritten",
        )
    return ChainReport(True, count, last_must_be_sealed=last_must)


def entries_for(
    conn: Connection, *, case_id: str | None = None, account_id: str | None = None
) -> list[dict[str, Any]]:
    query = select(audit_log).order_by(audit_log.c.seq)
    if case_id is not None:
        query = query.where(audit_log.c.case_id == case_id)
    if account_id is not None:
        query = query.where(audit_log.c.account_id == account_id)
    return [dict(r) for r in conn.execute(query).mappings()]


def case_trail(
    conn: Connection, case_id: str, subject: str, since: dt.datetime
) -> list[dict[str, Any]]:
    """A case's entries and every staff read of ``subject``'s names and notes since ``since``
    (those name the vault's subject, not the case), oldest first."""
    log = audit_log.c
    reads = and_(
        log.action.in_([AuditAction.NAME_DECRYPTED.value, AuditAction.NOTE_DECRYPTED.value]),
        log.account_id == subject,
        log.at >= since,
    )
    rows = conn.execute(
        select(log.seq, log.at, log.action, log.actor, log.after, log.detail)
        .where(or_(log.case_id == case_id, reads))
        .order_by(log.seq)
    ).mappings()
    return [dict(r) for r in rows]


def entries_between(
    conn: Connection, actions: Iterable[str], start: dt.datetime, end: dt.datetime
) -> Iterator[Any]:
    """Entries of ``actions`` written in [start, end), in chain order: ``seq``, ``at``,
    ``action``, ``case_id``, ``account_id``, ``policy_version``, ``after``, ``detail``."""
    log, after, wanted = audit_log.c, 0, list(actions)
    while True:  # pages by sequence number: no server-side cursor, a bounded page in memory
        rows = conn.execute(
            select(
                log.seq,
                log.at,
                log.action,
                log.case_id,
                log.account_id,
                log.policy_version,
                log.after,
                log.detail,
            )
            .where(log.action.in_(wanted), log.at >= start, log.at < end, log.seq > after)
            .order_by(log.seq)
            .limit(PAGE)
        ).all()
        yield from rows
        if len(rows) < PAGE:
            return
        after = rows[-1].seq


def first_at(conn: Connection, action: str, case_ids: Iterable[str]) -> dict[str, dt.datetime]:
    """When each of ``case_ids`` first had an entry of ``action`` (cases without one: absent)."""
    log = audit_log.c
    found: dict[str, dt.datetime] = {}
    ids = sorted(set(case_ids))
    for i in range(0, len(ids), 500):
        rows = conn.execute(
            select(log.case_id, func.min(log.at))
            .where(log.action == action, log.case_id.in_(ids[i : i + 500]))
            .group_by(log.case_id)
        )
        found.update({str(c): at for c, at in rows})
    return found


def head_before(conn: Connection, end: dt.datetime) -> tuple[int, str]:
    """The newest entry written before ``end`` (sequence number, hash); (0, GENESIS) if none."""
    log = audit_log.c
    row = conn.execute(
        select(log.seq, log.hash).where(log.at < end).order_by(log.seq.desc()).limit(1)
    ).first()
    return (int(row.seq), str(row.hash)) if row else (0, GENESIS)


def name_readers(conn: Connection, subject: str, name_id: str) -> list[str]:
    """Who has read the name ``name_id`` of vault subject ``subject`` (``name:decrypted``
    entries: each actor once, in the order of their first read)."""
    log = audit_log.c
    rows = conn.execute(
        select(log.actor, log.detail)
        .where(log.action == AuditAction.NAME_DECRYPTED.value, log.account_id == subject)
        .order_by(log.seq)
    )
    readers = [r.actor for r in rows if (r.detail or {}).get("name_id") == name_id]
    return list(dict.fromkeys(readers))

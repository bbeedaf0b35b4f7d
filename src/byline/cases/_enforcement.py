"""The enforcement signals: what is in force for an account, and every change since a cursor
(the platform's feed); writing a change and what it puts in force."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Text, cast, insert, select

from byline.cases._platform_rows import put_row
from byline.cases._tables import enforcement, enforcement_changes


def in_force(conn: Connection, platform: str, account_id: str) -> dict[str, Any] | None:
    """The restrictions and incentives in force for an account (None: nothing ever was)."""
    t = enforcement.c
    row = conn.execute(
        select(enforcement).where(t.platform == platform, t.account_id == account_id)
    ).first()
    if row is None:
        return None
    return {
        "restrictions": row.restrictions,
        "incentives": row.incentives,
        "since": row.since,
        "reason": row.reason,
        "cursor": row.change_seq,
        "case_id": row.case_id,
    }


def changes_after(conn: Connection, platform: str, cursor: int, limit: int) -> list[dict[str, Any]]:
    """Enforcement changes after ``cursor``, oldest first, at most ``limit``."""
    t = enforcement_changes.c
    rows = conn.execute(
        select(enforcement_changes)
        .where(t.platform == platform, t.seq > cursor)
        .order_by(t.seq)
        .limit(limit)
    ).all()
    return [
        {
            "cursor": r.seq,
            "at": r.at,
            "account_id": r.account_id,
            "restrictions": r.restrictions,
            "incentives": r.incentives,
            "reason": r.reason,
        }
        for r in rows
    ]


def put_in_force(
    conn: Connection,
    platform: str,
    account_id: str,
    *,
    case_id: str,
    restrictions: Sequence[dict[str, Any]],
    incentives: Sequence[str],
    reason: str,
    at: dt.datetime,
) -> int:
    """Record an enforcement change (the feed's next entry) and put it in force for the
    account; return the change's cursor."""
    change = {
        "account_id": account_id,
        "case_id": case_id,
        "platform": platform,
        "restrictions": list(restrictions),
        "incentives": list(incentives),
        "reason": reason,
    }
    cursor = int(
        conn.execute(
            insert(enforcement_changes).values(at=at, **change).returning(enforcement_changes.c.seq)
        ).scalar_one()
    )
    put_row(conn, enforcement, {**change, "since": at, "change_seq": cursor})
    return cursor


def restrictions_in_force(conn: Connection, platform: str | None = None) -> list[list[Any]]:
    """The restrictions in force for each account of ``platform`` (every platform: None) that
    has any."""
    t = enforcement.c
    query = select(t.restrictions).where(cast(t.restrictions, Text) != "[]")
    if platform is not None:
        query = query.where(t.platform == platform)
    return [list(r) for (r,) in conn.execute(query) if r]


def changes_until(conn: Connection, platform: str, end: dt.datetime) -> Iterator[Any]:
    """Every enforcement change of ``platform`` made before ``end``, oldest first: ``seq``,
    ``at``, ``account_id``, ``restrictions``."""
    t, after = enforcement_changes.c, 0
    while True:  # pages by cursor: no server-side cursor, a bounded page in memory
        rows = conn.execute(
            select(t.seq, t.at, t.account_id, t.restrictions)
            .where(t.platform == platform, t.at < end, t.seq > after)
            .order_by(t.seq)
            .limit(_PAGE)
        ).all()
        yield from rows
        if len(rows) < _PAGE:
            return
        after = rows[-1].seq


_PAGE = 5000

"""Reading the enforcement signals: what is in force for an account, and every change since a
cursor (the platform's feed)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from byline.cases._tables import enforcement, enforcement_changes


def in_force(conn: Connection, platform: str, account_id: str) -> dict[str, Any] | None:
    """The restrictions and incentives in force for an account (None: nothing ever was)."""
    t = enforcement.c
    row = conn.execute(
        select(enforcement).where(t.policy_id == platform, t.account_id == account_id)
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
        .where(t.policy_id == platform, t.seq > cursor)
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

"""Cycles in the database: claimed once, finished once, read back for reports."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, Row, select, update

from byline.cases._tables import cycles
from byline.store import insert_if_absent


def cycle(conn: Connection, cycle_id: str) -> Row[Any] | None:
    """The cycle's row (``status``, ``summary``...), if it was ever started."""
    return conn.execute(select(cycles).where(cycles.c.cycle_id == cycle_id)).first()


def start_cycle(
    conn: Connection,
    cycle_id: str,
    *,
    platform: str,
    policy_version: str,
    snapshot: str,
    as_of: dt.date,
    at: dt.datetime,
) -> bool:
    """Record the cycle as running unless it is on file; whether this call recorded it."""
    values = {
        "cycle_id": cycle_id,
        "as_of": as_of,
        "platform": platform,
        "policy_version": policy_version,
        "snapshot": snapshot,
        "started_at": at,
        "status": "running",
    }
    return insert_if_absent(conn, cycles, values, key=["cycle_id"])


def finish_cycle(conn: Connection, cycle_id: str, at: dt.datetime, summary: dict[str, Any]) -> bool:
    """Mark a running cycle finished with its summary; False when it was not running."""
    finished = conn.execute(
        update(cycles)
        .where(cycles.c.cycle_id == cycle_id, cycles.c.status == "running")
        .values(status="finished", finished_at=at, summary=summary)
    ).rowcount
    return bool(finished == 1)


def finished_cycles(conn: Connection, platform: str, limit: int) -> list[Any]:
    """The newest ``limit`` finished cycles of ``platform``, newest first: ``cycle_id``,
    ``as_of``, ``platform``, ``policy_version``, ``snapshot``, ``finished_at``, ``summary``."""
    t = cycles.c
    return list(
        conn.execute(
            select(
                t.cycle_id,
                t.as_of,
                t.platform,
                t.policy_version,
                t.snapshot,
                t.finished_at,
                t.summary,
            )
            .where(t.platform == platform, t.status == "finished")
            .order_by(t.as_of.desc(), t.finished_at.desc(), t.cycle_id)
            .limit(limit)
        ).all()
    )


def platforms_with_cycles(conn: Connection) -> list[str]:
    """Every platform with a finished cycle, sorted."""
    t = cycles.c
    rows = conn.execute(
        select(t.platform).where(t.status == "finished").distinct().order_by(t.platform)
    ).all()
    return [str(platform) for (platform,) in rows]

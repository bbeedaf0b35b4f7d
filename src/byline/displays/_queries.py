"""Writing and reading name displays, as functions over a connection."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import BigInteger, cast, delete, extract, func, select

from byline.displays._tables import display_counts, display_records
from byline.store import Connection, insert_ignoring_present, upsert

Row = dict[str, Any]
HOUR_S = 3600
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


@dataclass(frozen=True)
class DayCount:
    """How many times a name was shown on one day to one class of viewer."""

    day: dt.date
    viewer_class: str
    shown: int


@dataclass(frozen=True)
class DisplayRecord:
    """A name shown: in which minute, asked for by which key, to which viewer (no name)."""

    minute: dt.datetime
    key_id: str
    viewer_id: str
    account_id: str

    def as_dict(self) -> dict[str, str]:
        return {
            "minute": self.minute.isoformat(),
            "key_id": self.key_id,
            "viewer_id": self.viewer_id,
            "account_id": self.account_id,
        }


def add_counts(conn: Connection, rows: Sequence[Row]) -> None:
    """Add each row's ``shown`` to its (platform, account, day, class) row, made if absent."""
    t = display_counts
    upsert(
        conn,
        t,
        list(rows),
        key=["platform", "account_id", "day", "viewer_class"],
        update=lambda new: {"shown": t.c.shown + new.shown},
    )


def add_records(conn: Connection, rows: Sequence[Row]) -> None:
    """Keep display records; one already there (another worker's, the same minute) stays."""
    insert_ignoring_present(conn, display_records, list(rows))


def day_counts(conn: Connection, platform: str, account_id: str, since: dt.date) -> list[DayCount]:
    """The account's counts from ``since`` on, by day then class."""
    t = display_counts
    rows = conn.execute(
        select(t.c.day, t.c.viewer_class, t.c.shown)
        .where(t.c.platform == platform, t.c.account_id == account_id, t.c.day >= since)
        .order_by(t.c.day, t.c.viewer_class)
    )
    return [DayCount(r.day, r.viewer_class, int(r.shown)) for r in rows]


def distinct_over(
    conn: Connection,
    platform: str,
    column: str,
    since: dt.datetime,
    threshold: int,
    until: dt.datetime | None = None,
) -> list[tuple[str, int]]:
    """Each ``column`` value (``key_id`` or ``viewer_id``) shown more than ``threshold``
    distinct accounts in records from ``since`` on (to ``until``, excluded), with that number,
    most first."""
    t = display_records
    who = t.c[column]
    distinct = func.count(func.distinct(t.c.account_id))
    within = [t.c.platform == platform, t.c.minute >= since]
    if until is not None:
        within.append(t.c.minute < until)
    rows = conn.execute(
        select(who, distinct.label("accounts"))
        .where(*within)
        .group_by(who)
        .having(distinct > threshold)
        .order_by(distinct.desc(), who)
    )
    return [(str(r[0]), int(r[1])) for r in rows]


def distinct_over_per_hour(
    conn: Connection,
    platform: str,
    column: str,
    since: dt.datetime,
    until: dt.datetime,
    threshold: int,
) -> list[tuple[str, dt.datetime, int]]:
    """Each ``column`` value (``key_id`` or ``viewer_id``) and clock hour (UTC) in which it was
    shown more than ``threshold`` distinct accounts, in records from ``since`` on (to
    ``until``, excluded), with the hour's start and that number; by hour, then most first.

    One query: records grouped by value and hour, the hour being the minute's seconds since
    the epoch divided by 3600 (SQLAlchemy spells the epoch for each backend; minutes are whole
    minutes, so the seconds are whole on both)."""
    t = display_records
    who = t.c[column]
    hour = cast(extract("epoch", t.c.minute), BigInteger) // HOUR_S
    distinct = func.count(func.distinct(t.c.account_id))
    rows = conn.execute(
        select(who, hour.label("hour"), distinct.label("accounts"))
        .where(t.c.platform == platform, t.c.minute >= since, t.c.minute < until)
        .group_by(who, hour)
        .having(distinct > threshold)
        .order_by(hour, distinct.desc(), who)
    )
    return [(str(r[0]), _EPOCH + dt.timedelta(hours=int(r[1])), int(r[2])) for r in rows]


def records(
    conn: Connection,
    platform: str,
    *,
    viewer_id: str | None = None,
    account_id: str | None = None,
    key_id: str | None = None,
    limit: int,
) -> list[DisplayRecord]:
    """Display records of ``platform`` matching every filter given, newest first."""
    t = display_records
    query = select(t.c.minute, t.c.key_id, t.c.viewer_id, t.c.account_id).where(
        t.c.platform == platform
    )
    if viewer_id is not None:
        query = query.where(t.c.viewer_id == viewer_id)
    if account_id is not None:
        query = query.where(t.c.account_id == account_id)
    if key_id is not None:
        query = query.where(t.c.key_id == key_id)
    rows = conn.execute(
        query.order_by(t.c.minute.desc(), t.c.viewer_id, t.c.account_id).limit(limit)
    )
    return [DisplayRecord(r.minute, r.key_id, r.viewer_id, r.account_id) for r in rows]


def purge_records(conn: Connection, platform: str, before: dt.datetime) -> int:
    """Delete ``platform``'s display records older than ``before``; how many were."""
    t = display_records
    gone = conn.execute(
        select(func.count()).where(t.c.platform == platform, t.c.minute < before)
    ).scalar_one()
    if gone:
        conn.execute(delete(t).where(t.c.platform == platform, t.c.minute < before))
    return int(gone)


def record_platforms(conn: Connection) -> list[str]:
    """Every platform with display records."""
    t = display_records
    return [
        str(p)
        for p in conn.execute(select(t.c.platform).distinct().order_by(t.c.platform)).scalars()
    ]


def first_record(conn: Connection, platform: str) -> dt.datetime | None:
    """The minute of the oldest display record kept (None: none is)."""
    t = display_records
    found = conn.execute(
        select(t.c.minute).where(t.c.platform == platform).order_by(t.c.minute).limit(1)
    ).scalar()
    return None if found is None else found

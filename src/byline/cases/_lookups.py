"""Label lookups per day, result and viewer rule: the API's tallies, added to in batches."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from sqlalchemy import Connection, select, update

from byline.cases._tables import label_lookups
from byline.store import insert_if_absent

_t = label_lookups.c
Key = tuple[str, dt.date, str, str]  # platform, day, result, rule


def add_lookups(conn: Connection, counted: Mapping[Key, int]) -> None:
    """Add ``counted`` lookups to the day's tallies, in the caller's transaction."""
    for (platform, day, result, rule), n in sorted(counted.items()):
        row = {"platform": platform, "day": day, "result": result, "rule": rule}
        if insert_if_absent(conn, label_lookups, {**row, "lookups": n}, key=list(row)):
            continue
        conn.execute(
            update(label_lookups)
            .where(*(label_lookups.c[k] == v for k, v in row.items()))
            .values(lookups=_t.lookups + n)
        )


def lookups_between(
    conn: Connection, platform: str, first: dt.date, last: dt.date
) -> list[tuple[dt.date, str, str, int]]:
    """(day, result, rule, lookups) of ``platform`` for the days ``first`` .. ``last``."""
    rows = conn.execute(
        select(_t.day, _t.result, _t.rule, _t.lookups)
        .where(_t.platform == platform, _t.day >= first, _t.day <= last)
        .order_by(_t.day, _t.result, _t.rule)
    )
    return [(d, str(r), str(rule), int(n)) for d, r, rule, n in rows]

"""The report's harvesting flags, on SQLite and PostgreSQL: one query grouped by clock hour
gives what a query per hour of the period gave, whole hours at both ends, on records whose
flags cross hours (a viewer flagged in a sliding hour but in no clock hour, and others)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from typing import Any

import pytest

from byline import displays as records_of
from byline.service._harvest import HarvestFlags
from byline.service.displays import Displays
from byline.service.policies import activate
from byline.service.programme import Programme
from byline.store import Database

T0 = dt.datetime(2023, 10, 16, 6, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


def at(minutes: int) -> dt.datetime:
    return T0 + dt.timedelta(minutes=minutes)


def records() -> list[dict[str, object]]:
    """Random displays over six hours (and half an hour before), a few on the hour; a viewer
    shown four accounts in the last minutes of 06:00 and four in the first of 07:00; another
    key's records on another platform."""
    rng = random.Random(7)
    rows = {
        (at(rng.randrange(-30, 6 * 60)), f"k{rng.randrange(3)}", f"v{rng.randrange(6)}",
         f"a{rng.randrange(15)}")
        for _ in range(400)
    }  # fmt: skip
    rows |= {(at(60 * h), "k0", "v0", f"a{h}") for h in range(7)}
    rows |= {(at(59 - i), "k9", "cross", f"b{i}") for i in range(4)}
    rows |= {(at(60 + i), "k9", "cross", f"b{4 + i}") for i in range(4)}
    found: list[dict[str, object]] = [
        {"platform": "weibo", "minute": m, "key_id": k, "viewer_id": v, "account_id": a}
        for m, k, v, a in sorted(rows)
    ]
    found += [
        {"platform": "douyin", "minute": at(i), "key_id": "kd", "viewer_id": "vd",
         "account_id": f"d{i}"}
        for i in range(30)
    ]  # fmt: skip
    return found


def per_hour(displays: Displays, start: dt.datetime, end: dt.datetime) -> HarvestFlags:
    """The flags as the report computed them before: one query per key or viewer column and
    clock hour, from the hour of ``start`` (or of the first record) while it begins before
    ``end`` (or now)."""
    with displays.db.reading() as conn:
        threshold = displays.threshold("weibo")
        first = records_of.first_record(conn, "weibo")
        keys: set[str] = set()
        viewers: set[str] = set()
        hours = 0
        if first is not None:
            hour = max(start, first).replace(minute=0, second=0, microsecond=0)
            last = min(end, displays.now())
            while hour < last:
                until = hour + HOUR
                for column, seen in (("key_id", keys), ("viewer_id", viewers)):
                    over = records_of.distinct_over(conn, "weibo", column, hour, threshold, until)
                    hours += len(over)
                    seen.update(who for who, _ in over)
                hour = until
    return HarvestFlags(threshold, first, len(keys), len(viewers), hours)


@pytest.fixture
def displays(db: Database, programme: Programme) -> Displays:
    with db.transaction() as conn:
        activate(conn, "weibo", actor="test", now=T0 - dt.timedelta(days=1))
    found = Displays(programme.deps)
    assert found.harvest_flags("weibo", T0, T0 + HOUR).records_from is None  # none yet
    with db.transaction() as conn:
        records_of.add_records(conn, records())
    return found


STARTS = [
    at(-120),
    at(-30),
    at(0),
    at(30),
    at(59),
    at(60),
    at(197),
    (T0 + HOUR).astimezone(PLUS_TWO),
]
ENDS = [at(0), at(60), at(61), at(150), at(360), at(420), at(24 * 60), at(150).astimezone(PLUS_TWO)]


@pytest.mark.parametrize("now", [at(250), at(8 * 60)])
def test_one_grouped_query_flags_what_a_query_per_hour_flagged(
    displays: Displays, clock: Any, now: dt.datetime
) -> None:
    clock.now = now
    flagged = 0
    for threshold in (1, 2, 3, 5):
        displays.harvest_threshold = threshold
        for start, end in itertools.product(STARTS, ENDS):
            expected = per_hour(displays, start, end)
            assert displays.harvest_flags("weibo", start, end) == expected, (threshold, start, end)
            flagged += expected.flagged_hours > 0
    assert flagged > 100  # most periods flag someone: the comparison means something


def test_the_hours_at_the_ends_are_whole_and_a_sliding_hour_is_not_one(
    displays: Displays, clock: Any
) -> None:
    """``cross`` saw eight accounts within twenty minutes, four in each clock hour: over a
    threshold of 3 it is flagged in both hours, even by a period that starts at 06:30 and ends
    at 07:01; over 5, in neither."""
    clock.now = at(8 * 60)
    displays.harvest_threshold = 3
    with displays.db.reading() as conn:
        by_hour = records_of.distinct_over_per_hour(conn, "weibo", "viewer_id", at(0), at(120), 3)
    assert [(h, n) for who, h, n in by_hour if who == "cross"] == [(at(0), 4), (at(60), 4)]
    flags = displays.harvest_flags("weibo", at(30), at(61))
    assert flags == per_hour(displays, at(30), at(61)) and flags.flagged_hours >= 2
    displays.harvest_threshold = 5
    with displays.db.reading() as conn:
        by_hour = records_of.distinct_over_per_hour(conn, "weibo", "viewer_id", at(0), at(120), 5)
        assert ("cross", 8) in records_of.distinct_over(
            conn, "weibo", "viewer_id", at(0), 5, at(120)
        )
    assert all(who != "cross" for who, _, _ in by_hour)

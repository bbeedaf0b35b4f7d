"""Label lookup tallies: counted in memory, added to the day's rows by a background flush (and
by ``close``), never lost by a flush that fails."""

from __future__ import annotations

import datetime as dt
import time
from pathlib import Path

import pytest

from byline.service import LookupTallies, open_services

DAY = dt.datetime(2024, 1, 5, 12, 0, tzinfo=dt.UTC)


def kept(tallies: LookupTallies) -> dict[str, object]:
    with tallies.db.reading() as conn:
        from byline.service.lookup_tallies import tallies_between

        return tallies_between(conn, "weibo", DAY.date(), DAY.date())


def test_the_background_flush_and_close_keep_every_count(tmp_path: Path) -> None:
    services = open_services(f"sqlite:///{tmp_path / 'b.db'}", clock=lambda: DAY)
    try:
        tallies = LookupTallies(services.deps, flush_s=0.05)
        tallies.count("weibo", "shown", 3)
        tallies.start()
        deadline = time.monotonic() + 30
        while kept(tallies)["answered"] != 3:
            assert time.monotonic() < deadline, "the background flush never wrote"
            time.sleep(0.05)
        tallies.count("weibo", "hidden", 2, "unverified")
        tallies.close()  # stops the thread, writes what is left
        assert kept(tallies) == {
            "days_counted": 1,
            "answered": 3,
            "not_disclosed": 0,
            "withheld": 2,
            "withheld_by_rule": {"unverified": 2},
        }
    finally:
        services.close()


def test_a_failed_flush_keeps_its_counts(tmp_path: Path) -> None:
    services = open_services(f"sqlite:///{tmp_path / 'b.db'}", clock=lambda: DAY)
    try:
        tallies = LookupTallies(services.deps)
        tallies.count("weibo", "none", 4)
        services.deps.db.engine.dispose()
        (tmp_path / "b.db").rename(tmp_path / "away.db")
        (tmp_path / "b.db").mkdir()  # the database is not there: the flush fails
        with pytest.raises(Exception):  # noqa: B017 (the store's error, whichever it is)
            tallies.flush()
        (tmp_path / "b.db").rmdir()
        (tmp_path / "away.db").rename(tmp_path / "b.db")
        tallies.count("weibo", "none", 1)
        assert tallies.flush() == 5
        assert kept(tallies)["not_disclosed"] == 5
    finally:
        services.close()


def test_on_the_wall_clock_lookups_are_counted_on_todays_utc_date(tmp_path: Path) -> None:
    services = open_services(f"sqlite:///{tmp_path / 'b.db'}")  # the wall clock
    try:
        tallies = LookupTallies(services.deps)
        before = dt.datetime.now(dt.UTC).date()
        tallies.count("weibo", "shown", 2)
        after = dt.datetime.now(dt.UTC).date()
        tallies.flush()
        with tallies.db.reading() as conn:
            from byline.service.lookup_tallies import tallies_between

            found = tallies_between(conn, "weibo", before, after)
            assert found["answered"] == 2 and found["days_counted"] == 1
            assert tallies_between(conn, "weibo", DAY.date(), DAY.date())["answered"] == 0
    finally:
        services.close()

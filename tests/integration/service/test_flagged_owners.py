"""Owners a cycle flagged reach the compliance lead: the cycle's report keeps how many and the
largest of them (never a name), the dashboard's overview and the gauges read them from the
latest finished cycle, whether or not the cycle's outputs were kept."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from byline.service import FlaggedOwner, Services
from byline.service.cycle import run_cycle
from byline.service.programme import Programme
from byline.store import Database

from factories import write_snapshot

ON = dt.date(2024, 1, 1)
TIER = "baidu.tier.1m"  # baidu: floor 500,000, one tier at 1,000,000

# account_id, category, followers, owner_ref, owner_followers
ROWS: list[tuple[str, str, int, str | None, int | None]] = [
    ("a1", "finance", 600_000, "h1", 1_100_000),  # one account at the floor: not flagged
    ("a2", "finance", 400_000, "h1", 1_100_000),
    ("b1", "finance", 300_000, "h2", 1_200_000),  # every account below: flagged
    ("b2", "law", 450_000, "h2", 1_200_000),
    ("c1", "finance", 200_000, "h3", 280_000),  # audience below every tier
    ("d1", "finance", 1_500_000, None, 1_500_000),
    ("f1", "entertainment", 450_000, "h4", 1_300_000),  # flagged, the largest audience
    ("f2", "medicine", 300_000, "h4", 1_300_000),
    ("f3", "medicine", 10_000, "h4", 1_300_000),
]


def snapshot(tmp_path: Path, name: str, owners: bool = True) -> Path:
    rows: list[dict[str, Any]] = []
    for account_id, category, followers, owner_ref, owner_followers in ROWS:
        row: dict[str, Any] = {
            "account_id": account_id,
            "kind": "individual",
            "category": category,
            "followers": followers,
        }
        if owners:
            row |= {"owner_ref": owner_ref, "owner_followers": owner_followers}
        rows.append(row)
    return write_snapshot(tmp_path / f"{name}.parquet", rows)


EXPECTED = [
    FlaggedOwner("h4", 3, 0, {"owner_followers": 1_300_000}, TIER),
    FlaggedOwner("h2", 2, 0, {"owner_followers": 1_200_000}, TIER),
]


@pytest.mark.parametrize("keep", [False, True])
def test_the_latest_cycle_s_flagged_owners_are_on_the_overview_and_the_gauges(
    db: Database, programme: Programme, tmp_path: Path, keep: bool
) -> None:
    services = Services.of(programme.deps)
    week1, kept = snapshot(tmp_path, "week1"), tmp_path / "kept" if keep else None
    report = run_cycle(db, week1, "baidu", ON, keep=kept)
    assert report.flagged_owners == 2
    assert report.flagged_owner_rows == EXPECTED

    overview = services.dashboard.overview("baidu")
    assert overview.flagged_owners == 2
    assert overview.flagged_owner_rows == EXPECTED
    assert overview.last_cycle is not None and overview.last_cycle.flagged_owners == 2
    assert services.operations.gauges().flagged_owners == {"baidu": 2}

    # The same cycle again answers its stored report, rows typed as the first run gave them.
    again = run_cycle(db, week1, "baidu", ON, keep=kept)
    assert again.already_done and again.flagged_owner_rows == EXPECTED


def test_a_later_cycle_without_owners_says_it_cannot_tell(
    db: Database, programme: Programme, tmp_path: Path
) -> None:
    services = Services.of(programme.deps)
    assert services.dashboard.overview("baidu").flagged_owners is None  # no cycle yet
    run_cycle(db, snapshot(tmp_path, "week1"), "baidu", ON)
    report = run_cycle(db, snapshot(tmp_path, "week2", owners=False), "baidu", ON.replace(day=8))
    assert report.flagged_owners is None and report.flagged_owner_rows == []

    overview = services.dashboard.overview("baidu")
    assert overview.flagged_owners is None and overview.flagged_owner_rows == []
    assert [c.flagged_owners for c in overview.cycles] == [2, None]  # oldest first
    assert services.operations.gauges().flagged_owners == {}

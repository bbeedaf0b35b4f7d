"""The dashboard's trends from the cycles' summaries and the disclosures' times."""

from __future__ import annotations

import datetime as dt

from byline.service.dashboard import CycleRow
from byline.service.trends import trends_of

DAY = dt.timedelta(days=1)


def cycle(cycle_id: str, day: int, **kw: object) -> CycleRow:
    values: dict[str, object] = {
        "cycle_id": cycle_id,
        "as_of": dt.date(2024, 1, day),
        "policy": "weibo 2023.12",
        "finished_at": None,
        "read": 100,
        "rejected": 0,
        "required": 10,
        "opened": 0,
        "notified": 0,
        "disclosed": 0,
        "restricted": 0,
        "by_tier": None,
        **kw,
    }
    return CycleRow(**values)  # type: ignore[arg-type]


def test_each_trend_has_a_value_per_cycle() -> None:
    cycles = [
        cycle("c1", 1, funnel={"notified": 5, "disclosed": 0}, restricted=0),
        cycle("c2", 8, funnel={"notified": 3, "disclosed": 2}, restricted=1, by_tier={"t1": 4}),
        cycle("c3", 15, funnel={"notified": 1, "refused": 1}, restricted=2, by_tier={"t2": 1}),
    ]
    waits = [("c1", 2 * DAY), ("c1", 4 * DAY), ("c1", 10 * DAY), ("c2", DAY / 2)]
    got = trends_of(cycles, waits, tiers=("t1", "t2"))
    assert got.cycle_ids == ("c1", "c2", "c3")
    funnel = got.trends["funnel"].series
    assert list(funnel) == ["notified", "disclosed", "refused"]  # case order; none never held
    assert funnel["notified"] == [5, 3, 1] and funnel["refused"] == [0, 0, 1]
    tiers = got.trends["tiers"].series
    assert tiers == {"t1": [None, 4, 0], "t2": [None, 0, 1]}  # no per-tier counts: unknown
    comply = got.trends["comply"].series
    assert comply["median"] == [4.0, 0.5, None]
    assert comply["p90"] == [10.0, 0.5, None]  # the nearest rank: a time some case took
    assert comply["disclosed"] == [3, 1, 0]
    assert got.trends["restrictions"].series == {"restricted": [0, 1, 2]}
    rows = got.rows("comply")
    assert rows[0] == {
        "as_of": "2024-01-01",
        "cycle": "c1",
        "median": 4.0,
        "p90": 10.0,
        "disclosed": 3,
    }


def test_no_cycles_no_trends() -> None:
    got = trends_of([], [])
    assert got.cycle_ids == () and got.rows("funnel") == []

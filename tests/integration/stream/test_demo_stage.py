"""The demo's live stage: its synthetic follow events go through a real Redis Stream to the
stream consumer, every event is applied or rejected (none lost), and the accounts the events
take over the floor get their cases opened on the served demo's day, not the wall clock's."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from byline.cli._demo_stream import stream_stage
from byline.policy import load_policy
from byline.service import demo_now, open_services, run_demo

SEED, NEAR = 3, 6  # covered accounts put just under the floor in the last simulated week


def test_the_live_stage_opens_the_crossers_cases_on_the_demo_s_day(
    tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYLINE_REDIS_URL", redis_url)
    workdir = tmp_path / "demo"
    run_demo(workdir, "weibo", 20_000, SEED)
    policy = load_policy("weibo")
    (floor,) = policy.floor.threshold.values()
    last = sorted((workdir / "weeks").glob("*.parquet"))[-1]
    week = pq.read_table(last)
    covered = pc.and_(
        pc.is_in(week["kind"], pa.array([k.value for k in policy.subjects.kinds])),
        pc.is_in(week["category"], pa.array([c.value for c in policy.scope.in_scope()])),
    )
    small = pc.and_(covered, pc.less(week["followers"], 10_000))
    rows = pc.indices_nonzero(small).to_pylist()[:NEAR]
    near = [week["account_id"][i].as_py() for i in rows]
    followers = week["followers"].to_pylist()
    for i in rows:
        followers[i] = floor - 3
    week = week.set_column(
        week.schema.get_field_index("followers"), "followers", pa.array(followers, pa.int64())
    )
    pq.write_table(week, last)

    live = stream_stage(workdir, "weibo", SEED, 2_000)

    assert live["events"] == 2_000
    assert live["applied"] + live["rejected"] == 2_000 and live["rejected"] == 0
    assert live["crossing_up"] >= NEAR
    assert live["cases_opened"] >= NEAR
    services = open_services(str(workdir / "byline.db"), key_file=workdir / "byline.keys.json")
    try:
        day = demo_now(policy).date()
        for account in near:
            case = services.reviews.show(policy.id, account)
            assert case.opened_at.date() == day, (account, case.opened_at)
    finally:
        services.close()


def test_without_redis_the_stage_says_why_it_is_skipped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BYLINE_REDIS_URL", "redis://127.0.0.1:1/0")  # nothing listens there
    live = stream_stage(tmp_path, "weibo", SEED, 100)
    assert "skipped" in live and "127.0.0.1:1" in str(live["skipped"])

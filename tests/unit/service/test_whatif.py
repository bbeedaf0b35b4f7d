"""What-if: one scan agrees, step by step, with a separate ``evaluate`` of each variant; what
``--vary`` changes, as a scenario table; the outputs and the refusals."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byline.domain import AccountKind, Category, Policy
from byline.engine import WhatIfError, evaluate
from byline.policy import load_policy
from byline.service.whatif import parse_vary, simulate, varied, what_if

from factories import write_snapshot

PRESETS = ("weibo", "douyin", "bilibili", "xiaohongshu", "us-inform")
POLICIES = {name: load_policy(name) for name in PRESETS}


def evaluated(snapshot: Path, policy: Policy, as_of: dt.date, by: str | None) -> dict[str, int]:
    """Accounts a separate ``evaluate`` obliges, by group: what the what-if must say."""
    with tempfile.TemporaryDirectory() as tmp:
        result = evaluate(snapshot, policy, as_of, Path(tmp))
        column = {"category": "category", "kind": "kind", "tier": "tier"}.get(by or "", "'all'")
        rows = duckdb.sql(
            f"SELECT {column}, count(*) FROM read_parquet('{Path(tmp) / 'decisions.parquet'}') "
            "WHERE required GROUP BY 1"
        ).fetchall()
    got = {str(g): int(n) for g, n in rows}
    assert sum(got.values()) == result.summary.required
    if by == "tier":
        assert got == {t: n for t, n in result.summary.by_tier.items() if n}
    return got


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(PRESETS))
    policy = POLICIES[name]
    metric = next(iter(policy.floor.threshold))
    floor = policy.floor.threshold[metric]
    variable = draw(
        st.sampled_from(
            [
                "threshold",
                "as_of",
                "phase_starts",
                *(f"tier.{t.id}.threshold" for t in policy.tiers),
            ]
        )
    )
    if variable.endswith("threshold"):
        lo = draw(st.integers(0, 2 * floor))
        hi = draw(st.integers(lo, 4 * floor))
        span = f"{lo}..{hi}"
        points = {lo, hi, floor, floor - 1, floor + 1, *(t.threshold[metric] for t in policy.tiers)}
    else:
        start = min(t.phase_starts for t in policy.tiers) - dt.timedelta(
            days=draw(st.integers(0, 60))
        )
        stop = max(t.phase_starts for t in policy.tiers) + dt.timedelta(
            days=draw(st.integers(0, 60))
        )
        span = f"{start}..{stop}"
        points = {floor - 1, floor, floor + 1, 2 * floor, 10 * floor}
    # Values at and around every threshold any step might set, and anything else.
    value = st.one_of(
        st.sampled_from(sorted(p for p in points if p >= 0)), st.integers(0, 5 * floor)
    )
    rows = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "kind": st.sampled_from([k.value for k in AccountKind]),
                    "category": st.sampled_from([c.value for c in Category]),
                    **{m: value for m in policy.metrics},
                }
            ),
            min_size=1,
            max_size=60,
        )
    )
    for i, row in enumerate(rows):
        row["account_id"] = f"a{i:04d}"
    # A few rows every evaluation rejects: a repeated id, a negative count.
    if draw(st.booleans()) and len(rows) > 2:
        rows[1]["account_id"] = rows[0]["account_id"]
    if draw(st.booleans()):
        rows[-1][policy.metrics[0]] = -1
    return {
        "policy": name,
        "vary": f"{variable}={span}",
        "steps": draw(st.integers(1, 6)),
        "by": draw(st.sampled_from([None, "category", "tier", "kind"])),
        "rows": rows,
        "fmt": draw(st.sampled_from(["parquet", "parquet", "csv"])),
    }


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_one_scan_agrees_with_an_evaluation_per_step(case: dict[str, Any]) -> None:
    policy = POLICIES[case["policy"]]
    vary = parse_vary(case["vary"])
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = write_snapshot(Path(tmp) / f"s.{case['fmt']}", case["rows"])
        result = what_if(
            snapshot, [case["policy"]], vary=case["vary"], steps=case["steps"], by=case["by"]
        )
        values = vary.values(case["steps"])
        assert len(result.values) == len(values)
        default_day = max(t.phase_starts for t in policy.tiers)
        for shown, value in zip(result.values, values, strict=True):
            if vary.variable == "as_of":
                assert isinstance(value, dt.date)
                expected = evaluated(snapshot, policy, value, case["by"])
            else:
                expected = evaluated(
                    snapshot, varied(policy, vary.variable, value), default_day, case["by"]
                )
            got = {g: n for g, n in result.required[shown].items() if n}
            assert got == expected, (shown, case["vary"])
        assert result.read == len(case["rows"])
        assert result.read == result.accepted + result.rejected


def test_compare_agrees_with_each_presets_evaluation(tmp_path: Path) -> None:
    rows = [
        {"account_id": f"a{i:03d}", "kind": k.value, "category": c.value, "followers": f}
        for i, (k, c, f) in enumerate(
            (k, c, f)
            for k in AccountKind
            for c in Category
            for f in (499_999, 500_000, 999_999, 1_000_000, 3_000_000)
        )
    ]
    snapshot = write_snapshot(tmp_path / "s.parquet", rows)
    names = ["weibo", "douyin", "bilibili"]
    day = dt.date(2024, 1, 15)
    result = what_if(snapshot, names, as_of=day, by="tier")
    assert result.values == tuple(names)
    for name in names:
        got = {g: n for g, n in result.required[name].items() if n}
        assert got == evaluated(snapshot, POLICIES.get(name) or load_policy(name), day, "tier")
    over = what_if(snapshot, names, vary="threshold=400000..1200000", steps=5, as_of=day)
    assert over.series == tuple(names)
    for value in over.values:
        for name in names:
            expected = evaluated(
                snapshot, varied(load_policy(name), "threshold", int(value)), day, None
            )
            assert over.required[value][name] == sum(expected.values())


WEIBO = load_policy("weibo")


@pytest.mark.parametrize(
    ("variable", "value", "floor", "tiers"),
    [
        # the floor and the floor tier move; the 1M tier stays above...
        ("threshold", 300_000, 300_000, {"weibo.tier.1m": 1_000_000, "weibo.tier.500k": 300_000}),
        ("threshold", 500_000, 500_000, {"weibo.tier.1m": 1_000_000, "weibo.tier.500k": 500_000}),
        # ...until the step passes it, when it is raised to the step
        (
            "threshold",
            2_000_000,
            2_000_000,
            {"weibo.tier.1m": 2_000_000, "weibo.tier.500k": 2_000_000},
        ),
        # one tier alone; the floor comes down with it below the floor
        (
            "tier.weibo.tier.1m.threshold",
            800_000,
            500_000,
            {"weibo.tier.1m": 800_000, "weibo.tier.500k": 500_000},
        ),
        (
            "tier.weibo.tier.1m.threshold",
            400_000,
            400_000,
            {"weibo.tier.1m": 400_000, "weibo.tier.500k": 500_000},
        ),
    ],
)
def test_what_a_threshold_step_changes(
    variable: str, value: int, floor: int, tiers: dict[str, int]
) -> None:
    policy = varied(WEIBO, variable, value)
    assert policy.floor.threshold == {"followers": floor}
    assert {t.id: t.threshold["followers"] for t in policy.tiers} == tiers
    assert policy.text == WEIBO.text and policy.penalties == WEIBO.penalties


def test_what_a_phase_step_changes() -> None:
    day = dt.date(2024, 2, 1)
    policy = varied(WEIBO, "phase_starts", day)
    starts = {t.id: t.phase_starts for t in policy.tiers}
    assert starts == {
        "weibo.tier.1m": WEIBO.tier("weibo.tier.1m").phase_starts,
        "weibo.tier.500k": day,
    }
    one = varied(WEIBO, "tier.weibo.tier.1m.phase_starts", day)
    assert one.tier("weibo.tier.1m").phase_starts == day
    assert one.tier("weibo.tier.500k").phase_starts == WEIBO.tier("weibo.tier.500k").phase_starts


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("threshold", "NAME=FROM..TO"),
        ("threshold=5..", "whole numbers"),
        ("threshold=500..100", "TO is before FROM"),
        ("followers=1..2", "is not one of"),
        ("as_of=2024-13-01..2024-02-01", "dates"),
    ],
)
def test_a_bad_vary_says_why(text: str, why: str) -> None:
    with pytest.raises(WhatIfError, match=why):
        parse_vary(text)


def test_steps_are_spaced_evenly_ends_included() -> None:
    assert parse_vary("threshold=100000..2M").values(20)[:3] == [100_000, 200_000, 300_000]
    assert parse_vary("threshold=100k..2M").values(20)[-1] == 2_000_000
    days = parse_vary("as_of=2024-01-01..2024-01-03").values(10)
    assert days == [dt.date(2024, 1, 1), dt.date(2024, 1, 2), dt.date(2024, 1, 3)]


def test_refusals_name_the_problem(tmp_path: Path) -> None:
    snapshot = write_snapshot(
        tmp_path / "s.parquet",
        [{"account_id": "a", "kind": "individual", "category": "finance", "followers": 1}],
    )
    with pytest.raises(WhatIfError, match=r"no tier 'weibo\.tier\.2m'"):
        what_if(snapshot, ["weibo"], vary="tier.weibo.tier.2m.threshold=1..2")
    with pytest.raises(WhatIfError, match="same metrics"):
        what_if(snapshot, ["weibo", "us-inform"])
    with pytest.raises(WhatIfError, match="leave out --by"):
        what_if(snapshot, ["weibo", "douyin"], vary="threshold=1..2", by="tier")


def test_simulate_writes_table_json_and_charts(tmp_path: Path) -> None:
    rows = [
        {"account_id": f"a{i}", "kind": "individual", "category": "finance", "followers": f}
        for i, f in enumerate((100_000, 600_000, 1_500_000, 2_500_000))
    ]
    snapshot = write_snapshot(tmp_path / "s.csv", rows)
    out = tmp_path / "out"
    result = simulate(
        snapshot,
        ["weibo"],
        out,
        vary="threshold=100000..2000000",
        steps=20,
        by="tier",
        lang="zh-CN",
    )
    assert sorted(p.name for p in out.iterdir()) == [
        "simulate.csv",
        "simulate.json",
        "simulate.png",
        "simulate.svg",
    ]
    lines = (out / "simulate.csv").read_text().splitlines()
    assert lines[0] == "threshold,series,required"
    assert len(lines) == 1 + 20 * 2  # 20 steps x 2 tiers
    data = json.loads((out / "simulate.json").read_text())
    assert [s["required"] for s in data["steps"]][:2] == [4, 3]
    assert data["steps"][-1] == {
        "value": "2000000",
        "required": 1,
        "series": {"weibo.tier.1m": 1, "weibo.tier.500k": 0},
    }
    svg = (out / "simulate.svg").read_text()
    assert "需公示的账号数" in svg and "门槛（粉丝数）" in svg and "200万" in svg
    assert (out / "simulate.png").read_bytes().startswith(b"\x89PNG")
    assert Counter(r["threshold"] for r in result.rows())["100000"] == 2

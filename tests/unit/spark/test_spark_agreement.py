"""The Spark engine agrees with the embedded engine, and both with ``decide``: every preset's
scenario table, and generated snapshots with bad rows and duplicated ids in every format."""

from __future__ import annotations

import csv
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import SparkSession

from byline.domain import Account, AccountKind, Category, Outcome, decide
from byline.policy import load_policy, preset_names

from .conftest import both, parquet_rows
from factories import write_snapshot

SCENARIOS = Path(__file__).resolve().parents[2] / "data" / "scenarios"
PRESETS = sorted(preset_names())


def scenario_accounts(preset: str) -> tuple[list[dict[str, Any]], list[dt.date]]:
    """The scenario table's accounts (named by the scenario) and every date it decides on."""
    policy = load_policy(preset)
    with (SCENARIOS / f"{preset}.csv").open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    rows = [
        {"account_id": r["name"], "kind": r["kind"], "category": r["category"]}
        | {m: int(r[m]) for m in policy.metrics}
        for r in table
    ]
    return rows, sorted({dt.date.fromisoformat(r["as_of"]) for r in table})


@pytest.mark.parametrize("preset", PRESETS)
def test_every_presets_scenario_table(preset: str, spark: SparkSession, tmp_path: Path) -> None:
    """The table's accounts on its first and last dates: both engines write the same, and what
    they write is ``decide``'s answer for each account."""
    policy = load_policy(preset)
    rows, dates = scenario_accounts(preset)
    snapshot = write_snapshot(tmp_path / "s.parquet", rows)
    for day in sorted({dates[0], dates[-1]}):
        _, on_spark = both(spark, snapshot, policy, day, tmp_path / day.isoformat())
        _, written = parquet_rows(on_spark / "decisions.parquet")
        got = {r[0]: (r[1], r[2], tuple(r[3]), r[4]) for r in written}
        for r in rows:
            account = Account(
                r["account_id"],
                AccountKind(r["kind"]),
                Category(r["category"]),
                {m: r[m] for m in policy.metrics},
            )
            d = decide(account, policy, day)
            if d.outcome is Outcome.BELOW_THRESHOLD:
                assert account.account_id not in got
            else:
                expected = (d.required, d.tier, d.reasons, d.outcome.value)
                assert got[account.account_id] == expected


BAD_VALUES = st.sampled_from([None, -1, "12x", "", " 7 ", "1.5", "+600000"])


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]], dt.date, str]:
    """A preset, rows (some bad, some ids repeated), a date and a format."""
    preset = draw(st.sampled_from(PRESETS))
    policy = load_policy(preset)
    fmt = draw(st.sampled_from(["parquet", "csv", "jsonl"]))
    thresholds = sorted(
        {
            v + d
            for t in (policy.floor, *policy.tiers)
            for v in t.threshold.values()
            for d in (-1, 0)
        }
    )
    good_value = st.one_of(st.sampled_from(thresholds), st.integers(0, 20_000_000))
    n = draw(st.integers(1, 30))
    rows = []
    for i in range(n):
        row: dict[str, Any] = {
            "account_id": f"a{draw(st.integers(0, n + 3)) if draw(st.booleans()) else i:03d}",
            "kind": draw(st.sampled_from([*(k.value for k in AccountKind), "robot", None])),
            "category": draw(st.sampled_from([*(c.value for c in Category), "gossip"])),
        }
        for m in policy.metrics:
            value = draw(st.one_of(good_value, good_value, good_value, BAD_VALUES))
            row[m] = value if fmt != "parquet" or isinstance(value, int) or value is None else -5
        if fmt == "csv":
            row = {k: None if v is None else str(v) for k, v in row.items()}
        rows.append(row)
    day = draw(st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)))
    return preset, rows, day, fmt


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=snapshots())
def test_generated_snapshots_agree(
    spark: SparkSession, case: tuple[str, list[dict[str, Any]], dt.date, str]
) -> None:
    preset, rows, day, fmt = case
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = write_snapshot(Path(tmp) / f"s.{fmt}", rows)
        both(spark, snapshot, load_policy(preset), day, Path(tmp))

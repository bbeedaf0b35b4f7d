"""The bulk engine agrees with the pure decision on every account: the specification holds."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byline.domain import Account, AccountKind, Category, Outcome, Policy, decide
from byline.engine import evaluate
from byline.policy import load_policy, preset_names

from factories import rows_of, write_snapshot

POLICIES = {name: load_policy(name) for name in preset_names()}


def boundary_values(policy: Policy, metric: str) -> list[int]:
    """Every threshold on ``metric`` and its neighbours: 499,999 / 500,000 / 500,001 ..."""
    values = {0, 1}
    thresholds = [policy.floor.threshold] + [t.threshold for t in policy.tiers]
    for threshold in thresholds:
        if metric in threshold:
            v = threshold[metric]
            values.update({v - 1, v, v + 1})
    return sorted(v for v in values if v >= 0)


def boundary_dates(policy: Policy) -> list[dt.date]:
    dates = set()
    for tier in policy.tiers:
        for delta in (-1, 0, 1):
            dates.add(tier.phase_starts + dt.timedelta(days=delta))
    return sorted(dates)


@st.composite
def cases(draw: st.DrawFn) -> tuple[Policy, list[Account], dt.date]:
    policy = POLICIES[draw(st.sampled_from(sorted(POLICIES)))]

    def metric_value(metric: str) -> st.SearchStrategy[int]:
        return st.one_of(
            st.sampled_from(boundary_values(policy, metric)), st.integers(0, 20_000_000)
        )

    accounts = draw(
        st.lists(
            st.builds(
                lambda kind, category, metrics: (kind, category, metrics),
                st.sampled_from(list(AccountKind)),
                st.sampled_from(list(Category)),
                st.fixed_dictionaries({m: metric_value(m) for m in policy.metrics}),
            ),
            min_size=1,
            max_size=40,
        )
    )
    as_of = draw(
        st.one_of(
            st.sampled_from(boundary_dates(policy)),
            st.dates(dt.date(2023, 1, 1), dt.date(2025, 12, 31)),
        )
    )
    return (
        policy,
        [Account(f"acct-{i:04d}", k, c, m) for i, (k, c, m) in enumerate(accounts)],
        as_of,
    )


def engine_decisions(
    policy: Policy, accounts: list[Account], as_of: dt.date, fmt: str, folder: Path
) -> dict[str, tuple[bool, str | None, tuple[str, ...], str]]:
    snapshot = write_snapshot(folder / f"snapshot.{fmt}", rows_of(accounts))
    result = evaluate(snapshot, policy, as_of, folder / "out")
    assert result.summary.read == len(accounts)
    assert result.summary.rejected == 0
    rows = duckdb.sql(
        f"SELECT account_id, required, tier, reasons, outcome "
        f"FROM read_parquet('{folder / 'out' / 'decisions.parquet'}')"
    ).fetchall()
    return {r[0]: (r[1], r[2], tuple(r[3]), r[4]) for r in rows}


def assert_agree(
    policy: Policy,
    accounts: list[Account],
    as_of: dt.date,
    got: dict[str, tuple[bool, str | None, tuple[str, ...], str]],
) -> None:
    for a in accounts:
        expected = decide(a, policy, as_of)
        if expected.outcome is Outcome.BELOW_THRESHOLD:
            assert a.account_id not in got, (a, as_of)
        else:
            assert got[a.account_id] == (
                expected.required,
                expected.tier,
                expected.reasons,
                expected.outcome.value,
            ), (a, as_of)
    assert len(got) == sum(decide(a, policy, as_of).reported for a in accounts)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_engine_agrees_with_decide(case: tuple[Policy, list[Account], dt.date]) -> None:
    policy, accounts, as_of = case
    with tempfile.TemporaryDirectory() as tmp:
        got = engine_decisions(policy, accounts, as_of, "parquet", Path(tmp))
    assert_agree(policy, accounts, as_of, got)


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_every_format_agrees_with_decide(
    fmt: str, case: tuple[Policy, list[Account], dt.date]
) -> None:
    policy, accounts, as_of = case
    with tempfile.TemporaryDirectory() as tmp:
        got = engine_decisions(policy, accounts, as_of, fmt, Path(tmp))
    assert_agree(policy, accounts, as_of, got)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_boundary_of_every_preset(name: str, tmp_path: Path) -> None:
    """The full cross product at the boundaries, not left to chance: every threshold and its
    neighbours x every kind x every category x the day before, of and after each phase start."""
    policy = POLICIES[name]
    metric_grid: list[dict[str, int]] = [{}]
    for metric in policy.metrics:
        metric_grid = [
            {**m, metric: v} for m in metric_grid for v in boundary_values(policy, metric)
        ]
    accounts = [
        Account(f"a{i:05d}", kind, category, metrics)
        for i, (kind, category, metrics) in enumerate(
            (k, c, m) for k in AccountKind for c in Category for m in metric_grid
        )
    ]
    for day in boundary_dates(policy):
        folder = tmp_path / day.isoformat()
        folder.mkdir()
        assert_agree(
            policy, accounts, day, engine_decisions(policy, accounts, day, "parquet", folder)
        )

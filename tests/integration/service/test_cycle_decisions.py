"""``byline cycle --decisions DIR``: a cycle acts on decisions made elsewhere (either engine,
any machine) as it acts on its own evaluation, and refuses decisions of another policy version
or date."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from byline.cases import _tables as case_tables
from byline.engine import evaluate
from byline.policy import load_policy
from byline.service import DecisionsRefused
from byline.service.cycle import run_cycle
from byline.store import Database

from factories import write_snapshot

GOOD = {"kind": "individual", "category": "finance"}
PHASE_1M = dt.date(2023, 10, 16)
WEIBO = load_policy("weibo")
ROWS = [
    {"account_id": "big", **GOOD, "followers": 3_000_000},
    {"account_id": "mid", **GOOD, "followers": 1_200_000},
    {"account_id": "small", **GOOD, "followers": 700_000},
    {"account_id": "bad", "kind": "robot", "category": "finance", "followers": 1},
]


def states(db: Database) -> dict[str, str]:
    with db.reading() as conn:
        rows = conn.execute(select(case_tables.cases.c.account_id, case_tables.cases.c.state))
        return {r.account_id: r.state for r in rows}


def test_a_cycle_on_decisions_made_elsewhere(db: Database, tmp_path: Path) -> None:
    snapshot = write_snapshot(tmp_path / "s.parquet", ROWS)
    made = tmp_path / "made-elsewhere"
    evaluate(snapshot, WEIBO, PHASE_1M, made)
    report = run_cycle(db, None, "weibo", PHASE_1M, decisions=made)
    assert report.evaluation == {"read": 4, "accepted": 3, "rejected": 1, "required": 2}
    assert states(db) == {"big": "notified", "mid": "notified"}
    assert report.outputs == str(made)
    assert run_cycle(db, None, "weibo", PHASE_1M, decisions=made).already_done


def test_a_cycle_on_decisions_made_on_spark(db: Database, spark: Any, tmp_path: Path) -> None:
    from byline.spark import evaluate as evaluate_on_spark

    snapshot = write_snapshot(tmp_path / "s.csv", ROWS)
    made = tmp_path / "on-spark"
    evaluate_on_spark(snapshot, WEIBO, PHASE_1M, made, spark=spark)
    assert (made / "decisions.parquet").is_dir()
    report = run_cycle(db, snapshot, "weibo", PHASE_1M, decisions=made)
    assert report.evaluation["required"] == 2
    assert states(db) == {"big": "notified", "mid": "notified"}


@pytest.mark.parametrize(
    "policy, as_of, code",
    [
        ("douyin", PHASE_1M, "decisions_other_policy"),
        ("weibo", PHASE_1M + dt.timedelta(days=1), "decisions_other_date"),
        ("version", PHASE_1M, "decisions_other_policy"),
    ],
)
def test_decisions_of_another_policy_or_date_are_refused(
    policy: str, as_of: dt.date, code: str, db: Database, tmp_path: Path
) -> None:
    made = tmp_path / "made"
    evaluate(write_snapshot(tmp_path / "s.parquet", ROWS), WEIBO, PHASE_1M, made)
    ref: str | Path = policy
    if policy == "version":  # the same policy, a later version
        from byline.policy import preset_path

        text = preset_path("weibo").read_text().replace('version = "2023.12"', 'version = "2024.1"')
        ref = tmp_path / "weibo-next.toml"
        ref.write_text(text)
    with pytest.raises(DecisionsRefused) as refused:
        run_cycle(db, None, ref, as_of, decisions=made)
    assert refused.value.code == code
    assert str(made) in str(refused.value)
    assert states(db) == {}


def test_a_folder_that_is_no_evaluation_is_refused(db: Database, tmp_path: Path) -> None:
    with pytest.raises(DecisionsRefused, match=r"no decisions\.parquet and summary\.json"):
        run_cycle(db, None, "weibo", PHASE_1M, decisions=tmp_path)

"""Counts pushed one account at a time under ``[linked_accounts]``: a count carrying
``owner_followers`` is a linked account's, decided exactly as ``evaluate`` decides the same row
of a snapshot with an ``owner_ref`` (the same ``decide()``), under either judge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb
import pytest

from byline import cases
from byline.domain.vocabulary import AccountKind, Category
from byline.engine import evaluate
from byline.policy import preset_path
from byline.policy._loader import parse_policy
from byline.service.counts import CountUpdate, apply_counts
from byline.service.cycle import run_cycle
from byline.service.programme import Programme
from byline.store import Database

from factories import write_snapshot

ON = dt.date(2024, 1, 1)
_HEAD, _TAIL = preset_path("baidu").read_text().split("[text.zh-CN.policy]", 1)
LINKED = '[linked_accounts]\nid = "baidu.linked"\njudge = "owner"\n\n'
POLICIES = {
    "account": _HEAD + "[text.zh-CN.policy]" + _TAIL,
    "owner": _HEAD + LINKED + "[text.zh-CN.policy]" + _TAIL,
}

# account_id, category, followers, owner_followers (None: a count naming no owner)
ROWS: list[tuple[str, str, int, int | None]] = [
    ("b1", "finance", 300_000, 1_200_000),  # split below the floor, audience at the 1m tier
    ("b2", "law", 450_000, 1_200_000),
    ("c1", "finance", 200_000, 280_000),  # the owner's audience is below the floor too
    ("d1", "finance", 1_500_000, 1_500_000),
    ("e1", "finance", 400_000, None),  # on its own
    ("f1", "entertainment", 450_000, 1_300_000),  # out of scope however judged
    ("g1", "finance", 600_000, 900_000),  # at the floor, below the tier either way
]


def activate(db: Database, tmp_path: Path, judge: str) -> Path:
    """Put the policy judging by ``judge`` in force for baidu (a cycle a week before ON)."""
    policy = tmp_path / f"baidu-{judge}.toml"
    policy.write_text(POLICIES[judge])
    quiet = [
        {"account_id": "z", "kind": "individual", "category": "law", "followers": 1}
        | {"owner_ref": "hz", "owner_followers": 1}
        | {"effective_followers": 1, "owner_effective_followers": 1}
    ]
    run_cycle(
        db,
        write_snapshot(tmp_path / "quiet.parquet", quiet),
        policy,
        ON - dt.timedelta(days=7),
    )
    return policy


def updates() -> list[CountUpdate]:
    out = []
    for account_id, category, followers, owner in ROWS:
        metrics = {"followers": followers} | ({} if owner is None else {"owner_followers": owner})
        out.append(CountUpdate(account_id, AccountKind.INDIVIDUAL, Category(category), metrics))
    return out


def evaluated(tmp_path: Path, policy: Path) -> dict[str, str]:
    """What ``evaluate`` requires of the same rows as a snapshot (a row with an owner value
    names its owner), by account: the tier."""
    rows: list[dict[str, Any]] = [
        {
            "account_id": a,
            "kind": "individual",
            "category": c,
            "followers": f,
            "owner_ref": None if o is None else f"h-{a}",
            "owner_followers": o,
        }
        for a, c, f, o in ROWS
    ]
    out = tmp_path / "out"
    evaluate(
        write_snapshot(tmp_path / "rows.parquet", rows),
        parse_policy(policy.read_text(), policy.name),
        ON,
        out,
    )
    found = duckdb.sql(
        f"SELECT account_id, tier FROM read_parquet('{out / 'decisions.parquet'}') WHERE required"
    ).fetchall()
    return {a: t for a, t in found}


@pytest.mark.parametrize(
    ("judge", "required"),
    [("account", {"d1"}), ("owner", {"b1", "b2", "d1"})],
)
def test_a_pushed_owner_count_decides_as_evaluate_does(
    db: Database, programme: Programme, tmp_path: Path, judge: str, required: set[str]
) -> None:
    policy = activate(db, tmp_path, judge)
    applied = apply_counts(db, "baidu", updates(), ON, actor="test")
    assert (applied.read, applied.accepted, applied.rejected) == (len(ROWS), len(ROWS), 0)
    with db.reading() as conn:
        opened = {a: cases.open_case(conn, "baidu", a) for a, *_ in ROWS}
    tiers = {a: c.tier for a, c in opened.items() if c is not None}
    assert set(tiers) == required
    assert tiers == evaluated(tmp_path, policy)
    b1 = opened["b1"]
    if judge == "owner":  # the case carries its owner's value, as a cycle's does
        assert b1 is not None and b1.metrics == {"followers": 300_000, "owner_followers": 1_200_000}


def test_a_linked_count_missing_an_owner_value_is_rejected_by_row_and_field(
    db: Database, programme: Programme, tmp_path: Path
) -> None:
    # A policy on two metrics: a linked account's count needs the owner's value of both.
    POLICIES["two"] = (
        POLICIES["owner"]
        .replace(
            "threshold = { followers = 500000 }",
            "threshold = { followers = 500000, effective_followers = 400000 }",
        )
        .replace(
            "threshold = { followers = 1000000 }",
            "threshold = { followers = 1000000, effective_followers = 800000 }",
        )
    )
    try:
        activate(db, tmp_path, "two")
    finally:
        del POLICIES["two"]
    rows = [
        CountUpdate("b1", AccountKind.INDIVIDUAL, Category.FINANCE,
                    {"followers": 300_000, "effective_followers": 290_000,
                     "owner_followers": 1_200_000}),
        CountUpdate("e1", AccountKind.INDIVIDUAL, Category.FINANCE,
                    {"followers": 300_000, "effective_followers": 290_000}),
    ]  # fmt: skip
    applied = apply_counts(db, "baidu", rows, ON, actor="test")
    assert (applied.read, applied.accepted, applied.rejected) == (2, 1, 1)
    (reject,) = applied.rejects
    assert reject.index == 0 and reject.field == "counts.0.metrics.owner_effective_followers"
    assert "judge = 'owner'" in reject.reason

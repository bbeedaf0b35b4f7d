"""Linked accounts in the bulk engine: judged by their owner when the policy says so, owners
split below the floor flagged under any policy, and the threshold promise on the judged metric."""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from byline.domain import Account, AccountKind, Category, Policy, decide
from byline.domain.cases import at_or_above_floor
from byline.engine import (
    Evaluation,
    SnapshotError,
    current_metrics,
    evaluate,
    floor_violations,
    reported_accounts,
)
from byline.graph import count_graph
from byline.policy import load_policy, preset_names, preset_path
from byline.policy._loader import parse_policy

from factories import write_snapshot

ON = dt.date(2024, 1, 1)
BAIDU = load_policy("baidu")  # floor 500,000; one tier at 1,000,000; finance is in scope
_HEAD, _TAIL = preset_path("baidu").read_text().split("[text.zh-CN.policy]", 1)
BY_OWNER = parse_policy(
    f'{_HEAD}[linked_accounts]\nid = "baidu.linked"\njudge = "owner"\n\n[text.zh-CN.policy]{_TAIL}',
    "baidu-by-owner.toml",
)

# account_id, category, followers, owner_ref, owner_followers (as byline count fills them:
# an account without an owner is its own holder).
ROWS: list[tuple[str, str, int, str | None, int | None]] = [
    ("a1", "finance", 600_000, "h1", 1_100_000),  # h1: one account at the floor -> no flag
    ("a2", "finance", 400_000, "h1", 1_100_000),
    ("b1", "finance", 300_000, "h2", 1_200_000),  # h2: every account below -> flagged
    ("b2", "law", 450_000, "h2", 1_200_000),
    ("c1", "finance", 200_000, "h3", 280_000),  # h3: its audience meets no tier
    ("c2", "finance", 100_000, "h3", 280_000),
    ("d1", "finance", 1_500_000, None, 1_500_000),  # on its own
    ("e1", "finance", 400_000, None, None),  # on its own, no owner value given
    ("f1", "entertainment", 450_000, "h4", 1_300_000),  # h4: flagged; f1 out of scope
    ("f2", "medicine", 300_000, "h4", 1_300_000),
]


def rows(order: str = "sorted", owners: bool = True) -> list[dict[str, Any]]:
    out = []
    for account_id, category, followers, owner_ref, owner_followers in ROWS:
        row: dict[str, Any] = {
            "account_id": account_id,
            "kind": "individual",
            "category": category,
            "followers": followers,
        }
        if owners:
            row |= {"owner_ref": owner_ref, "owner_followers": owner_followers}
        out.append(row)
    return out if order == "sorted" else out[::-1]


Decided = dict[str, tuple[bool, str | None]]


def run(
    tmp_path: Path, policy: Policy, snapshot_rows: list[dict[str, Any]], fmt: str = "parquet"
) -> tuple[Evaluation, Decided, Path]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    snapshot = write_snapshot(tmp_path / f"snapshot.{fmt}", snapshot_rows)
    out = tmp_path / "out"
    result = evaluate(snapshot, policy, ON, out)
    decisions = {
        r[0]: (r[1], r[2])
        for r in duckdb.sql(
            f"SELECT account_id, required, tier FROM read_parquet('{out / 'decisions.parquet'}')"
        ).fetchall()
    }
    return result, decisions, out


def flagged(out: Path) -> list[tuple[Any, ...]]:
    return duckdb.sql(
        "SELECT owner_ref, accounts, required, owner_followers, tier "
        f"FROM read_parquet('{out / 'flagged_owners.parquet'}') ORDER BY owner_ref"
    ).fetchall()


@pytest.mark.parametrize("order", ["sorted", "reversed"])  # the ordered scan, and hashing
def test_judged_by_account_obliges_no_split_owner_but_flags_it(tmp_path: Path, order: str) -> None:
    result, decisions, out = run(tmp_path, BAIDU, rows(order))
    # a1 meets the floor but no tier: not reported; no split account is obliged.
    assert decisions == {"d1": (True, "baidu.tier.1m")}
    assert flagged(out) == [
        ("h2", 2, 0, 1_200_000, "baidu.tier.1m"),
        ("h4", 2, 0, 1_300_000, "baidu.tier.1m"),
    ]
    assert result.summary.flagged_owners == 2
    assert json.loads((out / "summary.json").read_text())["flagged_owners"] == 2
    assert result.summary.rejected == 0
    assert floor_violations(out / "decisions.parquet", BAIDU) == 0


def test_a_preset_decides_the_same_with_or_without_owner_columns(tmp_path: Path) -> None:
    with_owners, decided, _ = run(tmp_path / "with", BAIDU, rows())
    without, decided_alone, out = run(tmp_path / "without", BAIDU, rows(owners=False))
    assert decided == decided_alone
    for key in ("required", "reported", "by_outcome", "by_tier", "by_category", "accepted"):
        assert getattr(with_owners.summary, key) == getattr(without.summary, key), key
    assert without.summary.flagged_owners is None  # nothing to judge owners by
    assert not (out / "flagged_owners.parquet").exists()


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
@pytest.mark.parametrize("order", ["sorted", "reversed"])
def test_judged_by_owner_obliges_each_linked_account(tmp_path: Path, fmt: str, order: str) -> None:
    result, decisions, out = run(tmp_path, BY_OWNER, rows(order), fmt)
    required = {k for k, (r, _) in decisions.items() if r}
    assert required == {"a1", "a2", "b1", "b2", "d1", "f2"}
    # Still flagged (every account below the floor on its own); now obliged as well.
    assert flagged(out) == [
        ("h2", 2, 2, 1_200_000, "baidu.tier.1m"),
        ("h4", 2, 1, 1_300_000, "baidu.tier.1m"),
    ]
    assert result.summary.flagged_owners == 2
    # The engine agrees with decide() on every account.
    for account_id, category, followers, owner_ref, owner_followers in ROWS:
        metrics = {"followers": followers, "owner_followers": owner_followers or 0}
        account = Account(
            account_id, AccountKind.INDIVIDUAL, Category(category), metrics, owner_ref
        )
        expected = decide(account, BY_OWNER, ON)
        if expected.reported:
            assert decisions[account_id] == (expected.required, expected.tier), account_id
        else:
            assert account_id not in decisions, account_id
    reasons = duckdb.sql(
        f"SELECT reasons FROM read_parquet('{out / 'decisions.parquet'}') WHERE account_id = 'b1'"
    ).fetchall()
    assert "baidu.linked" in reasons[0][0]


def test_the_promise_is_checked_on_the_metric_the_policy_judges_by(tmp_path: Path) -> None:
    _, _, out = run(tmp_path, BY_OWNER, rows())
    decisions = out / "decisions.parquet"
    assert floor_violations(decisions, BY_OWNER) == 0
    # Read as if each account were judged on its own, four obliged accounts are below the
    # floor: the check looks at the metric, and would see an engine judging wrongly.
    assert floor_violations(decisions, BAIDU) == 4
    # An owner value below the floor obliging an account is a violation under judge = owner.
    forged = tmp_path / "forged.parquet"
    duckdb.sql(
        f"COPY (SELECT * REPLACE (CASE WHEN account_id = 'b1' THEN 1 ELSE owner_followers END "
        f"AS owner_followers) FROM read_parquet('{decisions}')) TO '{forged}' (FORMAT parquet)"
    )
    assert floor_violations(forged, BY_OWNER) == 1


def test_judged_by_owner_needs_the_owner_columns(tmp_path: Path) -> None:
    snapshot = write_snapshot(tmp_path / "snapshot.parquet", rows(owners=False))
    with pytest.raises(SnapshotError) as info:
        evaluate(snapshot, BY_OWNER, ON, tmp_path / "out")
    message = str(info.value)
    assert "missing required columns owner_followers, owner_ref" in message
    assert "judge = 'owner'" in message and "'baidu'" in message  # the policy, by its id


def test_a_linked_account_without_its_owner_value(tmp_path: Path) -> None:
    broken = rows()
    broken[2]["owner_followers"] = None  # b1, of owner h2
    broken[3]["owner_followers"] = -5  # b2
    result, decisions, out = run(tmp_path / "owner", BY_OWNER, broken, "csv")
    assert result.summary.rejected == 2
    rejects = (out / "rejects.csv").read_text()
    assert "owner_followers: missing" in rejects and "owner_followers: negative" in rejects
    assert "b1" not in decisions and "b2" not in decisions
    # Judged account by account, the owner value is only read for the flag: no row rejected.
    result, _, out = run(tmp_path / "account", BAIDU, broken, "csv")
    assert result.summary.rejected == 0
    assert [r[0] for r in flagged(out)] == ["h4"]


@st.composite
def owned_accounts(draw: st.DrawFn) -> tuple[list[dict[str, Any]], dt.date]:
    """Accounts around Baidu's thresholds, some run by one of a few owners whose audience is at
    least each of its accounts' (as a distinct count over them is)."""
    near = st.sampled_from([0, 499_999, 500_000, 500_001, 999_999, 1_000_000, 1_000_001])
    followers = st.one_of(near, st.integers(0, 2_000_000))
    n = draw(st.integers(1, 25))
    owners = draw(st.lists(st.sampled_from([None, "h1", "h2", "h3", "h4"]), min_size=n, max_size=n))
    audience = {o: draw(st.one_of(near, st.integers(0, 3_000_000))) for o in set(owners) if o}
    out = []
    for i, owner in enumerate(owners):
        own = draw(followers)
        out.append(
            {
                "account_id": f"acct-{i:03d}",
                "kind": draw(st.sampled_from(list(AccountKind))).value,
                "category": draw(st.sampled_from(list(Category))).value,
                "followers": own,
                "owner_ref": owner,
                "owner_followers": None if owner is None else audience[owner],
            }
        )
    for row in out:  # an owner's audience is never below one of its accounts'
        if row["owner_ref"] is not None:
            top = max(r["followers"] for r in out if r["owner_ref"] == row["owner_ref"])
            row["owner_followers"] = max(audience[row["owner_ref"]], top)
    as_of = draw(st.sampled_from([dt.date(2023, 10, 30), dt.date(2023, 10, 31), ON]))
    return out, as_of


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=owned_accounts(), by_owner=st.booleans())
def test_engine_agrees_with_decide_and_flags_as_the_reference(
    case: tuple[list[dict[str, Any]], dt.date], by_owner: bool
) -> None:
    snapshot_rows, as_of = case
    policy = BY_OWNER if by_owner else BAIDU
    with tempfile.TemporaryDirectory() as tmp:
        snapshot = write_snapshot(Path(tmp) / "snapshot.parquet", snapshot_rows)
        result = evaluate(snapshot, policy, as_of, Path(tmp) / "out")
        got = {
            r[0]: (r[1], r[2], tuple(r[3]))
            for r in duckdb.sql(
                "SELECT account_id, required, tier, reasons "
                f"FROM read_parquet('{Path(tmp) / 'out' / 'decisions.parquet'}')"
            ).fetchall()
        }
        flags = {r[0]: r[1:] for r in flagged(Path(tmp) / "out")}
        assert floor_violations(Path(tmp) / "out" / "decisions.parquet", policy) == 0
    expected = {}
    for r in snapshot_rows:
        metrics = {"followers": r["followers"], "owner_followers": r["owner_followers"] or 0}
        account = Account(
            r["account_id"],
            AccountKind(r["kind"]),
            Category(r["category"]),
            metrics,
            r["owner_ref"],
        )
        d = decide(account, policy, as_of)
        if d.reported:
            expected[d.account_id] = (d.required, d.tier, d.reasons)
    assert got == expected
    reference = {}
    for owner in {r["owner_ref"] for r in snapshot_rows} - {None}:
        mine = [r for r in snapshot_rows if r["owner_ref"] == owner]
        audience = mine[0]["owner_followers"]
        tier = next((t.id for t in policy.tiers if t.met_by({"followers": audience})), None)
        if tier and all(r["followers"] < 500_000 for r in mine):
            required = sum(bool(got.get(r["account_id"], (False,))[0]) for r in mine)
            reference[owner] = (len(mine), required, audience, tier)
    assert flags == reference
    assert result.summary.flagged_owners == len(reference)


def test_from_the_follow_graph_to_a_flag(tmp_path: Path) -> None:
    """``byline count --owners --accounts`` writes what ``[linked_accounts]`` reads: two accounts
    of one holder, 3 and 3 followers, 5 distinct between them; a floor of 4 and a tier of 5."""
    (tmp_path / "edges.csv").write_text(
        "follower_id,followee_id\n"
        + "".join(f"u{i},main\n" for i in (1, 2, 3))
        + "".join(f"u{i},alt\n" for i in (3, 4, 5))
    )
    (tmp_path / "owners.csv").write_text("account_id,owner_ref\nmain,h1\nalt,h1\n")
    write_snapshot(
        tmp_path / "snapshot.parquet",
        [
            {"account_id": a, "kind": "individual", "category": "finance", "followers": 0}
            for a in ("alt", "main", "other")
        ],
    )
    count_graph(
        tmp_path / "edges.csv",
        tmp_path / "count",
        owners=tmp_path / "owners.csv",
        accounts=tmp_path / "snapshot.parquet",
    )
    accounts = tmp_path / "count" / "accounts.parquet"
    small = {"followers = 500000": "followers = 4", "followers = 1000000": "followers = 5"}
    for name, policy, required in (("account", BAIDU, 0), ("owner", BY_OWNER, 2)):
        text = policy.model_dump_json(exclude_unset=True)
        for old, new in small.items():
            text = text.replace(old.replace(" = ", '":'), new.replace(" = ", '":'))
        scaled = Policy.model_validate_json(text)
        result = evaluate(accounts, scaled, ON, tmp_path / name)
        assert result.summary.required == required
        assert result.summary.flagged_owners == 1
        assert flagged(tmp_path / name) == [("h1", 2, required, 5, "baidu.tier.1m")]


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_decides_the_same_with_owner_columns(name: str, tmp_path: Path) -> None:
    """Owner columns change no preset's decisions: they are read only to flag owners."""
    policy = load_policy(name)
    rules = (policy.floor, *policy.tiers)
    values = sorted({v + d for t in rules for v in t.threshold.values() for d in (-1, 0)})
    plain: list[dict[str, Any]] = []
    for i, value in enumerate(values * len(Category)):
        category = list(Category)[i % len(Category)]
        metrics = {m: value for m in policy.metrics}
        plain.append(
            {"account_id": f"a{i:04d}", "kind": "individual", "category": category.value, **metrics}
        )
    top = max(values) + 1
    linked = [
        r | {"owner_ref": f"h{i % 3}" if i % 2 else None} | dict.fromkeys(policy.owner_metrics, top)
        for i, r in enumerate(plain)
    ]
    alone, with_owners = (
        run(tmp_path / label, policy, snapshot)
        for label, snapshot in (("plain", plain), ("linked", linked))
    )
    assert alone[1] == with_owners[1]
    for key in ("required", "reported", "by_outcome", "by_tier", "by_category", "rejected"):
        assert getattr(alone[0].summary, key) == getattr(with_owners[0].summary, key), key
    assert alone[0].summary.flagged_owners is None
    assert with_owners[0].summary.flagged_owners is not None


def test_cases_read_back_carry_the_owner_value_only_under_judge_owner(tmp_path: Path) -> None:
    """What a cycle opens and observes cases from: under ``judge = "owner"`` a linked account's
    metrics carry its owner's, so its case is held to the floor on what it was judged by."""
    for policy, linked in ((BAIDU, False), (BY_OWNER, True)):
        _, _, out = run(tmp_path / str(linked), policy, rows())
        reported = {r.account_id: r.metrics for r in reported_accounts(out, policy)}
        assert reported["d1"] == {"followers": 1_500_000}  # no owner: its own only
        snapshot = tmp_path / str(linked) / "snapshot.parquet"
        now = current_metrics(snapshot, policy, ["b1", "e1"])
        assert now["e1"] == {"followers": 400_000}
        if linked:
            assert reported["b1"] == {"followers": 300_000, "owner_followers": 1_200_000}
            assert now["b1"] == {"followers": 300_000, "owner_followers": 1_200_000}
            assert at_or_above_floor(reported["b1"], policy)
        else:
            assert "b1" not in reported
            assert now["b1"] == {"followers": 300_000}
        assert not at_or_above_floor({"followers": 300_000}, policy)
        # An owner value counts only where the policy judges by owners.
        assert at_or_above_floor({"followers": 300_000, "owner_followers": 900_000}, policy) is (
            linked
        )

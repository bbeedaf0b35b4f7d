"""The live counter against a plain one-event-at-a-time reference: follow and unfollow runs
(below zero refused), count events (an older seq ignored), any split into batches, crossings
decided with ``decide``, and checkpoints read back whole."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from byline.domain.decision import Account, decide
from byline.domain.vocabulary import AccountKind, Category
from byline.engine import (
    BELOW_ZERO,
    NOT_LINKED,
    OLD_SEQ,
    LiveAccounts,
    LiveCounters,
    ids_digest,
    load_checkpoint,
    new_seq,
    save_checkpoint,
)
from byline.policy import load_policy, preset_path
from byline.policy._loader import parse_policy

POLICY = load_policy("weibo")
ON = dt.date(2024, 1, 10)
EDGES = (500_000, 1_000_000)
KINDS = ("individual", "organization")
CATEGORIES = ("finance", "daily_life")


def counters(start: list[int]) -> LiveCounters:
    n = len(start)
    accounts = LiveAccounts.of(
        [f"a{i}" for i in range(n)],
        [KINDS[i % 3 == 2] for i in range(n)],
        [CATEGORIES[i % 5 == 4] for i in range(n)],
    )
    values = {"followers": np.array(start, np.int64)}
    return LiveCounters(accounts, values, new_seq(accounts), POLICY)


# an event: ("f", row, +1/-1) or ("c", row, seq, value)
def reference(start: list[int], events: list[tuple]) -> tuple[list[int], list[str | None]]:
    counts, seqs, outcome = list(start), [None] * len(start), []
    for e in events:
        if e[0] == "f":
            _, row, delta = e
            if delta < 0 and counts[row] == 0:
                outcome.append(BELOW_ZERO)
                continue
            counts[row] += delta
        else:
            _, row, seq, value = e
            if seqs[row] is not None and seq <= seqs[row]:
                outcome.append(OLD_SEQ)
                continue
            seqs[row], counts[row] = seq, value
        outcome.append(None)
    return counts, outcome


def apply_in_runs(live: LiveCounters, events: list[tuple]) -> list[str | None]:
    """Apply ``events`` run by run (same-shaped neighbours together), as the consumer does."""
    outcome: list[str | None] = []
    i = 0
    while i < len(events):
        j = i
        while j < len(events) and events[j][0] == events[i][0]:
            j += 1
        run = events[i:j]
        if run[0][0] == "f":
            rows = np.array([e[1] for e in run], np.int64)
            refused = live.follow(rows, np.array([e[2] < 0 for e in run]))
        else:
            rows = np.array([e[1] for e in run], np.int64)
            seqs = np.array([e[2] for e in run], np.int64)
            refused = live.set_counts(rows, seqs, [{"followers": e[3]} for e in run])
        got: list[str | None] = [None] * len(run)
        for p, reason in zip(refused.positions, refused.reasons, strict=True):
            got[p] = reason
        outcome += got
        i = j
    return outcome


near = st.sampled_from([0, 1, 2, 499_999, 500_000, 500_001, 999_999, 1_000_000, 7])
follow = st.tuples(st.just("f"), st.integers(0, 5), st.sampled_from([1, -1]))
count = st.tuples(
    st.just("c"), st.integers(0, 5), st.integers(0, 6), st.sampled_from([0, 3, 500_000, 999_999])
)


@settings(max_examples=300, deadline=None)
@given(
    start=st.lists(near, min_size=6, max_size=6),
    events=st.lists(st.one_of(follow, follow, count), max_size=60),
    cuts=st.lists(st.integers(0, 60), max_size=4),
)
def test_batches_give_the_counts_of_one_event_at_a_time(
    start: list[int], events: list[tuple], cuts: list[int]
) -> None:
    want, want_outcome = reference(start, events)
    live = counters(start)
    outcome: list[str | None] = []
    bounds = sorted({0, len(events), *(c for c in cuts if c < len(events))})
    for lo, hi in itertools.pairwise(bounds):
        before = [live.counts_of(r) for r in range(6)]
        outcome += apply_in_runs(live, events[lo:hi])
        crossed = {c.account_id: c for c in live.crossings(ON)}
        # crossings: exactly the accounts whose decision the batch changed
        for row in range(6):
            a, b = (
                decide(live.accounts.account(row, m), POLICY, ON)
                for m in (before[row], live.counts_of(row))
            )
            changed = (a.required, a.tier) != (b.required, b.tier)
            assert (f"a{row}" in crossed) == changed
            if changed:
                assert crossed[f"a{row}"].metrics == live.counts_of(row)
                assert crossed[f"a{row}"].tier == b.tier
    assert live.values["followers"].tolist() == want
    assert outcome == want_outcome


def test_a_large_run_matches_the_reference_and_refuses_in_order() -> None:
    rng = np.random.default_rng(3)
    start = rng.integers(0, 4, 1000).tolist()
    rows = rng.integers(0, 1000, 50_000)
    minus = rng.random(50_000) < 0.5
    events = [("f", int(r), -1 if m else 1) for r, m in zip(rows, minus, strict=True)]
    want, want_outcome = reference(start, events)
    live = counters(start)
    refused = live.follow(rows.astype(np.int64), minus)
    assert live.values["followers"].tolist() == want
    assert refused.positions == [i for i, o in enumerate(want_outcome) if o == BELOW_ZERO]
    assert refused.positions, "the run took some account below zero"


def test_crossings_are_decided_with_the_policy() -> None:
    live = counters([499_999, 1_000_000, 7, 8, 499_999])
    # a0 up to the 500k tier; a1 down from the 1M tier to the 500k one; a4 across the floor
    # but out of scope (daily_life): its decision stays "not required"
    live.follow(np.array([0, 1, 2, 4]), np.array([False, True, False, False]))
    crossed = {c.account_id: (c.required, c.tier) for c in live.crossings(ON)}
    assert crossed == {"a0": (True, "weibo.tier.500k"), "a1": (True, "weibo.tier.500k")}
    assert live.crossings(ON) == []  # cleared
    live.follow(np.array([0]), np.array([True]))
    assert [(c.account_id, c.required, c.tier) for c in live.crossings(ON)] == [("a0", False, None)]


OWNER_POLICY = parse_policy(
    preset_path("weibo")
    .read_text()
    .replace(
        "[text.zh-CN.policy]",
        '[linked_accounts]\nid = "weibo.linked"\njudge = "owner"\n\n[text.zh-CN.policy]',
        1,
    ),
    "weibo-owner.toml",
)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 3),  # the account (0, 1 linked to an owner)
            st.sampled_from(["followers", "owner_followers", "both"]),
            st.sampled_from([0, 499_999, 500_000, 999_999, 1_000_000, 2_000_000]),
        ),
        max_size=12,
    )
)
def test_under_judge_owner_count_events_decide_as_decide_does(events: list[tuple]) -> None:
    linked = [True, True, False, False]
    accounts = LiveAccounts.of(
        [f"a{i}" for i in range(4)], ["individual"] * 4, ["finance"] * 4, linked
    )
    start = {"followers": [10, 10, 10, 10], "owner_followers": [20, 20, 0, 0]}
    values = {m: np.array(v, np.int64) for m, v in start.items()}
    live = LiveCounters(accounts, values, new_seq(accounts), OWNER_POLICY)
    want = {m: list(v) for m, v in start.items()}
    decided = {}
    for seq, (row, which, value) in enumerate(events, start=1):
        names = ["followers", "owner_followers"] if which == "both" else [which]
        refused = live.set_counts(np.array([row]), np.array([seq]), [dict.fromkeys(names, value)])
        if not linked[row] and "owner_followers" in names:
            assert refused.reasons == [NOT_LINKED]  # an owner's value of an account on its own
            continue
        assert refused.reasons == []
        for m in names:
            want[m][row] = value
        for c in live.crossings(ON):
            decided[c.account_id] = (c.required, c.tier)
    for row in range(4):
        metrics = {"followers": want["followers"][row]}
        if linked[row]:
            metrics["owner_followers"] = want["owner_followers"][row]
        owner = "h" if linked[row] else None
        d = decide(Account(f"a{row}", AccountKind.INDIVIDUAL, Category.FINANCE, metrics, owner),
                   OWNER_POLICY, ON)  # fmt: skip
        assert live.counts_of(row) == metrics  # an owner's value only for a linked account
        if f"a{row}" in decided:  # the last crossing says what the counts decide now
            assert decided[f"a{row}"] == (d.required, d.tier)
        else:  # never crossed: decided as at the start
            first = {"followers": 10} | ({"owner_followers": 20} if linked[row] else {})
            start_d = decide(Account(f"a{row}", AccountKind.INDIVIDUAL, Category.FINANCE, first,
                                     owner), OWNER_POLICY, ON)  # fmt: skip
            assert (d.required, d.tier) == (start_d.required, start_d.tier)


def test_checkpoints_read_back_whole_and_only_over_the_same_accounts(tmp_path: Path) -> None:
    live = counters([5, 6, 7])
    live.set_counts(np.array([1]), np.array([9]), [{"followers": 600_000}])
    digest = ids_digest(live.accounts)
    path = tmp_path / "c.npz"
    save_checkpoint(path, live, digest, "17-3", {"read": 4})
    values, seq, found = load_checkpoint(path, live.accounts, digest, live.metrics)
    assert values["followers"].tolist() == [5, 600_000, 7]
    assert seq[1] == 9 and found.position == "17-3" and found.totals == {"read": 4}
    other = counters([1, 2, 3, 4])
    with pytest.raises(ValueError, match="other accounts"):
        load_checkpoint(path, other.accounts, ids_digest(other.accounts), other.metrics)
    assert not list(tmp_path.glob(".*tmp"))

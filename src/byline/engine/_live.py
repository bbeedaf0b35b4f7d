"""The live counter: every account's counts in memory, moved by events in vectorised batches,
and the accounts whose decision a batch changed (its crossings).

Nothing here knows where the events come from (a Redis stream, a file, a Spark job): a caller
turns each batch into arrays of account rows and applies them in stream order, one run of
same-shaped events at a time, so the result is the one of applying every event in order:

- a follow event moves ``followers`` by one; an unfollow that would take it below zero is
  refused (and reported) while the events around it still apply;
- a count event sets the metrics it names, unless its ``seq`` is not above the newest ``seq``
  already applied for that account (then it is ignored and reported); an owner's value
  (``owner_followers``, kept under ``judge = "owner"``) only for an account the snapshot links
  to an owner (else it is refused and reported).

A decision depends on the counts only through the policy's thresholds (``metric >= value``), so
a batch can change an account's decision only where some metric moved across one of those
values: those rows alone are decided again, with ``domain.decide``, at the batch's end.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from byline.domain.decision import UNNAMED_OWNER, Account, decide
from byline.domain.policy import Policy, owner_metric
from byline.domain.vocabulary import AccountKind, Category

FOLLOWERS = "followers"  # the metric follow events move

# reasons an event of a batch is refused (the caller names the reasons of shape itself)
BELOW_ZERO = "unfollow_below_zero"
OLD_SEQ = "older_seq"
NOT_LINKED = "not_linked"


@dataclass(frozen=True)
class LiveAccounts:
    """The accounts a live counter knows: ids in row order, each one's kind and category, and
    whether it is linked to an owner (the snapshot's ``owner_ref``; all False unless read)."""

    ids: np.ndarray  # object array of str, row order
    kinds: np.ndarray  # int8 codes into KINDS
    categories: np.ndarray  # int8 codes into CATEGORIES
    index: dict[str, int] = field(repr=False, compare=False)
    linked: np.ndarray | None = field(default=None, repr=False, compare=False)  # bool by row

    KINDS = tuple(AccountKind)
    CATEGORIES = tuple(Category)

    @classmethod
    def of(
        cls,
        ids: Sequence[str],
        kinds: Sequence[str],
        categories: Sequence[str],
        linked: Sequence[bool] | None = None,
    ) -> LiveAccounts:
        kind_code = {k.value: i for i, k in enumerate(cls.KINDS)}
        category_code = {c.value: i for i, c in enumerate(cls.CATEGORIES)}
        index = {a: i for i, a in enumerate(ids)}
        if len(index) != len(ids):
            raise ValueError("accounts: an account id appears more than once")
        return cls(
            np.array(ids, dtype=object),
            np.array([kind_code[k] for k in kinds], dtype=np.int8),
            np.array([category_code[c] for c in categories], dtype=np.int8),
            index,
            None if linked is None else np.array(linked, dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.ids)

    def rows(self, account_ids: Sequence[str]) -> np.ndarray:
        """Each id's row, -1 for an id the snapshot does not have."""
        found = map(self.index.get, account_ids, itertools.repeat(-1))
        return np.fromiter(found, np.int64, len(account_ids))

    def is_linked(self, row: int) -> bool:
        return self.linked is not None and bool(self.linked[row])

    def account(self, row: int, metrics: Mapping[str, int]) -> Account:
        return Account(
            str(self.ids[row]),
            self.KINDS[self.kinds[row]],
            self.CATEGORIES[self.categories[row]],
            metrics,
            UNNAMED_OWNER if self.is_linked(row) else None,
        )


@dataclass(frozen=True)
class Crossing:
    """An account whose decision a batch changed, with its counts at the batch's end."""

    account_id: str
    kind: AccountKind
    category: Category
    metrics: dict[str, int]
    required: bool
    tier: str | None


@dataclass
class Refused:
    """Events of a run not applied: their positions in the run, and why."""

    positions: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    def add(self, position: int, reason: str) -> None:
        self.positions.append(position)
        self.reasons.append(reason)


class LiveCounters:
    """Counts of every account (one int64 array per metric) and the newest ``seq`` applied."""

    def __init__(
        self,
        accounts: LiveAccounts,
        values: Mapping[str, np.ndarray],
        seq: np.ndarray,
        policy: Policy,
    ) -> None:
        if FOLLOWERS not in values:
            raise ValueError(f"the live counter keeps {FOLLOWERS!r}; it is missing")
        missing = [m for m in policy.metrics if m not in values]
        if policy.judges_owners:
            missing += [m for m in policy.owner_metrics if m not in values and m not in missing]
        if missing:
            raise ValueError(f"the policy decides on {', '.join(missing)}: no counts for it")
        n = len(accounts)
        for name, array in values.items():
            if array.shape != (n,) or array.dtype != np.int64:
                raise ValueError(f"counts of {name!r}: want {n} int64 values")
        self.accounts, self.policy = accounts, policy
        self.values = dict(values)
        self.seq = seq
        # every value some threshold of the policy compares each metric with, ascending
        edges = {
            m: np.array(
                sorted(
                    {
                        v
                        for t in (policy.floor.threshold, *(x.threshold for x in policy.tiers))
                        for k, v in t.items()
                        if k == m
                    }
                ),
                dtype=np.int64,
            )
            for m in policy.metrics
        }
        # an owner's value (``owner_followers``) is compared with its metric's thresholds
        self._owned = {owner_metric(m): m for m in policy.metrics if owner_metric(m) != m}
        self._edges = edges | {o: edges[m] for o, m in self._owned.items() if o in values}
        self._before: dict[int, dict[str, int]] = {}  # rows moved across an edge: counts before

    @property
    def metrics(self) -> tuple[str, ...]:
        return tuple(self.values)

    def counts_of(self, row: int) -> dict[str, int]:
        """The row's counters; an owner's value (``owner_followers``) only for a linked
        account, as ``evaluate`` reads a snapshot row without ``owner_ref``."""
        linked = self.accounts.is_linked(row)
        return {m: int(v[row]) for m, v in self.values.items() if linked or m not in self._owned}

    # -- follow events ----------------------------------------------------------------------

    def follow(self, rows: np.ndarray, unfollow: np.ndarray) -> Refused:
        """Apply a run of follow (``unfollow`` False) and unfollow events to ``rows`` in order."""
        refused = Refused()
        size = rows.size
        if size == 0:
            return refused
        # one sort of (row << 1 | unfollow) groups each account's events, follows first
        width = np.uint32 if len(self.accounts) < 2**31 else np.uint64
        key: np.ndarray[Any, np.dtype[np.unsignedinteger[Any]]] = rows.astype(width)
        np.left_shift(key, 1, out=key)
        np.bitwise_or(key, unfollow, out=key)
        key.sort()
        minus = np.empty(size + 1, np.int64)
        minus[0] = 0
        np.cumsum(np.bitwise_and(key, 1), out=minus[1:])  # unfollows up to each position
        np.right_shift(key, 1, out=key)
        first = np.empty(size, bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        start = np.flatnonzero(first)
        touched = key[start].astype(np.int64)
        end = np.append(start[1:], size)
        unfollows = minus[end] - minus[start]
        net = (end - start) - 2 * unfollows
        counts = self.values[FOLLOWERS]
        old = counts[touched]
        # below zero is possible only where an account had fewer followers than unfollows
        risky = old < unfollows
        if risky.any():
            self._refuse_below_zero(rows, unfollow, touched[risky], refused)
            safe = ~risky
            touched, old, net = touched[safe], old[safe], net[safe]
        new = old + net
        self._note_moves(FOLLOWERS, touched, old, new)
        counts[touched] = new
        return refused

    def _refuse_below_zero(
        self, rows: np.ndarray, unfollow: np.ndarray, risky: np.ndarray, refused: Refused
    ) -> None:
        """One event at a time, for the few accounts a run could take below zero."""
        counts = self.values[FOLLOWERS]
        positions = np.flatnonzero(np.isin(rows, risky, kind="table"))
        before = {int(r): int(counts[r]) for r in risky.tolist()}
        now = dict(before)
        for p, row, minus in zip(
            positions.tolist(), rows[positions].tolist(), unfollow[positions].tolist(), strict=True
        ):
            if not minus:
                now[row] += 1
            elif now[row] == 0:
                refused.add(p, BELOW_ZERO)
            else:
                now[row] -= 1
        moved = np.fromiter(now, np.int64, len(now))
        old = np.fromiter(before.values(), np.int64, len(before))
        new = np.fromiter(now.values(), np.int64, len(now))
        self._note_moves(FOLLOWERS, moved, old, new)
        counts[moved] = new

    # -- count events -----------------------------------------------------------------------

    def set_counts(
        self, rows: np.ndarray, seqs: np.ndarray, metrics: Sequence[Mapping[str, int]]
    ) -> Refused:
        """Apply a run of count events in order: each sets the metrics it names, unless its
        ``seq`` is not above the account's newest; those are refused as ``OLD_SEQ``."""
        refused = Refused()
        for p, (row, seq) in enumerate(zip(rows.tolist(), seqs.tolist(), strict=True)):
            if seq <= self.seq[row]:
                refused.add(p, OLD_SEQ)
                continue
            values = metrics[p]
            if not self.accounts.is_linked(row) and any(m in self._owned for m in values):
                refused.add(p, NOT_LINKED)
                continue
            self.seq[row] = seq
            if row not in self._before and any(
                self._moves(name, int(self.values[name][row]), value)
                for name, value in values.items()
            ):
                self._before[row] = self.counts_of(row)
            for name, value in values.items():
                self.values[name][row] = value
        return refused

    # -- crossings --------------------------------------------------------------------------

    def _moves(self, metric: str, old: int, new: int) -> bool:
        edges = self._edges.get(metric)
        if edges is None:
            return False
        return bool(np.searchsorted(edges, old, "right") != np.searchsorted(edges, new, "right"))

    def _note_moves(self, metric: str, rows: np.ndarray, old: np.ndarray, new: np.ndarray) -> None:
        edges = self._edges.get(metric)
        if edges is None or edges.size == 0 or rows.size == 0:
            return
        if edges.size <= 8:  # a few comparisons beat a binary search per value
            moved = np.zeros(rows.size, bool)
            for edge in edges.tolist():
                moved |= (old >= edge) != (new >= edge)
        else:
            moved = np.searchsorted(edges, old, "right") != np.searchsorted(edges, new, "right")
        for i in np.flatnonzero(moved).tolist():
            row = int(rows[i])
            if row not in self._before:
                before = self.counts_of(row)
                before[metric] = int(old[i])
                self._before[row] = before

    def crossings(self, on: dt.date) -> list[Crossing]:
        """The accounts whose decision on ``on`` differs from the one before the first event
        since the last call (required or not, and the tier); the candidates are then cleared."""
        found = []
        for row in sorted(self._before):
            before = decide(self.accounts.account(row, self._before[row]), self.policy, on)
            counts = self.counts_of(row)
            after = decide(self.accounts.account(row, counts), self.policy, on)
            if (before.required, before.tier) == (after.required, after.tier):
                continue
            account = self.accounts.account(row, counts)
            found.append(
                Crossing(
                    account.account_id,
                    account.kind,
                    account.category,
                    counts,
                    after.required,
                    after.tier,
                )
            )
        self._before.clear()
        return found

    def pending_crossings(self) -> int:
        return len(self._before)

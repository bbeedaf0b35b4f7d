"""The ``Live`` service: a counter of every account's followers kept live from events, whose
crossings open or observe cases through the same rules as a cycle and ``POST /follower-counts``
(``service.counts.apply_counts``).

A front door (the stream consumer) feeds it batches in stream order and, after each batch,
asks it to act on the crossings and, now and then, to checkpoint. Acting on a crossing is
idempotent (an open case is observed, and observing the same counts again changes nothing), so
a batch applied again after a crash, from the last checkpoint, opens no case twice."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from byline.domain.errors import CodedError
from byline.domain.policy import Policy
from byline.engine import (
    FOLLOWERS,
    Checkpoint,
    Crossing,
    LiveAccounts,
    LiveCounters,
    Refused,
    ids_digest,
    live_metrics,
    load_checkpoint,
    load_live,
    new_seq,
    save_checkpoint,
)
from byline.policy import load_policy
from byline.service._base import Service
from byline.service.counts import CountUpdate, apply_counts
from byline.service.dashboard import latest_cycle_snapshot
from byline.service.policies import active_policy
from byline.synth import EVENTS_FILE, graph_followers, write_events

TOTALS = ("read", "applied", "rejected", "ignored", "crossings")


class OwnerJudgedStream(CodedError, ValueError):
    """Follow events cannot keep an owner's distinct audience: a consumer under
    ``judge = "owner"`` takes count events only, and must be told so."""

    def __init__(self, platform: str) -> None:
        super().__init__(
            f"the policy in force for {platform} judges linked accounts by their owner's"
            " distinct followers ([linked_accounts] judge = 'owner'); a follow event cannot move"
            " that count (a follower of two of an owner's accounts counts once), so the consumer"
            " does not start: send count events carrying owner_followers and start it with"
            " --counts-only (follow events are then rejected), or run cycles on byline count"
            " output",
            code="owner_judged_stream",
        )


@dataclass(frozen=True)
class Crossed:
    """What acting on one batch's crossings did: how many accounts crossed, how many of each
    audit action that caused (``case:opened``, ...), and how many were older than what is on
    file (``stale``: they moved nothing)."""

    crossings: int = 0
    stale: int = 0
    actions: Mapping[str, int] = field(default_factory=dict)


@dataclass
class LiveRun:
    """One platform's live counter, where it stands in its source, and its totals."""

    platform: str
    counters: LiveCounters
    checkpoint_path: Path
    digest: str
    snapshot: Path
    position: str = ""
    offset: int | None = None  # the position's offset among every entry the source held
    totals: Counter[str] = field(default_factory=Counter)
    resumed: bool = False
    counts_only: bool = False  # follow events are refused (``judge = "owner"`` needs this)

    @property
    def accounts(self) -> LiveAccounts:
        return self.counters.accounts

    @property
    def policy(self) -> Policy:
        return self.counters.policy

    def rows(self, account_ids: Sequence[str]) -> np.ndarray:
        return self.counters.accounts.rows(account_ids)

    def follow(self, rows: np.ndarray, unfollow: np.ndarray) -> Refused:
        return self.counters.follow(rows, unfollow)

    def set_counts(
        self, rows: np.ndarray, seqs: np.ndarray, metrics: Sequence[Mapping[str, int]]
    ) -> Refused:
        return self.counters.set_counts(rows, seqs, metrics)

    def count(self, **moved: int) -> None:
        self.totals.update(moved)

    def save(self) -> None:
        """Checkpoint the counters, the position and the totals (atomically)."""
        save_checkpoint(
            self.checkpoint_path,
            self.counters,
            self.digest,
            self.position,
            self.totals,
            self.offset,
        )


class Live(Service):
    def start(
        self,
        platform: str,
        checkpoint: Path,
        *,
        accounts: Path | None = None,
        counts: Path | None = None,
        counts_only: bool = False,
    ) -> LiveRun:
        """A live counter for ``platform`` under the policy in force: the accounts of
        ``accounts`` (by default the snapshot of the platform's latest cycle), counting from
        ``checkpoint`` when there is one, else from ``counts`` (a ``byline count`` output's
        ``counts.parquet``) or the snapshot's own counts. ``counts_only``: it takes count
        events only (required under ``judge = "owner"``: ``OwnerJudgedStream`` otherwise)."""
        with self.db.reading() as conn:
            policy = active_policy(conn, platform)
        if policy.judges_owners and not counts_only:
            raise OwnerJudgedStream(platform)
        if accounts is None:
            cycle = latest_cycle_snapshot(self.db, platform)
            if cycle is None:
                raise ValueError(
                    "accounts: no finished cycle's snapshot is on this server; "
                    "name the accounts snapshot"
                )
            accounts = cycle.path
        known, values = load_live(accounts, policy, counts)
        digest = ids_digest(known)
        found: Checkpoint | None = None
        seq = new_seq(known)
        if checkpoint.is_file():
            values, seq, found = load_checkpoint(
                checkpoint, known, digest, live_metrics(policy, counts)
            )
        run = LiveRun(
            platform, LiveCounters(known, values, seq, policy), checkpoint, digest, accounts
        )
        run.counts_only = counts_only
        if found is not None:
            run.position, run.offset, run.resumed = found.position, found.offset, True
            run.totals.update(found.totals)
        return run

    def refresh(self, run: LiveRun) -> bool:
        """Follow a change of the policy in force (a new version activated while the counter
        runs): crossings are decided under it from now on. ``ValueError`` when it decides on a
        metric the counter does not keep (start the counter again). True when it changed."""
        with self.db.reading() as conn:
            policy = active_policy(conn, run.platform)
        if (policy.id, policy.version) == (run.policy.id, run.policy.version):
            return False
        if policy.judges_owners and not run.counts_only:
            raise OwnerJudgedStream(run.platform)
        c = run.counters
        run.counters = LiveCounters(c.accounts, c.values, c.seq, policy)
        return True

    def act(self, run: LiveRun, on: dt.date, *, actor: str) -> Crossed:
        """Open or observe the case of every account whose decision the events since the last
        call changed, as counts observed on ``on``; what happened, as ``apply_counts`` says."""
        crossings = run.counters.crossings(on)
        if not crossings:
            return Crossed()
        run.count(crossings=len(crossings))
        applied = apply_counts(self.db, run.platform, _updates(crossings), on, actor=actor)
        return Crossed(len(crossings), applied.stale, dict(applied.actions))


def _updates(crossings: Sequence[Crossing]) -> list[CountUpdate]:
    return [CountUpdate(c.account_id, c.kind, c.category, c.metrics) for c in crossings]


def synthesise_events(
    snapshot: Path,
    platform: str,
    events: int,
    seed: int,
    out: Path | None = None,
    *,
    edges: int = 0,
) -> tuple[Path, dict[str, Any]]:
    """Write ``events`` follow and unfollow events over a synthetic ``snapshot`` (Parquet, as
    ``byline synth`` writes it) that move some accounts across the thresholds of the preset
    ``platform``; return the file (``events.jsonl`` beside the snapshot by default) and what
    it holds. With ``edges``, over the follow graph ``byline synth --edges`` writes for the
    same snapshot and seed: the graph's counts are the ones moved across, and an unfollow
    names one of the graph's follows."""
    policy = load_policy(platform)
    thresholds = [
        v
        for t in (policy.floor.threshold, *(x.threshold for x in policy.tiers))
        for m, v in t.items()
        if m == FOLLOWERS
    ]
    table = pq.read_table(snapshot, columns=["account_id", FOLLOWERS, "kind", "category"])
    ids = table.column("account_id").to_pylist()
    # movers are accounts the policy covers: a crossing elsewhere decides nothing
    kinds = pa.array([k.value for k in policy.subjects.kinds])
    categories = pa.array([c.value for c in policy.scope.in_scope()])
    covered = pc.and_(
        pc.is_in(table.column("kind"), value_set=kinds),
        pc.is_in(table.column("category"), value_set=categories),
    )
    movable = covered.to_numpy(zero_copy_only=False).astype(bool)
    followers = table.column(FOLLOWERS).to_numpy(zero_copy_only=False)
    followers_of = None
    if edges:
        followers = graph_followers(platform, len(ids), edges, seed).counts

        def followers_of(rows: np.ndarray) -> dict[int, np.ndarray]:
            return graph_followers(platform, len(ids), edges, seed, rows).of

    path = out or snapshot.with_name(EVENTS_FILE)
    written = write_events(
        path, ids, followers, thresholds, events, seed, followers_of, movable
    )
    return path, written

"""A stream of follow and unfollow events over a synthetic snapshot that moves some accounts
across the thresholds, reproducibly (same inputs and seed, same bytes).

Every event is a real change of the follow relation the counts stand for, as a platform would
send it: a follow names a pair not following before, an unfollow a pair that was. Over a
snapshot alone, the followers an account had are named ``<account>.f<k>`` (``k`` below its
count); over a follow graph (``followers_of``), the counts are the graph's and a lost follower is
one of the account's followers in the graph, by its id. A follower new in the stream is
``s<seed>-<n>`` (a user outside the accounts, so the pair is new). Of the events, about half
go to movers: the accounts closest below a threshold get the follows that take them to it, the
accounts closest above one lose the followers that take them below it. The rest is traffic:
follows to accounts drawn in proportion to their followers (never to an account falling below a
threshold, so every mover crosses), and unfollows of some of those follows, each after the
follow it undoes.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

EVENTS_FILE = "events.jsonl"
MOVER_SHARE = 0.5  # of all events, at most this many go to accounts crossing a threshold
UNFOLLOW_SHARE = 0.3  # of the traffic, unfollows of earlier follows
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
CHUNK = 200_000


def write_events(
    path: Path,
    ids: Sequence[str],
    followers: np.ndarray,
    thresholds: Sequence[int],
    events: int,
    seed: int,
    followers_of: Callable[[np.ndarray], Mapping[int, np.ndarray]] | None = None,
    movable: np.ndarray | None = None,
) -> dict[str, Any]:
    """Write ``events`` events (JSON Lines) to ``path``; return what was written.
    ``followers_of``: given rows, each one's distinct followers (row numbers, ``followers[row]``
    of them), when the counts are a follow graph's. ``movable``: the rows that may be moved
    across a threshold (say, the accounts a policy covers); every row by default."""
    if events < 1:
        raise ValueError("events must be at least 1")
    if not thresholds:
        raise ValueError("events: no threshold to move accounts across")
    rng = np.random.default_rng([seed, 0xE7])
    counts = np.asarray(followers, np.int64)
    up_rows, up_need = _movers(counts, thresholds, events, movable, up=True)
    down_rows, down_need = _movers(counts, thresholds, events, movable, up=False)
    keep = ~np.isin(down_rows, up_rows)  # one direction per mover
    down_rows, down_need = down_rows[keep], down_need[keep]
    traffic = events - int(up_need.sum()) - int(down_need.sum())
    n_unfollow = int(traffic * UNFOLLOW_SHARE)
    n_follow = traffic - n_unfollow
    weights = counts.astype(np.float64) + 1.0
    weights[down_rows] = 0.0  # no traffic follow takes a falling account back up
    if not weights.any():  # every account is falling: the traffic goes anywhere
        weights[:] = 1.0
    follow_rows = rng.choice(len(counts), n_follow, p=weights / weights.sum())
    undone = rng.choice(n_follow, min(n_unfollow, n_follow), replace=False)
    # every event gets a time; an unfollow of the traffic comes after the follow it undoes
    follow_time = rng.random(n_follow)
    unfollow_time = follow_time[undone] + (1 - follow_time[undone]) * rng.random(undone.size)
    up_each = np.repeat(up_rows, up_need)
    down_each = np.repeat(down_rows, down_need)
    # a mover's k-th lost follower is its (count - 1 - k)-th: distinct, all counted before
    down_k = counts[down_each] - 1 - _rank_within(down_each)
    table = {
        "time": np.concatenate(
            [
                rng.random(up_each.size),
                rng.random(down_each.size),
                follow_time,
                unfollow_time,
            ]
        ),
        "row": np.concatenate([up_each, down_each, follow_rows, follow_rows[undone]]),
        "unfollow": np.concatenate(
            [
                np.zeros(up_each.size, bool),
                np.ones(down_each.size, bool),
                np.zeros(n_follow, bool),
                np.ones(undone.size, bool),
            ]
        ),
        # follower: >= 0 a new follower's number; < 0 the snapshot's follower -1-k
        "follower": np.concatenate(
            [
                np.arange(up_each.size) + n_follow,
                -1 - down_k,
                np.arange(n_follow),
                undone,
            ]
        ),
    }
    order = np.argsort(table["time"], kind="stable")
    lost = dict(followers_of(down_rows)) if followers_of is not None else None
    _write(path, ids, {k: v[order] for k, v in table.items() if k != "time"}, seed, lost)
    return {
        "events": int(order.size),
        "follows": int((~table["unfollow"]).sum()),
        "unfollows": int(table["unfollow"].sum()),
        "crossing_up": int(up_rows.size),
        "crossing_down": int(down_rows.size),
    }


def _movers(
    counts: np.ndarray,
    thresholds: Sequence[int],
    events: int,
    movable: np.ndarray | None,
    *,
    up: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """The accounts nearest a threshold (below it when ``up``, at or above it otherwise) and the
    events each needs to cross it, within a quarter of ``events`` each way."""
    edges = np.array(sorted(set(thresholds)), np.int64)
    at = np.searchsorted(edges, counts, "right")  # edges at or below each count
    if up:
        ok = at < edges.size
        need = np.where(ok, edges[np.minimum(at, edges.size - 1)] - counts, 0)
    else:
        ok = at > 0
        need = np.where(ok, counts - edges[np.maximum(at - 1, 0)] + 1, 0)
    if movable is not None:
        ok &= movable
    rows = np.flatnonzero(ok & (need > 0))
    rows = rows[np.argsort(need[rows], kind="stable")]
    budget = int(events * MOVER_SHARE / 2)
    within = np.cumsum(need[rows]) <= budget
    return rows[within], need[rows[within]]


def _rank_within(rows: np.ndarray) -> np.ndarray:
    """For each element, how many equal elements come before it (``rows`` grouped by value)."""
    if rows.size == 0:
        return rows
    start = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
    first = np.repeat(start, np.diff(np.r_[start, rows.size]))
    ranks: np.ndarray = np.arange(rows.size) - first
    return ranks


def _write(
    path: Path,
    ids: Sequence[str],
    table: dict[str, np.ndarray],
    seed: int,
    lost: dict[int, np.ndarray] | None,
) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w") as f:
        for start in range(0, table["row"].size, CHUNK):
            stop = min(start + CHUNK, table["row"].size)
            lines = []
            for n in range(start, stop):
                row = int(table["row"][n])
                who = int(table["follower"][n])
                if who >= 0:
                    follower = f"s{seed}-{who}"
                elif lost is not None:  # the graph's follower, by its id
                    follower = ids[int(lost[row][-1 - who])]
                else:
                    follower = f"{ids[row]}.f{-1 - who}"
                at = START + dt.timedelta(milliseconds=n)
                event = {
                    "event_id": f"e{seed}-{n}",
                    "op": "unfollow" if table["unfollow"][n] else "follow",
                    "follower_id": follower,
                    "followee_id": ids[row],
                    "at": at.isoformat().replace("+00:00", "Z"),
                }
                lines.append(json.dumps(event, separators=(",", ":")))
            f.write("\n".join(lines) + "\n")
    partial.replace(path)

"""A follow graph for a synthetic platform: edges, flagged followers and owners, reproducibly.

The graph belongs to the snapshot of the same (platform, accounts, seed): its accounts are the
snapshot's rows, and their in-degrees follow the snapshot's own follower counts (the profile's
calibrated heavy tail), scaled to the number of edges asked for. Edge ``e`` goes into account
``i`` with probability ``followers_i / sum(followers)`` (one multinomial draw settles every
account's in-degree). Then, per edge:
- the follower is any account, uniformly;
- an account that buys followers (``BUYER_SHARE`` of the followed) takes ``BOUGHT_SHARE`` of
  its followers from the bot accounts (``BOT_SHARE`` of all, flagged ``bot``);
- an account of an owner group (the snapshot's ``owner_ref``) takes ``OVERLAP_SHARE`` of its
  followers from the group's common audience: a pseudo-random pool the size of the group's
  largest in-degree, drawn from by every account of the group, so that their audiences overlap the
  way a holder's "matrix" accounts' do (and an edge may repeat: the pool is drawn with
  replacement, as a dump of follow events repeats a pair).
Edges are written ordered by (followee, follower), as a graph store keyed that way dumps them.
These shares are assumptions of the generator, the same for every platform; they are written
into ``graph.json``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from byline.synth._columns import OWNER_INFIX, _numbered
from byline.synth._draw import Head, banded_chunks, draw
from byline.synth._profile import Profile, load_profile
from byline.synth._write import FORMATS, open_writer

BOT_SHARE = 0.03
INACTIVE_SHARE = 0.05
BANNED_SHARE = 0.002
BUYER_SHARE = 0.02
BOUGHT_SHARE = 0.5
OVERLAP_SHARE = 0.7
RANGE_EDGES = 4_000_000  # edges generated (and sorted) at a time; also the row-group size
GRAPH_STREAM = 1_000_003  # seeds the graph's draws apart from the snapshot's chunks
MAX_EDGES = 2**40
_MIX_A = np.uint64(0x9E3779B97F4A7C15)
_MIX_B = np.uint64(0xBF58476D1CE4E5B9)
_HALF = np.uint64(32)
_LOW = np.uint64(0xFFFFFFFF)
GRAPH_MANIFEST = "graph.json"


@dataclass(frozen=True)
class Accounts:
    """What the graph needs of the snapshot's accounts (by row number)."""

    weight: NDArray[np.float64]  # the snapshot's size metric
    owner: NDArray[np.int64]  # row of the owner's first account, or -1


def accounts_of(profile: Profile, accounts: int, seed: int, head: Head | None = None) -> Accounts:
    """The snapshot's follower counts and owner groups, drawn exactly as the snapshot is."""
    total = accounts + (head.rows(profile) if head else 0)
    weight = np.zeros(total, dtype=np.float64)
    owner = np.full(total, -1, dtype=np.int64)
    for index, start, rows, band in banded_chunks(profile, accounts, head):
        drawn = draw(profile, seed, index, start, rows, band)
        weight[start : start + rows] = drawn.metrics[profile.size_metric]
        owner[start : start + rows] = drawn.owner
    return Accounts(weight, owner)


def edge_ranges(
    profile: Profile, accounts: int, edges: int, seed: int, head: Head | None = None
) -> Iterator[tuple[NDArray[np.int64], NDArray[np.int64]]]:
    """``(follower, followee)`` row numbers, a range of followees at a time, in key order.
    ``accounts`` are the snapshot's rows (with a ``head``, its body's, the head's after them)."""
    found = accounts_of(profile, accounts, seed, head)
    accounts = found.weight.shape[0]
    if not 1 <= accounts < 2**32:
        raise ValueError("a follow graph needs between 1 and 4,294,967,295 accounts")
    if not 0 <= edges <= MAX_EDGES:
        raise ValueError(f"edges must be between 0 and {MAX_EDGES:,}")
    rng = np.random.default_rng([seed, GRAPH_STREAM])
    total = found.weight.sum()
    p = found.weight / total if total > 0 else np.full(accounts, 1.0 / accounts)
    indegree = rng.multinomial(edges, p)
    bots = np.flatnonzero(_flag_draw(seed, accounts) == 1)
    buyer = (rng.random(accounts) < BUYER_SHARE) & (indegree > 0)
    owned = found.owner >= 0
    pool = np.zeros(accounts, dtype=np.int64)
    np.maximum.at(pool, found.owner[owned], indegree[owned])
    ends = np.cumsum(indegree)
    first = 0
    for number in range(accounts):
        if first >= accounts:
            return
        reach = ends[first - 1] + RANGE_EDGES if first else RANGE_EDGES
        last = max(first + 1, int(np.searchsorted(ends, reach, side="right")))
        last = min(last, accounts)
        into = np.repeat(np.arange(first, last, dtype=np.int64), indegree[first:last])
        part = np.random.default_rng([seed, GRAPH_STREAM, number + 1])
        yield _followers(part, into, accounts, bots, buyer, found.owner, pool), into
        first = last


def _followers(
    rng: np.random.Generator,
    into: NDArray[np.int64],
    accounts: int,
    bots: NDArray[np.int64],
    buyer: NDArray[np.bool_],
    owner: NDArray[np.int64],
    pool: NDArray[np.int64],
) -> NDArray[np.int64]:
    follower = np.asarray(rng.integers(0, accounts, into.shape[0]), dtype=np.int64)
    if bots.shape[0]:
        bought = buyer[into] & (rng.random(into.shape[0]) < BOUGHT_SHARE)
        follower[bought] = bots[rng.integers(0, bots.shape[0], int(bought.sum()))]
    shared = (owner[into] >= 0) & (rng.random(into.shape[0]) < OVERLAP_SHARE)
    group = owner[into[shared]]
    j = np.floor(rng.random(group.shape[0]) * np.maximum(pool[group], 1)).astype(np.uint64)
    with np.errstate(over="ignore"):
        mixed = (group.astype(np.uint64) * _MIX_A) ^ ((j + np.uint64(1)) * _MIX_B)
        mixed ^= mixed >> np.uint64(29)
    follower[shared] = (mixed % np.uint64(accounts)).astype(np.int64)
    keys = (into.view(np.uint64) << _HALF) | follower.view(np.uint64)
    keys.sort()
    result: NDArray[np.int64] = (keys & _LOW).astype(np.int64)
    return result


@dataclass(frozen=True)
class GraphFollowers:
    """The graph of (platform, accounts, edges, seed) as counted: each account's distinct
    followers (a repeated pair counts once and a self-follow not at all, as ``byline count``
    counts them), and for the
    accounts asked about, their followers' row numbers, ascending."""

    counts: NDArray[np.int64]
    of: dict[int, NDArray[np.int64]]


def graph_followers(
    platform: str, accounts: int, edges: int, seed: int, rows: NDArray[np.int64] | None = None
) -> GraphFollowers:
    """Count the graph ``write_graph`` writes for the same arguments (drawn again, not read
    back), with the distinct followers of ``rows``."""
    profile = load_profile(platform)
    counts = np.zeros(accounts, np.int64)
    wanted = np.zeros(accounts, bool)
    if rows is not None:
        wanted[rows] = True
    found: dict[int, list[NDArray[np.int64]]] = {}
    for follower, into in edge_ranges(profile, accounts, edges, seed):
        if into.shape[0] == 0:
            continue
        # keys are sorted by (followee, follower): a repeated pair sits next to its first
        new = np.ones(into.shape[0], bool)
        new[1:] = (into[1:] != into[:-1]) | (follower[1:] != follower[:-1])
        new &= follower != into  # a self-follow is no follow (``byline count`` rejects it)
        counts += np.bincount(into[new], minlength=accounts)
        pick = np.flatnonzero(new & wanted[into])
        if pick.size == 0:
            continue
        rows_in, starts = np.unique(into[pick], return_index=True)  # sorted: runs by row
        for row, part in zip(rows_in.tolist(), np.split(follower[pick], starts[1:]), strict=True):
            found.setdefault(row, []).append(part)
    of = {row: np.concatenate(parts) for row, parts in found.items()}
    return GraphFollowers(counts, of)


def _flag_draw(seed: int, accounts: int) -> NDArray[np.int8]:
    """Per account: 0 none, 1 bot, 2 inactive, 3 banned."""
    u = np.random.default_rng([seed, GRAPH_STREAM, 0]).random(accounts)
    edges = np.cumsum([BOT_SHARE, INACTIVE_SHARE, BANNED_SHARE])
    flag = np.zeros(accounts, dtype=np.int8)
    for value, (lo, hi) in enumerate(zip([0.0, *edges[:-1]], edges, strict=True), 1):
        flag[(u >= lo) & (u < hi)] = value
    return flag


def write_graph(
    out_dir: Path,
    platform: str,
    accounts: int,
    edges: int,
    seed: int,
    *,
    fmt: str = "parquet",
    text_ids: bool = True,
    head: Head | None = None,
) -> dict[str, Any]:
    """Write ``edges``, ``flags`` and ``owners`` files (``fmt``) and ``graph.json``.

    Ids are the snapshot's (``text_ids``), or the snapshot's row numbers as integers. The
    snapshot is the one written with the same ``head`` (``accounts`` then counts its body).
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    profile = load_profile(platform)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    suffix = FORMATS[fmt].rsplit(".", 1)[1]
    idtype = pa.string() if text_ids else pa.int64()

    def ids(rows: NDArray[np.int64]) -> pa.Array:
        return _numbered(profile.id_prefix, pa.array(rows)) if text_ids else pa.array(rows)

    schema = pa.schema([("follower_id", idtype), ("followee_id", idtype)])
    path = out_dir / f"edges.{suffix}"
    partial = path.with_name(path.name + ".partial")
    writer = open_writer(fmt, partial, schema, RANGE_EDGES)
    written = 0
    try:
        for follower, followee in edge_ranges(profile, accounts, edges, seed, head):
            writer.write(pa.Table.from_arrays([ids(follower), ids(followee)], schema=schema))
            written += follower.shape[0]
    except BaseException:
        writer.close()
        partial.unlink(missing_ok=True)
        raise
    writer.close()
    partial.replace(path)
    found = accounts_of(profile, accounts, seed, head)
    accounts = found.weight.shape[0]
    flag = _flag_draw(seed, accounts)
    flagged = np.flatnonzero(flag > 0)
    names = pa.array(["", "bot", "inactive", "banned"]).take(pa.array(flag[flagged]))
    _write_table(out_dir / f"flags.{suffix}", fmt, {"account_id": ids(flagged), "flag": names})
    owner = found.owner
    owned = np.flatnonzero(owner >= 0)
    refs = _numbered(profile.id_prefix + OWNER_INFIX, pa.array(owner[owned]))
    _write_table(out_dir / f"owners.{suffix}", fmt, {"account_id": ids(owned), "owner_ref": refs})
    manifest: dict[str, Any] = {
        "platform": platform,
        "accounts": accounts,
        "edges": written,
        "seed": seed,
        "format": fmt,
        "ids": "text" if text_ids else "integer",
        "files": {"edges": path.name, "flags": f"flags.{suffix}", "owners": f"owners.{suffix}"},
        "order": "followee_id, follower_id (as the row numbers they stand for)",
        "flagged_accounts": {
            "bot": int((flag == 1).sum()),
            "inactive": int((flag == 2).sum()),
            "banned": int((flag == 3).sum()),
        },
        "owned_accounts": int(owned.shape[0]),
        "assumptions": {
            "bot_share": BOT_SHARE,
            "inactive_share": INACTIVE_SHARE,
            "banned_share": BANNED_SHARE,
            "buyer_share": BUYER_SHARE,
            "bought_share": BOUGHT_SHARE,
            "overlap_share": OVERLAP_SHARE,
        },
    }
    (out_dir / GRAPH_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return manifest


def _write_table(path: Path, fmt: str, columns: dict[str, pa.Array]) -> None:
    table = pa.table(columns)
    writer = open_writer(fmt, path, table.schema, max(1, math.ceil(len(table) or 1)))
    try:
        writer.write(table)
    finally:
        writer.close()

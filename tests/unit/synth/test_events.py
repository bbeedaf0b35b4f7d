"""Events over a synthetic follow graph: the ids are the graph's (every followee an account of the
snapshot, every lost follower one of the graph's follows), replayed over the graph's distinct
pairs every follow is new and every unfollow undoes a follow there is, and the accounts said to
cross a threshold do cross it on the graph's counts (as ``byline count`` counts them)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from byline.cli import app
from byline.service import Graphs
from byline.synth import graph_followers, write_events, write_graph, write_snapshot

ACCOUNTS, EDGES, SEED = 4_000, 300_000, 5


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("events")
    write_snapshot(folder, "weibo", ACCOUNTS, seed=SEED)
    write_graph(folder, "weibo", ACCOUNTS, EDGES, seed=SEED)
    return folder


def replay(folder: Path, events: Path) -> tuple[dict[str, int], list[dict]]:
    """The graph's distinct follows (a self-follow is none) with every event applied, checked
    one at a time; the followers per account at the end, and the events."""
    edges = pq.read_table(folder / "edges.parquet")
    followers, followees = edges["follower_id"].to_pylist(), edges["followee_id"].to_pylist()
    pairs = {(f, e) for f, e in zip(followers, followees, strict=True) if f != e}
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    for n, e in enumerate(lines):
        pair = (e["follower_id"], e["followee_id"])
        if e["op"] == "follow":
            assert pair not in pairs, f"event {n}: follows a pair already following"
            pairs.add(pair)
        else:
            assert pair in pairs, f"event {n}: unfollows a pair that does not follow"
            pairs.remove(pair)
    counts: dict[str, int] = {}
    for _, followee in pairs:
        counts[followee] = counts.get(followee, 0) + 1
    return counts, lines


def test_graph_followers_count_as_byline_count_does(platform: Path, tmp_path: Path) -> None:
    Graphs().count(platform / "edges.parquet", tmp_path)
    counted = pq.read_table(tmp_path / "counts.parquet")
    ids = pq.read_table(platform / "accounts.parquet", columns=["account_id"])[0].to_pylist()
    row = {a: i for i, a in enumerate(ids)}
    want = np.zeros(ACCOUNTS, np.int64)
    for a, n in zip(
        counted["account_id"].to_pylist(), counted["followers"].to_pylist(), strict=True
    ):
        want[row[a]] = n
    found = graph_followers("weibo", ACCOUNTS, EDGES, SEED, np.array([int(want.argmax())]))
    assert np.array_equal(found.counts, want)
    (top,) = found.of.values()
    assert top.size == want.max() and np.all(np.diff(top) > 0)  # distinct, ascending


def test_events_over_the_graph_move_its_accounts_across_a_threshold(
    platform: Path, tmp_path: Path
) -> None:
    ids = pq.read_table(platform / "accounts.parquet", columns=["account_id"])[0].to_pylist()
    graph = graph_followers("weibo", ACCOUNTS, EDGES, SEED)
    # a threshold among accounts the traffic (drawn by followers) seldom reaches
    threshold = int(np.sort(graph.counts)[-300])

    def followers_of(rows: np.ndarray) -> dict[int, np.ndarray]:
        return graph_followers("weibo", ACCOUNTS, EDGES, SEED, rows).of

    path = tmp_path / "events.jsonl"
    written = write_events(path, ids, graph.counts, [threshold], 4_000, SEED, followers_of)
    assert written["crossing_up"] > 0 and written["crossing_down"] > 0
    after, events = replay(platform, path)
    assert {e["followee_id"] for e in events} <= set(ids)
    before = dict(zip(ids, graph.counts.tolist(), strict=True))
    up = [a for a in ids if before[a] < threshold <= after.get(a, 0)]
    down = [a for a in ids if after.get(a, 0) < threshold <= before[a]]
    # every mover crossed (traffic may take a few more up)
    assert len(up) >= written["crossing_up"] and len(down) == written["crossing_down"]


def test_byline_synth_writes_events_over_the_graph_it_writes(tmp_path: Path) -> None:
    out = tmp_path / "snap"
    result = CliRunner().invoke(
        app,
        ["synth", "--platform", "weibo", "--accounts", "3000", "--edges", "60000",
         "--events", "3000", "--seed", "9", "--out", str(out), "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    ids = set(pq.read_table(out / "accounts.parquet", columns=["account_id"])[0].to_pylist())
    _, events = replay(out, out / "events.jsonl")  # every pair checked against the graph
    assert len(events) == 3000
    assert {e["followee_id"] for e in events} <= ids


def test_only_movable_accounts_are_chosen_to_cross(tmp_path: Path) -> None:
    """Movers come from the accounts a policy covers: the nearest ones below the threshold,
    when not movable, are passed over for the next nearest (traffic may still reach them)."""
    counts = np.array([99, 98, 97, 96, 10, 10, 10, 10], np.int64)
    ids = [f"a{i}" for i in range(counts.size)]
    movable = np.array([False, False, True, True, True, True, True, True])

    def movers(mask: np.ndarray | None) -> tuple[int, set[str]]:
        path = tmp_path / "events.jsonl"
        written = write_events(path, ids, counts, [100], 40, SEED, movable=mask)
        net = dict.fromkeys(ids, 0)
        for line in path.read_text().splitlines():
            e = json.loads(line)
            net[e["followee_id"]] += 1 if e["op"] == "follow" else -1
        crossed = {a for a, n in zip(ids, counts.tolist(), strict=True) if n < 100 <= n + net[a]}
        return written["crossing_up"], crossed

    # the 10 events a direction may take: a0 (1) .. a3 (4) unmasked; a2 (3) and a3 (4) masked
    assert movers(None)[0] == 4
    up, crossed = movers(movable)
    assert up == 2 and {"a2", "a3"} <= crossed

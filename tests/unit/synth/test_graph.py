"""The synthetic follow graph: real files in tmp_path, read back with pyarrow and counted."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from byline.service import Graphs
from byline.synth import write_graph, write_snapshot

ACCOUNTS = 200_000
EDGES = 2_000_000


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("graph")
    write_snapshot(folder, "weibo", ACCOUNTS, seed=3)
    write_graph(folder, "weibo", ACCOUNTS, EDGES, seed=3)
    Graphs().count(
        folder / "edges.parquet",
        folder / "count",
        flags=folder / "flags.parquet",
        owners=folder / "owners.parquet",
        accounts=folder / "accounts.parquet",
    )
    return folder


def test_same_seed_same_graph(platform: Path, tmp_path: Path) -> None:
    write_graph(tmp_path, "weibo", ACCOUNTS, EDGES, seed=3)
    for name in ("edges.parquet", "flags.parquet", "owners.parquet"):
        assert (tmp_path / name).read_bytes() == (platform / name).read_bytes()
    write_graph(tmp_path / "other", "weibo", ACCOUNTS, EDGES, seed=4)
    assert (tmp_path / "other" / "edges.parquet").read_bytes() != (
        platform / "edges.parquet"
    ).read_bytes()


def test_edges_use_the_snapshots_ids_in_key_order(platform: Path) -> None:
    edges = pq.read_table(platform / "edges.parquet")
    assert len(edges) == EDGES
    ids = set(pq.read_table(platform / "accounts.parquet", columns=["account_id"])[0].to_pylist())
    sample = edges.slice(0, 5000)
    assert set(sample["follower_id"].to_pylist()) <= ids
    assert set(sample["followee_id"].to_pylist()) <= ids
    pairs = pc.binary_join_element_wise(edges["followee_id"], edges["follower_id"], "|")
    assert pc.all(pc.greater_equal(pairs[1:], pairs[:-1])).as_py()


def test_in_degrees_follow_the_snapshots_heavy_tail(platform: Path) -> None:
    accounts = pq.read_table(platform / "count" / "accounts.parquet")
    drawn = pq.read_table(platform / "accounts.parquet", columns=["followers"])[0].to_numpy()
    counted = accounts["followers"].to_numpy()
    # The accounts the snapshot makes largest are the graph's largest: the top 0.1% by the
    # snapshot's counts hold most edges, as the calibrated tail puts most follows there.
    top = np.argsort(drawn)[-ACCOUNTS // 1000 :]
    assert counted[top].sum() > 0.5 * counted.sum()
    # An account the snapshot gives no follower gets no edge.
    assert counted[drawn == 0].sum() == 0
    # Every follow is in the counts: distinct follows + repeats = accepted edges.
    summary = json.loads((platform / "count" / "summary.json").read_text())
    assert counted.sum() == summary["follows"] == summary["accepted"] - summary["duplicates"]


def test_bots_are_flagged_and_bought_followers_lower_effective_counts(platform: Path) -> None:
    flags = pq.read_table(platform / "flags.parquet")
    share = pc.mean(pc.equal(flags["flag"], "bot")).as_py() * len(flags) / ACCOUNTS
    assert 0.02 < share < 0.04
    counts = pq.read_table(platform / "count" / "counts.parquet")
    lost = 1 - counts["effective_followers"].to_numpy() / counts["followers"].to_numpy()
    big = counts["followers"].to_numpy() >= 200
    # Most accounts lose their few flagged followers (8% of all); buyers lose far more.
    assert 0.05 < float(np.median(lost[big])) < 0.12
    assert float(np.quantile(lost[big], 0.995)) > 0.3


def test_owner_groups_share_audiences(platform: Path) -> None:
    owners = pq.read_table(platform / "count" / "owners.parquet")
    counts = pq.read_table(platform / "count" / "counts.parquet")
    per_owner = counts.group_by("owner_ref").aggregate([("followers", "sum")])
    joined = owners.join(per_owner, "owner_ref")
    several = pc.greater(joined["owner_followers"], joined["max_account_followers"])
    shared = joined.filter(several)
    total = pa.compute.sum(shared["followers_sum"]).as_py()
    distinct = pa.compute.sum(shared["owner_followers"]).as_py()
    assert len(shared) > 20
    assert distinct < total  # the same people follow several accounts of one holder
    assert pc.all(pc.less_equal(joined["owner_followers"], joined["followers_sum"])).as_py() is True


def test_synth_edges_from_the_command_line(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from byline.cli import app

    args = ["synth", "--platform", "douyin", "--accounts", "3000", "--edges", "20000"]
    result = CliRunner().invoke(app, [*args, "--format", "csv", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stderr
    assert "Wrote 20,000 follows" in result.stdout
    assert {"edges.csv", "flags.csv", "owners.csv", "graph.json", "accounts.csv"} <= {
        p.name for p in tmp_path.iterdir()
    }
    assert json.loads((tmp_path / "graph.json").read_text())["edges"] == 20_000
    report = Graphs().count(tmp_path / "edges.csv", tmp_path / "c", flags=tmp_path / "flags.csv")
    assert report.read == 20_000 and report.ids == "text"

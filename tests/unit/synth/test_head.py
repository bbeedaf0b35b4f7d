"""A platform's head synthesised whole beside a sample of its body: every account at or above
the cut, in the number the profile's law gives at the platform's size, drawn from the law above
the cut; the body below it; ids one after another; the follow graph on the same rows."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from byline.synth import Head, expected_share, load_profile, write_snapshot
from byline.synth._graph import accounts_of

Z = 4.5  # standard deviations a count may stray before a test calls the generator wrong
HEAD = Head(represents=60_000_000, cut=100_000)  # a tenth of Weibo: ~13,500 head accounts
BODY = 20_000


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("head")
    return write_snapshot(out, "weibo", BODY, 7, head=HEAD)


def test_the_head_is_every_account_above_the_cut_at_the_platforms_size(snapshot: Path) -> None:
    profile = load_profile("weibo")
    rows = HEAD.rows(profile)
    assert rows == round(60_000_000 * expected_share(profile, {"followers": 100_000}))
    followers = pq.read_table(snapshot, columns=["followers"])["followers"].to_numpy()
    assert followers.shape[0] == BODY + rows
    assert (followers[:BODY] < HEAD.cut).all()  # the body sample: below the cut
    assert (followers[BODY:] >= HEAD.cut).all()  # the head: at or above it
    # above the cut the counts are the platform's (Binomial in the head's own rows)
    for threshold in (500_000, 1_000_000, 10_000_000):
        share = expected_share(profile, {"followers": threshold}) / expected_share(
            profile, {"followers": HEAD.cut}
        )
        observed = int((followers >= threshold).sum())
        sd = math.sqrt(rows * share * (1 - share))
        assert abs(observed - rows * share) <= Z * sd + 0.5, (threshold, observed, rows * share)


def test_ids_follow_on_and_the_manifest_says_what_the_snapshot_stands_for(
    snapshot: Path,
) -> None:
    ids = pq.read_table(snapshot, columns=["account_id"])["account_id"]
    rows = HEAD.rows(load_profile("weibo"))
    assert ids[0].as_py() == "weibo-000000000000"
    assert ids[-1].as_py() == f"weibo-{BODY + rows - 1:012d}"
    assert pc.count_distinct(ids).as_py() == BODY + rows
    manifest = json.loads((snapshot.parent / "manifest.json").read_text())
    assert manifest["accounts"] == BODY + rows
    assert manifest["head"] == {
        "represents": 60_000_000,
        "cut": {"followers": 100_000},
        "accounts": rows,
        "body_sample": BODY,
    }
    assert manifest["counts"]["followers>=500000"] == int(
        pc.sum(pc.greater_equal(pq.read_table(snapshot)["followers"], 500_000)).as_py()
    )
    assert "followers>=10000" not in manifest["expected_counts"]  # below the cut: mixed


def test_the_same_seed_writes_the_same_bytes(snapshot: Path, tmp_path: Path) -> None:
    again = write_snapshot(tmp_path, "weibo", BODY, 7, head=HEAD)
    assert again.read_bytes() == snapshot.read_bytes()


def test_the_follow_graph_sees_the_snapshots_rows(snapshot: Path) -> None:
    found = accounts_of(load_profile("weibo"), BODY, 7, HEAD)
    followers = pq.read_table(snapshot, columns=["followers"])["followers"].to_numpy()
    assert np.array_equal(found.weight, followers.astype(np.float64))

"""``byline count`` on small files written here: outputs, the filled snapshot, bad input."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from byline.cli import app
from byline.policy import preset_path
from byline.service import GraphFileError, GraphOutputError, Graphs, evaluate_snapshot, load_policy

runner = CliRunner()


@pytest.fixture
def graph(tmp_path: Path) -> Path:
    (tmp_path / "edges.csv").write_text(
        "follower_id,followee_id\n"
        "u1,star\nu2,star\nbot1,star\nu1,star\n"  # a repeat
        "u1,alt\nu3,alt\n"  # the star's second account: u1 follows both
        ",star\nu2,u2\n"  # missing id, self-follow
    )
    (tmp_path / "flags.csv").write_text("account_id,flag\nbot1,bot\nu3,verified\n")
    (tmp_path / "owners.csv").write_text("account_id,owner_ref\nstar,h1\nalt,h1\nlonely,h2\n")
    pq.write_table(
        pa.table(
            {
                "account_id": ["alt", "lonely", "nobody", "star"],
                "kind": ["individual"] * 4,
                "category": ["daily_life"] * 4,
                "followers": [99, 99, 99, 99],
            }
        ),
        tmp_path / "accounts.parquet",
    )
    return tmp_path


def test_outputs_and_filled_snapshot(graph: Path) -> None:
    out = graph / "out"
    report = Graphs().count(
        graph / "edges.csv",
        out,
        flags=graph / "flags.csv",
        owners=graph / "owners.csv",
        accounts=graph / "accounts.parquet",
    )
    assert (report.read, report.accepted, report.rejected, report.duplicates) == (8, 6, 2, 1)
    counts = pq.read_table(out / "counts.parquet")
    assert counts.column_names == ["account_id", "followers", "effective_followers", "owner_ref"]
    assert counts.to_pylist() == [
        {"account_id": "alt", "followers": 2, "effective_followers": 2, "owner_ref": "h1"},
        {"account_id": "star", "followers": 3, "effective_followers": 2, "owner_ref": "h1"},
    ]
    assert pq.read_table(out / "owners.parquet").to_pylist() == [
        {"owner_ref": "h1", "accounts": 2, "owner_followers": 4, "max_account_followers": 3},
        {"owner_ref": "h2", "accounts": 1, "owner_followers": 0, "max_account_followers": 0},
    ]
    assert (out / "rejects.csv").read_text().splitlines() == [
        '"row","reason"',
        '7,"follower_id: missing"',
        '8,"self-follow"',
    ]
    accounts = pq.read_table(out / "accounts.parquet").to_pylist()
    assert [
        (a["account_id"], a["followers"], a["effective_followers"], a["owner_followers"])
        for a in accounts
    ] == [("alt", 2, 2, 4), ("lonely", 0, 0, 0), ("nobody", 0, 0, 0), ("star", 3, 2, 4)]
    summary = json.loads((out / "summary.json").read_text())
    assert summary["read"] == summary["accepted"] + summary["rejected"] == 8
    assert summary["duplicates"] == 1 and summary["follows"] == 5
    assert set(summary["seconds"]) >= {"read", "count", "write", "total"}


def test_a_second_count_leaves_no_stale_output(graph: Path) -> None:
    out = graph / "out"
    Graphs().count(graph / "edges.csv", out, owners=graph / "owners.csv")
    assert (out / "owners.parquet").exists()
    Graphs().count(graph / "edges.csv", out)
    assert not (out / "owners.parquet").exists()
    assert json.loads((out / "summary.json").read_text())["owners"] == 0
    (graph / "afile").write_text("")
    with pytest.raises(GraphOutputError, match="afile: cannot be written"):
        Graphs().count(graph / "edges.csv", graph / "afile")


def test_flagged_set_is_configurable(graph: Path) -> None:
    Graphs().count(
        graph / "edges.csv", graph / "out", flags=graph / "flags.csv", flagged=["verified"]
    )
    rows = pq.read_table(graph / "out" / "counts.parquet").to_pylist()
    assert {r["account_id"]: r["effective_followers"] for r in rows} == {"alt": 1, "star": 3}


def test_bad_reference_files_name_where_and_why(graph: Path) -> None:
    (graph / "owners2.csv").write_text("account_id,owner_ref\nstar,h1\nstar,h2\n")
    with pytest.raises(GraphFileError, match=r"owners2.csv: account star has more than one"):
        Graphs().count(graph / "edges.csv", graph / "out", owners=graph / "owners2.csv")
    (graph / "flags2.csv").write_text("account_id,flag\nu1,bot\n,bot\n")
    with pytest.raises(GraphFileError, match=r"flags2.csv: row 2: account_id: missing"):
        Graphs().count(graph / "edges.csv", graph / "out", flags=graph / "flags2.csv")


def test_integer_ids_stay_integers_and_jsonl_bad_lines_are_rows(tmp_path: Path) -> None:
    (tmp_path / "e.jsonl").write_text(
        '{"follower_id": 5, "followee_id": 7}\nnot json\n{"follower_id": 6, "followee_id": 7}\n'
    )
    report = Graphs().count(tmp_path / "e.jsonl", tmp_path / "out")
    assert (report.read, report.rejected) == (3, 1)
    counts = pq.read_table(tmp_path / "out" / "counts.parquet")
    assert counts.schema.field("account_id").type == pa.int64()
    assert counts.to_pylist()[0]["followers"] == 2


def test_cli_count(graph: Path) -> None:
    result = runner.invoke(
        app, ["count", str(graph / "edges.csv"), "--out", str(graph / "o"), "--json"]
    )
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["accepted"] == 6
    result = runner.invoke(app, ["count", str(graph / "flags.csv"), "--out", str(graph / "o")])
    assert result.exit_code == 1
    assert "missing required columns follower_id, followee_id" in result.stderr
    result = runner.invoke(
        app, ["count", str(graph / "edges.csv"), "--out", str(graph / "o"), "--flagged", ","]
    )
    assert result.exit_code == 1 and "--flagged" in result.stderr


def test_a_policy_decides_on_effective_followers_from_the_graph(graph: Path) -> None:
    """The filled snapshot is evaluated as any other; a policy may name the graph's metrics."""
    text = preset_path("weibo").read_text(encoding="utf-8")
    policy = graph / "effective.toml"
    policy.write_text(
        text.replace("followers = 500000", "effective_followers = 2").replace(
            "followers = 1000000", "effective_followers = 3"
        ),
        encoding="utf-8",
    )
    assert load_policy(policy).metrics == ("effective_followers",)
    Graphs().count(
        graph / "edges.csv",
        graph / "out",
        flags=graph / "flags.csv",
        accounts=graph / "accounts.parquet",
    )
    evaluate_snapshot(graph / "out" / "accounts.parquet", policy, dt.date(2024, 6, 1), graph / "e")
    decided = pq.read_table(graph / "e" / "decisions.parquet").to_pylist()
    # star has 3 followers but a bot among them: 2 effective, the lower tier; alt has 2.
    tiers = {d["account_id"]: (d["tier"], d["effective_followers"]) for d in decided}
    assert tiers["star"][1] == 2 and tiers["alt"][1] == 2
    assert tiers["star"][0] == tiers["alt"][0]
    assert "nobody" not in tiers

"""The command line end to end: real files in, real files and exit codes out."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from byline.cli import app
from byline.policy import preset_names, preset_path

from factories import write_snapshot

runner = CliRunner()


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_policy_list_names_every_preset() -> None:
    code, out, _ = run("policy", "list", "--json")
    assert code == 0
    assert [p["name"] for p in json.loads(out)] == preset_names()
    code, out, _ = run("policy", "list")
    assert all(name in out for name in preset_names())


def test_policy_check_valid_prints_one_line() -> None:
    code, out, _ = run("policy", "check", str(preset_path("douyin")))
    assert code == 0
    assert out.count("\n") == 1 and "valid" in out and "douyin" in out


@pytest.mark.parametrize("name", preset_names())
def test_policy_check_warns_of_a_floor_below_the_pledge(name: str, tmp_path: Path) -> None:
    code, out, err = run("policy", "check", str(preset_path(name)), "--json")
    assert code == 0 and json.loads(out)["warnings"] == []  # no preset breaks its own pledge
    assert "warning" not in err
    text = preset_path("weibo").read_text()
    low = tmp_path / "weibo-lower.toml"
    floor = "threshold = { followers = 500000 }"
    low.write_text(text.replace(floor, "threshold = { followers = 100000 }", 1))
    code, out, err = run("policy", "check", str(low))
    assert code == 0 and "valid" in out  # valid: a platform may change its rule
    said = " ".join(err.split())
    assert "warning: the floor (followers >= 100,000) is below Weibo's pledged floor" in said
    assert "Weibo's CEO pledged the rule goes down to 500,000 followers and not further." in said
    code, out, _ = run("policy", "check", str(low), "--json")
    [warning] = json.loads(out)["warnings"]
    assert "pledged" in warning and code == 0


def test_policy_check_invalid_names_file_line_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(preset_path("weibo").read_text().replace('"abnormal"', '"grumpy"'))
    code, out, err = run("policy", "check", str(bad))
    assert code == 1
    line = next(i for i, t in enumerate(bad.read_text().splitlines(), 1) if "grumpy" in t)
    assert f"{bad}:{line}: viewers.hidden_from[2]:" in err.replace("\n", "")
    assert "'logged_out'" in err  # says what is allowed
    code, out, _ = run("policy", "check", str(bad), "--json")
    assert code == 1 and json.loads(out)["valid"] is False


def test_policy_show_explains_in_words() -> None:
    code, out, _ = run("policy", "show", "bilibili")
    assert code == 0
    for words in ("2023-12-26", "users currently banned", "Organisations", "floor"):
        assert words in out


def test_evaluate_writes_outputs_and_reconciles(tmp_path: Path) -> None:
    rows = [
        {"account_id": "a", "kind": "individual", "category": "law", "followers": 2_000_000},
        {"account_id": "b", "kind": "individual", "category": "daily_life", "followers": 900_000},
        {"account_id": "c", "kind": "individual", "category": "law", "followers": -1},
    ]
    snap = write_snapshot(tmp_path / "s.csv", rows)
    code, out, _ = run(
        "evaluate",
        str(snap),
        "--policy",
        "weibo",
        "--as-of",
        "2023-11-15",
        "--out",
        str(tmp_path / "o"),
        "--json",
    )
    assert code == 3  # a row was rejected: said by the exit status, the outputs written
    summary = json.loads(out)
    assert (summary["read"], summary["accepted"], summary["rejected"]) == (3, 2, 1)
    assert summary == json.loads((tmp_path / "o" / "summary.json").read_text())
    args = ["evaluate", str(snap), "-p", "weibo", "--as-of", "2023-11-15", "-o", str(tmp_path)]
    code, out, err = run(*args, "--allow-rejects")
    assert code == 0, err
    code, out, err = run(*args)
    assert code == 3 and "1 of 3 rows rejected" in err and "--allow-rejects" in err
    decided = duckdb.sql(
        f"SELECT account_id, required, tier, as_of::VARCHAR, policy_id "
        f"FROM '{tmp_path / 'o' / 'decisions.parquet'}' ORDER BY 1"
    ).fetchall()
    assert decided == [
        ("a", True, "weibo.tier.1m", "2023-11-15", "weibo"),
        ("b", False, None, "2023-11-15", "weibo"),
    ]


def test_evaluate_unreadable_snapshot_fails_clearly(tmp_path: Path) -> None:
    snap = tmp_path / "s.csv"
    snap.write_text("account_id,kind\nx,individual\n")
    code, _, err = run(
        "evaluate",
        str(snap),
        "--policy",
        "weibo",
        "--as-of",
        "2023-11-15",
        "--out",
        str(tmp_path / "o"),
    )
    assert code == 1
    assert "missing required columns category, followers" in err.replace("\n", "")
    assert not (tmp_path / "o" / "decisions.parquet").exists()


def test_evaluate_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    code, _, err = run(
        "evaluate",
        "x.parquet",
        "--policy",
        "weibo",
        "--as-of",
        "15/11/2023",
        "--out",
        str(tmp_path),
    )
    assert code == 2 and "--as-of" in err


def test_synth_then_evaluate_with_previous(tmp_path: Path) -> None:
    code, out, _ = run(
        "synth",
        "--platform",
        "weibo",
        "--accounts",
        "200000",
        "--seed",
        "3",
        "--out",
        str(tmp_path / "snap"),
        "--json",
    )
    assert code == 0
    manifest = json.loads(out)
    snap = manifest["path"]
    for as_of, folder, extra in (
        ("2023-11-15", "nov", []),
        ("2024-01-15", "jan", ["--previous", str(tmp_path / "nov")]),
    ):
        code, out, _ = run(
            "evaluate",
            snap,
            "--policy",
            "weibo",
            "--as-of",
            as_of,
            "--out",
            str(tmp_path / folder),
            "--json",
            *extra,
        )
        assert code == 0, out
    summary = json.loads(out)
    assert summary["read"] == 200_000
    nov = json.loads((tmp_path / "nov" / "summary.json").read_text())
    assert summary["diff"]["newly_required"] == summary["required"] - nov["required"]


def test_demo_runs_from_the_installed_command(tmp_path: Path) -> None:
    exe = Path(sys.executable).parent / "byline"
    result = subprocess.run(
        [
            str(exe),
            "demo",
            "--accounts",
            "300000",
            "--dir",
            str(tmp_path / "d"),
            "--json",
            "--no-serve",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    dates = [s["as_of"] for s in report["steps"]]
    assert dates == ["2023-10-15", "2023-10-16", "2023-12-22", "2024-01-21"]
    assert all(s["floor_violations"] == 0 for s in report["steps"])
    before, first, second, _ = (s["summary"] for s in report["steps"])
    assert before["required"] == 0
    assert set(first["by_tier"]) == {"weibo.tier.1m", "weibo.tier.500k"}
    assert first["by_tier"]["weibo.tier.500k"] == 0 < second["by_tier"]["weibo.tier.500k"]
    # a second run replaces the folder cleanly
    again = subprocess.run(
        [
            str(exe),
            "demo",
            "--accounts",
            "1000",
            "--dir",
            str(tmp_path / "d"),
            "--json",
            "--no-serve",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0, again.stderr


def test_demo_refuses_a_folder_it_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "mine.txt").write_text("precious")
    code, _, err = run("demo", "--accounts", "1000", "--dir", str(tmp_path), "--no-serve")
    assert code == 1 and "not a Byline demo folder" in err
    assert (tmp_path / "mine.txt").read_text() == "precious"


def test_demo_counts_the_platforms_follow_graph(tmp_path: Path) -> None:
    workdir = tmp_path / "d"
    args = ["--accounts", "20000", "--no-programme", "--no-serve", "--json", "--dir", str(workdir)]
    code, out, err = run("demo", *args, "--edges", "100000")
    assert code == 0, err
    graph = json.loads(out)["graph"]
    assert graph["edges"] == graph["read"] == graph["accepted"] + graph["rejected"] == 100_000
    # the followers it reports are the distinct (follower, followee) pairs of the edge list
    edges = pq.read_table(workdir / "graph" / "edges.parquet")
    pairs = edges.group_by(["follower_id", "followee_id"]).aggregate([])
    distinct = pairs.filter(pc.not_equal(pairs["follower_id"], pairs["followee_id"])).num_rows
    assert graph["followers"] == distinct == graph["accepted"] - graph["duplicates"]
    assert 0 < graph["effective"] < graph["followers"]  # bots are left out
    assert graph["owners"] > 0 and graph["owner_followers"] <= graph["owned_followers"]
    filled = pq.read_table(workdir / "count" / "accounts.parquet")
    assert filled.num_rows == 20_000 and pc.sum(filled["followers"]).as_py() == distinct
    code, out, err = run("demo", *args, "--edges", "0")
    assert code == 0, err
    assert json.loads(out)["graph"] is None


def test_demo_synthesises_the_head_of_a_large_platform_and_a_body_sample(
    tmp_path: Path,
) -> None:
    args = ["--accounts", "30000000", "--sample", "5000", "--no-programme", "--no-serve"]
    code, out, err = run("demo", *args, "--edges", "0", "--json", "--dir", str(tmp_path / "d"))
    assert code == 0, err
    report = json.loads(out)
    head = report["head"]
    assert report["represents"] == 30_000_000 and head["cut"] == 100_000  # a fifth of the floor
    assert report["accounts"] == 5_000 + head["accounts"] and 6_000 < head["accounts"] < 7_000
    last = report["steps"][-1]["summary"]
    assert last["read"] == report["accounts"] and last["required"] > 100
    code, out, err = run("demo", *args, "--edges", "0", "--dir", str(tmp_path / "e"))
    assert code == 0, err
    assert "the head of a platform of 30,000,000" in " ".join(out.split())


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_runs_the_demo(name: str, tmp_path: Path) -> None:
    code, out, err = run(
        "demo",
        "--policy",
        name,
        "--accounts",
        "50000",
        "--no-programme",
        "--no-serve",
        "--dir",
        str(tmp_path / name),
        "--json",
    )
    assert code == 0, err
    assert all(s["floor_violations"] == 0 for s in json.loads(out)["steps"])


def test_demo_runs_the_programme_over_weeks(tmp_path: Path) -> None:
    code, out, err = run(
        "demo", "--accounts", "2000000", "--dir", str(tmp_path / "d"), "--json", "--no-serve"
    )
    assert code == 0, err
    programme = json.loads(out)["programme"]
    weeks = programme["weeks"]
    assert [w["as_of"] for w in weeks][:3] == ["2023-10-09", "2023-10-16", "2023-10-23"]
    assert "2023-12-22" in [w["as_of"] for w in weeks]  # the 500K phase is a cycle day
    last = weeks[-1]["funnel"]
    assert last["disclosed"] > 0 and last["overdue"] + last["refused"] > 0
    assert any(w["creator_actions"].get("volunteered") for w in weeks)
    assert programme["audit_ok"] and programme["promise_breaches"] == 0
    assert programme["webhook"]["received"] > 0
    assert programme["webhook"]["duplicates"] == programme["webhook"]["rejected"] == 0
    # the demo's database answers the CLI
    code, out, _ = run("audit", "verify", "--db", str(tmp_path / "d" / "byline.db"), "--json")
    assert code == 0 and json.loads(out)["ok"]


@pytest.mark.parametrize("duplicates", ["auto", "order", "hash"])
def test_evaluate_engine_options_reach_the_engine(duplicates: str, tmp_path: Path) -> None:
    rows = [
        {"account_id": "b", "kind": "individual", "category": "law", "followers": 2_000_000},
        {"account_id": "a", "kind": "individual", "category": "law", "followers": 600_000},
        {"account_id": "b", "kind": "individual", "category": "law", "followers": 700_000},
    ]
    snap = write_snapshot(tmp_path / "s.csv", rows)
    args = ["--duplicates", duplicates, "--threads", "1", "--memory-limit", "256MB"]
    args += ["--temp-dir", str(tmp_path / "spill")]
    code, out, err = run(
        "evaluate", str(snap), "--policy", "weibo", "--as-of", "2024-01-15",
        "--out", str(tmp_path / "o"), "--json", "--allow-rejects", *args,
    )  # fmt: skip
    assert code == 0, err
    summary = json.loads(out)
    assert (summary["read"], summary["accepted"], summary["rejected"]) == (3, 1, 2)
    # The order of ids broke at row 2, so only "auto" and "order" tried it first.
    assert ("order check" in summary["seconds"]) == (duplicates != "hash")


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--duplicates", "sorted", "'sorted' is not one of auto, order, hash"),
        ("--memory-limit", "lots", "'lots' is not an amount of memory"),
        ("--threads", "0", "greater than or equal to 1"),
    ],
)
def test_evaluate_bad_engine_option_is_a_usage_error(
    option: str, value: str, says: str, tmp_path: Path
) -> None:
    snap = write_snapshot(tmp_path / "s.csv", [])
    code, _, err = run(
        "evaluate", str(snap), "--policy", "weibo", "--as-of", "2024-01-15",
        "--out", str(tmp_path / "o"), option, value,
    )  # fmt: skip
    flat = " ".join(err.replace("│", " ").split())
    assert code == 2 and option in flat and says in flat, flat
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize(
    "text",
    ["a = " + "[" * 500 + "]" * 500, "a = " + "{ b = " * 500 + "1" + " }" * 500],
    ids=["arrays", "inline-tables"],
)
def test_policy_check_deeply_nested_file_is_one_clear_error(tmp_path: Path, text: str) -> None:
    deep = tmp_path / "deep.toml"
    deep.write_text(text)
    code, out, err = run("policy", "check", str(deep))
    assert code == 1 and out == ""
    assert f"{deep}:1: values nested more than 16 deep" in err.replace("\n", "")
    assert "Traceback" not in err and "RecursionError" not in err
    code, out, _ = run("policy", "check", str(deep), "--json")
    assert code == 1 and json.loads(out)["valid"] is False

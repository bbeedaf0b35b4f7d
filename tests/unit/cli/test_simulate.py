"""``byline simulate`` end to end: a snapshot in, the table, JSON and charts out, exit codes."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from byline.cli import app

from factories import write_snapshot

runner = CliRunner()


def snapshot(tmp_path: Path) -> Path:
    rows = [
        {"account_id": f"a{i:02d}", "kind": "individual", "category": c, "followers": f}
        for i, (c, f) in enumerate(
            [
                ("finance", 450_000),
                ("finance", 700_000),
                ("military", 1_200_000),
                ("education", 3_000_000),
            ]
        )
    ]
    return write_snapshot(tmp_path / "accounts.parquet", rows)


def test_simulate_writes_every_output_and_prints_the_table(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "simulate",
            str(snapshot(tmp_path)),
            "--policy",
            "weibo",
            "--vary",
            "threshold=400000..1300000",
            "--steps",
            "4",
            "--by",
            "category",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.stderr
    assert "read 4 = accepted 4 + rejected 0" in result.stdout
    assert {p.name for p in out.iterdir()} == {
        "simulate.csv",
        "simulate.json",
        "simulate.svg",
        "simulate.png",
    }
    data = json.loads((out / "simulate.json").read_text())
    # education is out of Weibo's scope: never obliged
    assert [s["required"] for s in data["steps"]] == [3, 2, 1, 0]
    assert data["series"] == ["military", "finance"]


def test_compare_over_a_variable_has_a_line_per_policy(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "simulate",
            str(snapshot(tmp_path)),
            "--compare",
            "weibo,douyin,bilibili",
            "--vary",
            "as_of=2023-10-01..2024-01-31",
            "--steps",
            "3",
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["series"] == ["weibo", "douyin", "bilibili"]
    assert all(s["required"] is None for s in data["steps"])  # a sum of policies is no count


def test_bad_input_is_one_clear_line(tmp_path: Path) -> None:
    snap = str(snapshot(tmp_path))
    out = str(tmp_path / "out")
    result = runner.invoke(
        app, ["simulate", snap, "-p", "weibo", "--vary", "followers=1..2", "-o", out]
    )
    assert result.exit_code == 1 and "--vary followers=1..2" in result.stderr
    result = runner.invoke(app, ["simulate", snap, "-p", "nope", "-o", out])
    assert result.exit_code == 1 and "no preset of that name" in result.stderr
    result = runner.invoke(app, ["simulate", snap, "-o", out])
    assert result.exit_code == 2 and "--policy or --compare" in result.stderr
    result = runner.invoke(
        app, ["simulate", str(tmp_path / "none.parquet"), "-p", "weibo", "-o", out]
    )
    assert result.exit_code == 1 and "no such file" in result.stderr
    assert not (tmp_path / "out").exists()

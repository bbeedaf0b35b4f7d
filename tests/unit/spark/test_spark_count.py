"""``byline count --engine spark`` writes the embedded engine's counts: raw, effective and owner
followers, rejected edges and tallies, on generated graphs in every format and id type."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from graph.test_reference import ACCOUNTS, _id, _write, graphs
from hypothesis import HealthCheck, given, settings
from pyspark.sql import SparkSession

from byline.graph import GraphFileError, count_graph
from byline.spark import count_graph as count_on_spark

from .conftest import parquet_rows

# How each engine goes about it, not what it finds.
HOW = ("engine", "ids", "repeats_found", "seconds")


def _files(g: dict[str, Any], folder: Path) -> dict[str, Path | None]:
    way, fmt = g["way"], g["format"]
    edges = {
        "follower_id": [_id(a, way) for a, _ in g["pairs"]],
        "followee_id": [_id(b, way) for _, b in g["pairs"]],
    }
    flags = {"account_id": [_id(a, way) for a in g["flags"]], "flag": list(g["flags"].values())}
    owners = {
        "account_id": [_id(a, way) for a in g["owners"]],
        "owner_ref": [*g["owners"].values()],
    }
    return {
        "edges": _write(folder, "edges", edges, fmt),
        "flags": _write(folder, "flags", flags, "csv"),
        "owners": _write(folder, "owners", owners, "parquet" if fmt == "jsonl" else fmt)
        if g["owners"]
        else None,
        # The accounts of the graph and two more, some already counted, one with an owner_ref.
        "accounts": _write(
            folder,
            "accounts",
            {
                "account_id": [_id(a, way) for a in range(ACCOUNTS + 2)],
                "kind": ["individual"] * (ACCOUNTS + 2),
                "followers": list(range(ACCOUNTS + 2)),
                "owner_ref": ["stale"] * (ACCOUNTS + 2),
            },
            "parquet",
        ),
    }


def assert_same_counts(embedded: Path, on_spark: Path) -> None:
    expected, got = (json.loads((d / "summary.json").read_text()) for d in (embedded, on_spark))
    if expected["ids"] == "direct":  # small ids are their own numbers: every flag below the top
        expected.pop("flagged_accounts"), got.pop("flagged_accounts")
    for key in HOW:
        expected.pop(key), got.pop(key)
    assert got == expected
    assert (on_spark / "rejects.csv").read_text() == (embedded / "rejects.csv").read_text()
    for name in ("counts.parquet", "owners.parquet", "accounts.parquet"):
        assert (embedded / name).exists() == (on_spark / name).exists(), name
        if (embedded / name).exists():
            assert parquet_rows(on_spark / name) == parquet_rows(embedded / name), name
    if (embedded / "accounts.parquet").exists():  # the snapshot's rows in their order
        assert _ids(on_spark / "accounts.parquet") == _ids(embedded / "accounts.parquet")


def _ids(path: Path) -> list[object]:
    import duckdb

    source = str(path / "*.parquet") if path.is_dir() else str(path)
    with duckdb.connect() as con:
        return [r[0] for r in con.execute(f"SELECT account_id FROM '{source}'").fetchall()]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=graphs())
def test_counts_agree_with_the_embedded_engine(spark: SparkSession, g: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = _files(g, Path(tmp))
        assert files["edges"] is not None
        for engine, out in (("embedded", "e"), ("spark", "s")):
            run = count_graph if engine == "embedded" else _on(spark)
            run(
                files["edges"],
                Path(tmp) / out,
                flags=files["flags"],
                owners=files["owners"],
                accounts=files["accounts"],
            )
        assert_same_counts(Path(tmp) / "e", Path(tmp) / "s")


def _on(spark: SparkSession) -> Any:
    def run(edges: Path, out: Path, **files: Any) -> Any:
        return count_on_spark(spark, edges, out, **files)

    return run


def test_the_same_refusals(spark: SparkSession, tmp_path: Path) -> None:
    edges = _write(tmp_path, "edges", {"follower_id": [1, 2], "followee_id": [2, 3]}, "csv")
    owners = _write(tmp_path, "owners", {"account_id": [2, 2], "owner_ref": ["a", "b"]}, "csv")
    flags = _write(tmp_path, "flags", {"account_id": [None, 2], "flag": ["bot", "bot"]}, "csv")
    no_column = _write(tmp_path, "bad", {"follower_id": [1]}, "parquet")
    for path, extra in ((edges, {"owners": owners}), (edges, {"flags": flags}), (no_column, {})):
        with pytest.raises(GraphFileError) as embedded:
            count_graph(path, tmp_path / "e", **extra)
        with pytest.raises(GraphFileError) as on_spark:
            count_on_spark(spark, path, tmp_path / "s", **extra)
        assert str(on_spark.value) == str(embedded.value)


def test_count_through_the_cli_and_the_job_entry(spark: SparkSession, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from byline.cli import app
    from byline.spark.__main__ import main

    pairs = {
        "follower_id": ["a", "b", "c", "a", "a", ""],
        "followee_id": ["x", "x", "x", "x", "a", "y"],
    }
    edges = _write(tmp_path, "edges", pairs, "jsonl")
    flags = _write(tmp_path, "flags", {"account_id": ["b"], "flag": ["bot"]}, "csv")
    owners = _write(tmp_path, "owners", {"account_id": ["x", "y"], "owner_ref": ["o", "o"]}, "csv")
    common = [str(edges), "--flags", str(flags), "--owners", str(owners), "--json"]
    done = CliRunner().invoke(app, ["count", *common, "--out", str(tmp_path / "e")])
    assert done.exit_code == 0, done.output
    with pytest.raises(SystemExit) as finished:
        main(["count", *common, "--out", str(tmp_path / "s")])
    assert finished.value.code == 0
    assert_same_counts(tmp_path / "e", tmp_path / "s")
    _, rows = parquet_rows(tmp_path / "s" / "counts.parquet")
    assert rows == [("x", 3, 2, "o")]

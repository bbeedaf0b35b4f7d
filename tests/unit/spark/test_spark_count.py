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


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(g=graphs())
def test_raw_counts_agree_with_the_embedded_engine(spark: SparkSession, g: dict[str, Any]) -> None:
    """Without flags, owners or a snapshot Spark counts in one job (its own path): the same
    counts, tallies and rejects."""
    with tempfile.TemporaryDirectory() as tmp:
        edges = _files(g, Path(tmp))["edges"]
        assert edges is not None
        count_graph(edges, Path(tmp) / "e")
        _on(spark)(edges, Path(tmp) / "s")
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


# A snapshot as text files write them: a CSV's fields are text as written (``007``, ``''``,
# ``1.0``, a quoted line break); a JSONL file's values keep JSON's types (a time-like text stays
# text, a column of nulls is text, keys first seen late come last).
_CSV_SNAPSHOT = (
    "account_id,kind,followers,note,score,active,joined\n"
    "1,individual,10,,1.0,true,2024-01-01\n"
    '007,organisation,x,"two\nlines",2,false,\n'
    '3,individual,,"a, ""quoted"" one",-5,TRUE,2024-02-30\n'
    "99,individual,5,plain,1e3,0,2024-01-01T10:00:00\n"
)
_JSONL_SNAPSHOT = (
    '{"account_id": 1, "kind": "individual", "score": 1, "when": "2024-01-01T00:00:00", '
    '"gone": null}\n'
    '{"account_id": 3, "kind": "organisation", "score": 2.5, "when": "later", "ok": true}\n'
    '{"account_id": 99, "followers": 7, "score": -1, "gone": null, "late": "x"}\n'
)


@pytest.mark.parametrize(
    ("suffix", "text", "ids"),
    [("csv", _CSV_SNAPSHOT, "text"), ("jsonl", _JSONL_SNAPSHOT, "integer")],
)
def test_a_text_snapshot_is_filled_as_the_embedded_engine_fills_it(
    spark: SparkSession, tmp_path: Path, suffix: str, text: str, ids: str
) -> None:
    way = {"follower_id": [1, 2, 2, 5], "followee_id": [3, 3, 1, 7]}
    if ids == "text":
        way = {k: [str(v) for v in vs] for k, vs in way.items()}
    edges = _write(tmp_path, "edges", way, "csv" if ids == "text" else "parquet")
    owners = _write(tmp_path, "owners", {"account_id": ["1", "3"], "owner_ref": ["o", "o"]}, "csv")
    accounts = tmp_path / f"accounts.{suffix}"
    accounts.write_text(text, encoding="utf-8")
    count_graph(edges, tmp_path / "e", owners=owners, accounts=accounts)
    count_on_spark(spark, edges, tmp_path / "s", owners=owners, accounts=accounts)
    assert_same_counts(tmp_path / "e", tmp_path / "s")
    columns, rows = parquet_rows(tmp_path / "s" / "accounts.parquet")
    types = dict(columns)
    if suffix == "csv":
        assert types["account_id"] == types["score"] == types["joined"] == "VARCHAR"
        assert ("007", "organisation", 0, "two\nlines", "2", "false", "", 0, 0, None) in rows
    else:
        assert [n for n, _ in columns][:7] == [
            "account_id",
            "kind",
            "score",
            "when",
            "gone",
            "ok",
            "followers",
        ]
        assert types["account_id"] == "BIGINT" and types["score"] == "DOUBLE"
        assert types["when"] == types["gone"] == "VARCHAR" and types["ok"] == "BOOLEAN"


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        ("jsonl", '{"account_id": 1, "tags": ["a"]}\n'),
        ("jsonl", '{"account_id": 1, "about": {"a": 1}}\n'),
        ("csv", "account_id,kind\n1,individual,extra\n"),
        ("csv", "account_id,kind\n1\n"),
        ("csv", "id,kind\n1,individual\n"),
    ],
)
def test_a_text_snapshot_refused_by_both(
    spark: SparkSession, tmp_path: Path, suffix: str, text: str
) -> None:
    _refused_by_both(spark, tmp_path, suffix, text)


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '{"account_id": 1, "score": 5}\n{"account_id": 2, "score": null}\n\n'
            '{"account_id": 3, "score": "high"}\n',
            "row 4: score: text, where row 1 has a number",
        ),
        (
            '{"account_id": 1, "ok": true}\n{"account_id": 2, "ok": 1.5}\n',
            "row 2: ok: a number, where row 1 has true/false",
        ),
        (
            '{"account_id": "a", "kind": "x"}\n{"account_id": "b", "kind": ["x"]}\n',
            "row 2: kind: a list or an object, where row 1 has text",
        ),
        (  # whole numbers and fractions are one kind (double), as Arrow reads them
            '{"account_id": 1, "n": 2}\n{"account_id": 2, "n": 2.5}\n'
            '{"account_id": 3, "n": "x", "m": true}\n{"account_id": 4, "m": "y"}\n',
            "row 3: n: text, where row 1 has a number",
        ),
    ],
)
def test_a_jsonl_column_of_two_kinds_refused_by_both_naming_its_rows(
    spark: SparkSession, tmp_path: Path, text: str, said: str
) -> None:
    """Spark alone would read such a column as text; Arrow refuses it with a row number within
    its block. Both name the file's line and the column's first kind, the same words."""
    refused = _refused_by_both(spark, tmp_path, "jsonl", text)
    assert refused.startswith(f"{tmp_path / 'accounts.jsonl'}: {said}; ")


def _refused_by_both(spark: SparkSession, tmp_path: Path, suffix: str, text: str) -> str:
    edges = _write(tmp_path, "edges", {"follower_id": [1], "followee_id": [2]}, "parquet")
    accounts = tmp_path / f"accounts.{suffix}"
    accounts.write_text(text, encoding="utf-8")
    with pytest.raises(GraphFileError) as embedded:
        count_graph(edges, tmp_path / "e", accounts=accounts)
    with pytest.raises(GraphFileError) as on_spark:
        count_on_spark(spark, edges, tmp_path / "s", accounts=accounts)
    if suffix == "jsonl" or text.startswith("id"):  # the same words; a ragged CSV: each's own
        assert str(on_spark.value) == str(embedded.value)
    assert str(on_spark.value).startswith(f"{accounts}: ")
    return str(on_spark.value)


def test_count_with_uris(spark: SparkSession, tmp_path: Path) -> None:
    """Every input and the output folder as ``file://`` URIs, through Hadoop's FileSystem as
    ``hdfs://`` would go: the embedded engine's outputs; the embedded engine refuses a URI."""
    from typer.testing import CliRunner

    from byline.cli import app

    pairs = {
        "follower_id": ["a", "b", "c", "a", "a", ""],
        "followee_id": ["x", "x", "x", "x", "a", "y"],
    }
    edges = _write(tmp_path, "edges", pairs, "csv")
    flags = _write(tmp_path, "flags", {"account_id": ["b"], "flag": ["bot"]}, "csv")
    owners = _write(tmp_path, "owners", {"account_id": ["x", "y"], "owner_ref": ["o", "o"]}, "csv")
    accounts = tmp_path / "accounts.csv"  # its header read through the FileSystem
    accounts.write_text(_CSV_SNAPSHOT.replace("\n1,", "\nx,"), encoding="utf-8")
    files = {"flags": flags, "owners": owners, "accounts": accounts}
    assert edges is not None and flags is not None and owners is not None
    count_graph(edges, tmp_path / "e", **files)
    uris = [f"--{k}={v.as_uri()}" for k, v in files.items()]
    runner = CliRunner()
    out = (tmp_path / "s").as_uri()
    done = runner.invoke(app, ["count", edges.as_uri(), *uris, "--out", out, "--engine", "spark"])
    assert done.exit_code == 0, done.output
    assert_same_counts(tmp_path / "e", tmp_path / "s")
    assert not list((tmp_path / "s").glob("*.partial"))
    refused = runner.invoke(app, ["count", edges.as_uri(), "--out", str(tmp_path / "x")])
    assert refused.exit_code != 0
    assert "aURIneeds--enginespark" in "".join(refused.output.replace("│", "").split())

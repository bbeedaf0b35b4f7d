"""The Spark engine writes what the embedded engine writes: bad rows, duplicated ids, every
input format, linked accounts, diffs against either engine's earlier outputs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from byline.engine import (
    SnapshotError,
    diff_sample,
    evaluate,
    floor_violations,
    reported_accounts,
)
from byline.policy import load_policy
from byline.spark import evaluate as evaluate_on_spark

from .conftest import assert_same_outputs, both, parquet_rows
from factories import write_snapshot

WEIBO = load_policy("weibo")
AS_OF = dt.date(2023, 12, 25)
GOOD = {"kind": "individual", "category": "finance"}
ROWS = [
    {"account_id": "ok-big", **GOOD, "followers": 1_200_000},
    {"account_id": "ok-mid", **GOOD, "followers": 600_000},
    {"account_id": "", **GOOD, "followers": 10},
    {"account_id": "robot", "kind": "robot", "category": "finance", "followers": 10},
    {"account_id": "gossip", "kind": "individual", "category": "gossip", "followers": 10},
    {"account_id": "neg", **GOOD, "followers": -3},
    {"account_id": "dup", **GOOD, "followers": 700_000},
    {"account_id": "none", **GOOD, "followers": None},
    {"account_id": "dup", **GOOD, "followers": 5},
    {"account_id": "small", **GOOD, "followers": 499_999},
    {"account_id": "both", "kind": "alien", "category": "finance", "followers": -1},
    *({"account_id": "many", **GOOD, "followers": 600_000 + i} for i in range(7)),
    {"account_id": 'a,"quoted" id', **GOOD, "followers": "x" * 60},
]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_bad_rows_and_duplicates_in_every_format(
    fmt: str, spark: SparkSession, tmp_path: Path
) -> None:
    rows = ROWS[:-1] if fmt == "parquet" else ROWS
    if fmt == "csv":  # one column of text, as a CSV file holds it
        rows = [{**r, "followers": _text(r["followers"])} for r in rows]
    snapshot = write_snapshot(tmp_path / f"s.{fmt}", rows)
    _, on_spark = both(spark, snapshot, WEIBO, AS_OF, tmp_path)
    text = (on_spark / "rejects.csv").read_text()
    assert "account_id: duplicate (rows 7, 9)" in text
    assert "(rows 12, 13, 14, 15, 16, ...)" in text


def test_text_formats_record_problems(spark: SparkSession, tmp_path: Path) -> None:
    """A line that is not a JSON object, a CSV record longer than its header or spanning lines,
    numbers written as text: the same rows, numbers and reasons."""
    good = json.dumps({"account_id": "a", **GOOD, "followers": 600_000})
    jsonl = tmp_path / "s.jsonl"
    jsonl.write_text(
        f'{good}\nnot json\n[1, 2]\n\n{{"account_id": 7, "kind": "individual", '
        '"category": "finance", "followers": "1.5"}\n'
    )
    both(spark, jsonl, WEIBO, AS_OF, tmp_path / "jsonl")
    csv = tmp_path / "s.csv"
    csv.write_text(
        "account_id,kind,category,followers\n"
        'x,individual,finance,+600000\n"y\nz",individual,finance,12x\n'
        "long,individual,finance,600000,extra\nshort,individual\n"
        "w,individual,finance, 700000 \nv,individual,finance,99999999999999999999999\n"
    )
    both(spark, csv, WEIBO, AS_OF, tmp_path / "csv")


def test_float_and_integer_columns_in_parquet(spark: SparkSession, tmp_path: Path) -> None:
    rows = [
        {"account_id": "a", **GOOD, "followers": 600_000.0},
        {"account_id": "b", **GOOD, "followers": 600_000.5},
        {"account_id": "c", **GOOD, "followers": float("nan")},
        {"account_id": "d", **GOOD, "followers": float("inf")},
        {"account_id": "e", **GOOD, "followers": -2.0},
        # where Java would write 1.23456785E7, -2.5E7 and 1.0E20, the reasons quote the values
        # as the embedded engine does
        {"account_id": "f", **GOOD, "followers": 12_345_678.5},
        {"account_id": "g", **GOOD, "followers": -2.5e7},
        {"account_id": "h", **GOOD, "followers": 1e20},
        {"account_id": "i", **GOOD, "followers": 0.0001},
    ]
    both(spark, write_snapshot(tmp_path / "s.parquet", rows), WEIBO, AS_OF, tmp_path / "f")
    ids = [{"account_id": i, **GOOD, "followers": 600_000 * i} for i in range(1, 6)]
    both(spark, write_snapshot(tmp_path / "i.parquet", ids), WEIBO, AS_OF, tmp_path / "i")


def test_diffs_against_either_engines_previous_run(spark: SparkSession, tmp_path: Path) -> None:
    before = [{"account_id": f"a{i}", **GOOD, "followers": 400_000 * i} for i in range(6)]
    after = [{"account_id": f"a{i}", **GOOD, "followers": 300_000 * i} for i in range(1, 8)]
    old = write_snapshot(tmp_path / "old.parquet", before)
    new = write_snapshot(tmp_path / "new.csv", after)
    duck, on_spark = both(spark, old, WEIBO, AS_OF, tmp_path / "old")
    both(spark, new, WEIBO, AS_OF, tmp_path / "new", previous=(duck, on_spark))
    # Crossed over: the embedded engine diffs against Spark's folder, and Spark against its file.
    both(spark, new, WEIBO, AS_OF, tmp_path / "crossed", previous=(on_spark, duck))
    summary = json.loads((tmp_path / "crossed" / "spark" / "summary.json").read_text())
    assert sum(summary["diff"].values()) > 0
    # A shadow run's sample reads a diff folder as it reads a diff file.
    crossed = tmp_path / "crossed"
    assert diff_sample(crossed / "spark", 3) == diff_sample(crossed / "duckdb", 3) != []


def test_linked_accounts_flag_and_judge_owners(spark: SparkSession, tmp_path: Path) -> None:
    owner = WEIBO.model_copy(
        update={
            "linked_accounts": WEIBO.linked_accounts.model_copy(
                update={"id": "weibo.linked", "judge": "owner"}
            )
        }
    )
    rows = [
        {
            "account_id": f"m{i}",
            **GOOD,
            "followers": 100_000,
            "owner_ref": "o1",
            "owner_followers": 800_000,
        }
        for i in range(4)
    ] + [
        {
            "account_id": "solo",
            **GOOD,
            "followers": 900_000,
            "owner_ref": "",
            "owner_followers": None,
        },
        {"account_id": "bad", **GOOD, "followers": 1, "owner_ref": "o2", "owner_followers": -1},
    ]
    snapshot = write_snapshot(tmp_path / "s.parquet", rows)
    both(spark, snapshot, WEIBO, AS_OF, tmp_path / "account")
    _, on_spark = both(spark, snapshot, owner, AS_OF, tmp_path / "owner")
    assert floor_violations(on_spark / "decisions.parquet", owner) == 0
    assert {r.account_id for r in reported_accounts(on_spark, owner)} >= {"m0", "solo"}


def test_outputs_of_either_engine_replace_the_others(spark: SparkSession, tmp_path: Path) -> None:
    """A folder evaluated by one engine, then the other: each output is the last run's."""
    snapshot = write_snapshot(tmp_path / "s.parquet", ROWS[:3])
    out = tmp_path / "out"
    evaluate_on_spark(snapshot, WEIBO, AS_OF, out, spark=spark)
    assert (out / "decisions.parquet").is_dir() and (out / "rejects.csv").exists()
    evaluate(write_snapshot(tmp_path / "t.parquet", ROWS[:2]), WEIBO, AS_OF, out)
    assert (out / "decisions.parquet").is_file() and not (out / "rejects.csv").exists()
    evaluate_on_spark(snapshot, WEIBO, AS_OF, out, spark=spark)
    assert (out / "decisions.parquet").is_dir()
    assert not list(out.glob("*.partial"))


@pytest.mark.parametrize(
    "name, message",
    [("missing.parquet", "no such file"), ("s.txt", "cannot tell the format")],
)
def test_unreadable_snapshot_same_error(
    name: str, message: str, spark: SparkSession, tmp_path: Path
) -> None:
    path = tmp_path / name
    if name.endswith(".txt"):
        path.write_text("x")
    with pytest.raises(SnapshotError, match=message):
        evaluate_on_spark(path, WEIBO, AS_OF, tmp_path / "out", spark=spark)


def test_missing_column_same_error(spark: SparkSession, tmp_path: Path) -> None:
    for fmt in ("parquet", "csv", "jsonl"):
        path = write_snapshot(tmp_path / f"s.{fmt}", [{"account_id": "a", **GOOD}])
        with pytest.raises(SnapshotError) as duck:
            evaluate(path, WEIBO, AS_OF, tmp_path / "d")
        with pytest.raises(SnapshotError) as on_spark:
            evaluate_on_spark(path, WEIBO, AS_OF, tmp_path / "s", spark=spark)
        assert str(on_spark.value) == str(duck.value)


def test_the_cli_evaluates_on_spark(spark: SparkSession, tmp_path: Path) -> None:
    """``byline evaluate --engine spark`` goes through the service the embedded path uses."""
    from typer.testing import CliRunner

    from byline.cli import app

    snapshot = write_snapshot(tmp_path / "s.parquet", ROWS[:-1])
    common = ["evaluate", str(snapshot), "-p", "weibo", "--as-of", "2023-12-25", "--json"]
    common.append("--allow-rejects")  # the rows include rejected ones, on purpose
    runner = CliRunner()
    duck = runner.invoke(app, [*common, "--out", str(tmp_path / "duckdb")])
    where = ["--spark-master", "local[2]", "--spark-conf", "spark.sql.shuffle.partitions=4"]
    on_spark = runner.invoke(
        app, [*common, "--out", str(tmp_path / "spark"), "--engine", "spark", *where]
    )
    assert duck.exit_code == 0 and on_spark.exit_code == 0, on_spark.output
    assert_same_outputs(tmp_path / "duckdb", tmp_path / "spark")
    bad = runner.invoke(
        app,
        [
            *common,
            "--out",
            str(tmp_path / "x"),
            "--engine",
            "spark",
            "--spark-conf",
            "no-equals-sign",
        ],
    )
    assert bad.exit_code != 0 and "KEY=VALUE" in bad.output
    other = runner.invoke(app, [*common, "--out", str(tmp_path / "y"), "--engine", "flink"])
    assert other.exit_code != 0 and "duckdb, spark" in other.output
    table = ["evaluate", "-p", "weibo", "--as-of", "2023-12-25", "--table", "db.accounts"]
    embedded = runner.invoke(app, [*table, "--out", str(tmp_path / "z")])
    assert embedded.exit_code != 0 and "--engine spark" in embedded.output


def test_the_spark_job_entry(spark: SparkSession, tmp_path: Path) -> None:
    """``python -m byline.spark evaluate ...`` (the file spark-submit runs) is the CLI's
    evaluation on Spark: the same outputs."""
    from byline.spark.__main__ import main

    snapshot = write_snapshot(tmp_path / "s.jsonl", ROWS)
    evaluate(snapshot, WEIBO, AS_OF, tmp_path / "duckdb")
    args = ["evaluate", str(snapshot), "-p", "weibo", "--as-of", "2023-12-25", "--allow-rejects"]
    with pytest.raises(SystemExit) as done:
        main([*args, "--out", str(tmp_path / "spark")])
    assert done.value.code == 0
    assert_same_outputs(tmp_path / "duckdb", tmp_path / "spark")
    with pytest.raises(SystemExit) as refused:
        main(["count", "edges.parquet"])
    assert refused.value.code == 2


def test_row_numbers_across_many_splits(spark: SparkSession, tmp_path: Path) -> None:
    """A text file read in many splits (as a large one is on a cluster) numbers its records
    as the embedded engine does: by their place in the file, whatever order splits run in."""
    rows = [
        {"account_id": f"a{i:03d}" if i % 7 else "", **GOOD, "followers": 600_000 - i * (i % 3)}
        for i in range(120)
    ]
    rows += [{"account_id": "a001", **GOOD, "followers": 1}]
    snapshot = write_snapshot(tmp_path / "s.jsonl", rows)
    before = spark.conf.get("spark.sql.files.maxPartitionBytes")
    spark.conf.set("spark.sql.files.maxPartitionBytes", "512")
    spark.conf.set("spark.sql.files.openCostInBytes", "0")
    try:
        assert spark.read.text(str(snapshot)).rdd.getNumPartitions() > 10
        _, on_spark = both(spark, snapshot, WEIBO, AS_OF, tmp_path)
    finally:
        spark.conf.set("spark.sql.files.maxPartitionBytes", before or "128MB")
        spark.conf.unset("spark.sql.files.openCostInBytes")
    assert "account_id: duplicate (rows 2, 121)" in (on_spark / "rejects.csv").read_text()


def test_a_folder_of_parts_and_a_catalog_table(spark: SparkSession, tmp_path: Path) -> None:
    """Where a platform's data lives: a folder of Parquet part files, or a table of the
    session's catalog. Rows are numbered file by file (in the files' names' order): what the
    embedded engine says of the same rows in one file."""
    import pyarrow.parquet as pq

    one = write_snapshot(tmp_path / "one.parquet", ROWS[:-1])
    table = pq.read_table(one)
    folder = tmp_path / "parts"
    folder.mkdir()
    for i, start in enumerate(range(0, table.num_rows, 5)):
        pq.write_table(table.slice(start, 5), folder / f"part-{i:05d}.parquet")
    evaluate(one, WEIBO, AS_OF, tmp_path / "duckdb")
    evaluate_on_spark(folder, WEIBO, AS_OF, tmp_path / "spark", spark=spark)
    spark.catalog.createTable("byline_accounts", path=str(folder), source="parquet")
    try:
        evaluate_on_spark(
            None, WEIBO, AS_OF, tmp_path / "table", spark=spark, table="byline_accounts"
        )
    finally:
        spark.sql("DROP TABLE byline_accounts")
    for got in ("spark", "table"):
        summary = json.loads((tmp_path / got / "summary.json").read_text())
        expected = json.loads((tmp_path / "duckdb" / "summary.json").read_text())
        for key in ("seconds", "snapshot", "format"):
            summary.pop(key), expected.pop(key)
        assert summary == expected
        got_rejects = (tmp_path / got / "rejects.csv").read_text()
        assert got_rejects == (tmp_path / "duckdb" / "rejects.csv").read_text()
        assert parquet_rows(tmp_path / got / "decisions.parquet") == parquet_rows(
            tmp_path / "duckdb" / "decisions.parquet"
        )
    assert json.loads((tmp_path / "table" / "summary.json").read_text())["format"] == "table"


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_an_empty_snapshot(fmt: str, spark: SparkSession, tmp_path: Path) -> None:
    path = tmp_path / f"s.{fmt}"
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns = {c: pa.array([], pa.string()) for c in ("account_id", "kind", "category")}
        pq.write_table(pa.table({**columns, "followers": pa.array([], pa.int64())}), path)
    elif fmt == "csv":
        path.write_text("account_id,kind,category,followers\n")
    else:
        path.write_text(
            '{"account_id": "a", "kind": "individual", "category": "finance", "followers": 1}\n'
        )
    both(spark, path, WEIBO, AS_OF, tmp_path)


def test_inputs_and_outputs_given_as_uris(spark: SparkSession, tmp_path: Path) -> None:
    """A snapshot, the previous run and the output folder as URIs (``file://``: through Hadoop's
    FileSystem, as ``hdfs://`` goes): the embedded engine's outputs, written where the URI says;
    the embedded engine refuses a URI."""
    from typer.testing import CliRunner

    from byline.cli import app

    before = [{"account_id": f"a{i}", **GOOD, "followers": 400_000 * i} for i in range(6)]
    old = write_snapshot(tmp_path / "old.parquet", before)
    new = write_snapshot(tmp_path / "new.jsonl", ROWS)
    evaluate(old, WEIBO, AS_OF, tmp_path / "old")
    evaluate(new, WEIBO, AS_OF, tmp_path / "duckdb", previous=tmp_path / "old")
    common = ["evaluate", "-p", "weibo", "--as-of", "2023-12-25", "--allow-rejects", "--json"]
    uri = new.as_uri()
    assert uri.startswith("file:///")
    runner = CliRunner()
    first = runner.invoke(
        app, [*common, old.as_uri(), "--out", (tmp_path / "u0").as_uri(), "--engine", "spark"]
    )
    assert first.exit_code == 0, first.output
    done = runner.invoke(
        app,
        [
            *common,
            uri,
            "--out",
            (tmp_path / "u1").as_uri() + "/",
            "--previous",
            (tmp_path / "u0").as_uri(),
            "--engine",
            "spark",
        ],
    )
    assert done.exit_code == 0, done.output
    assert not list(tmp_path.glob("u1/*.partial"))
    assert_same_outputs(tmp_path / "duckdb", tmp_path / "u1", snapshot=uri)
    assert (tmp_path / "u1" / "diff.parquet").is_dir()
    assert (tmp_path / "u1" / "rejects.csv").exists()
    # Again over the same folder: every output replaced in place.
    again = runner.invoke(
        app, [*common, uri, "--out", (tmp_path / "u1").as_uri(), "--engine", "spark"]
    )
    assert again.exit_code == 0, again.output
    assert not (tmp_path / "u1" / "diff.parquet").exists()
    refused = runner.invoke(app, [*common, uri, "--out", str(tmp_path / "e")])
    assert refused.exit_code != 0
    assert "aURIneeds--enginespark" in "".join(refused.output.replace("│", "").split())
    assert not (tmp_path / "e").exists()

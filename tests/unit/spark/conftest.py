"""The comparison that holds the Spark engine's outputs to the embedded engine's, row for row."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import duckdb
from pyspark.sql import SparkSession

from byline.domain import Policy
from byline.engine import evaluate
from byline.spark import evaluate as evaluate_on_spark

OUTPUTS = ("decisions.parquet", "flagged_owners.parquet", "diff.parquet")


def both(
    spark: SparkSession,
    snapshot: Path,
    policy: Policy,
    as_of: dt.date,
    folder: Path,
    *,
    previous: tuple[Path, Path] | None = None,
) -> tuple[Path, Path]:
    """Evaluate ``snapshot`` with each engine (each against its own ``previous``); the two
    output folders, held to each other."""
    duck, on_spark = folder / "duckdb", folder / "spark"
    evaluate(snapshot, policy, as_of, duck, previous=previous[0] if previous else None)
    evaluate_on_spark(
        snapshot, policy, as_of, on_spark, previous=previous[1] if previous else None, spark=spark
    )
    assert_same_outputs(duck, on_spark)
    return duck, on_spark


def assert_same_outputs(duck: Path, on_spark: Path, *, snapshot: str | None = None) -> None:
    """The same summary (but the timings; and with ``snapshot``, the snapshot Spark names), the
    same rejects file byte for byte, and every Parquet output with the same columns, types and
    rows (sorted)."""
    expected, got = (json.loads((d / "summary.json").read_text()) for d in (duck, on_spark))
    expected.pop("seconds"), got.pop("seconds")
    if snapshot is not None:
        assert got.pop("snapshot") == snapshot
        expected.pop("snapshot")
    assert got == expected
    rejects = [d / "rejects.csv" for d in (duck, on_spark)]
    assert rejects[0].exists() == rejects[1].exists()
    if rejects[0].exists():
        assert rejects[1].read_text() == rejects[0].read_text()
    for name in OUTPUTS:
        assert (duck / name).exists() == (on_spark / name).exists(), name
        if (duck / name).exists():
            assert (on_spark / name).is_dir(), f"{name}: Spark writes a folder of part files"
            assert parquet_rows(on_spark / name) == parquet_rows(duck / name), name


def parquet_rows(path: Path) -> tuple[list[tuple[str, str]], list[tuple[object, ...]]]:
    """The columns (name, type) and the sorted rows of a Parquet output, file or folder."""
    source = str(path / "*.parquet") if path.is_dir() else str(path)
    with duckdb.connect() as con:
        relation = con.read_parquet(source)
        columns = [(n, str(t)) for n, t in zip(relation.columns, relation.types, strict=True)]
        rows = sorted(relation.fetchall(), key=repr)
    return columns, rows

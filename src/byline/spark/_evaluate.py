"""``evaluate`` on Spark: the embedded engine's evaluation, output for output.

Each output is written beside its final name (``NAME.partial``, a folder for the Parquet ones)
and put in place only when all are whole, the summary last, as ``engine.evaluate`` does. Only
counts and the rejected rows (a partition at a time) reach the driver.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from byline.domain.policy import Policy
from byline.engine import (
    DECISIONS,
    DIFF,
    FLAGGED,
    REJECTS,
    SUMMARY,
    Evaluation,
    Progress,
    SnapshotError,
    check_comparable,
    first_line,
    summary_of,
    writing,
)
from byline.spark._decide import duplicates, keep_rows
from byline.spark._outputs import count, write_decisions, write_diff, write_flagged, write_rejects
from byline.spark._read import Source, Table, open_rows
from byline.spark._session import SparkSettings, session
from byline.spark._where import Where, as_path, put_in_place, remove_output


def evaluate(
    snapshot_path: Where | None,
    policy: Policy,
    as_of: dt.date,
    out_dir: Where,
    *,
    previous: Where | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: SparkSettings | None = None,
    spark: SparkSession | None = None,
    table: str | None = None,
) -> Evaluation:
    """Decide every account in ``snapshot_path`` (a file, or a folder of Parquet part files),
    or of ``table`` (a table of the session's catalog, ``db.name``), on Spark, and write what
    ``engine.evaluate`` writes (``decisions.parquet`` a folder of part files)."""
    source = _source(snapshot_path, table)
    out_dir.mkdir(parents=True, exist_ok=True)
    spark = spark or session(settings)
    timings: dict[str, float] = {}
    staged: dict[str, Where] = {}

    def stage(name: str) -> Where:
        staged[name] = out_dir / f"{name}.partial"
        remove_output(staged[name])
        return staged[name]

    def step(name: str, fn: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        if progress is not None:
            progress(name, 0.0)
        try:
            return fn(*args)
        finally:
            timings[name] = time.perf_counter() - started
            if progress is not None:
                progress(name, 1.0)

    kept = dups = None
    try:
        with _reading(source):
            rows = open_rows(spark, source, policy, fmt)
            dups = step("duplicates", duplicates, rows)
            kept, read = step("decide", keep_rows, rows, policy, as_of, dups)
        with writing(as_path(out_dir) / DECISIONS):
            step("write", write_decisions, kept, rows, policy, as_of, stage(DECISIONS))
        counted = step("count", count, kept, rows, read)
        if counted.rejected:
            with writing(as_path(out_dir) / REJECTS):
                step("rejects", write_rejects, kept, stage(REJECTS))
        summary = summary_of(counted, str(source), rows.format, policy, as_of)
        if rows.owners:
            with writing(as_path(out_dir) / FLAGGED):
                flagged = step("owners", write_flagged, kept, policy, as_of, stage(FLAGGED))
            summary = replace(summary, flagged_owners=flagged)
        if previous is not None:
            check_comparable(as_path(previous), policy)
            with writing(as_path(out_dir) / DIFF):
                diff = step(
                    "diff", write_diff, spark, previous / DECISIONS, staged[DECISIONS], stage(DIFF)
                )
            summary = replace(summary, diff=diff)
        summary = replace(summary, seconds={k: round(v, 3) for k, v in timings.items()})
        with writing(as_path(out_dir) / SUMMARY):
            stage(SUMMARY).write_text(summary.to_json())
        (out_dir / SUMMARY).unlink(missing_ok=True)
        for name in (DECISIONS, REJECTS, FLAGGED, DIFF):
            if name in staged:
                put_in_place(staged.pop(name), out_dir / name)
            else:
                remove_output(out_dir / name)
        put_in_place(staged.pop(SUMMARY), out_dir / SUMMARY)
        return Evaluation(as_path(out_dir), summary, timings)
    finally:
        for partial in staged.values():
            remove_output(partial)
        for frame in (kept, dups):
            if frame is not None:
                frame.unpersist()


def _source(snapshot_path: Where | None, table: str | None) -> Source:
    if table is not None:
        return Table(table)
    if snapshot_path is None:
        raise SnapshotError("give a snapshot file or folder, or a table")
    return snapshot_path


@contextmanager
def _reading(path: Source) -> Iterator[None]:
    """Spark's refusal of a snapshot's contents, said as the file's problem."""
    try:
        yield
    except PySparkException as exc:
        raise SnapshotError(f"{path}: cannot be read: {first_line(exc)}") from None

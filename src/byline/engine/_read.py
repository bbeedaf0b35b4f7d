"""Reading a snapshot and deciding it: one scan, streaming from the file, into ``_kept``.

The scan validates every row and keeps only the rejected rows and the rows that meet some
tier's threshold; no Python object per account.

Duplicated account ids are the one check that needs more than the row itself. Three ways:

- **In order, by column.** A Parquet snapshot whose row groups' statistics say the ids ascend
  (as an export by primary key does), with ids Arrow can compare (text, integers): DuckDB
  validates and decides on every other column, and ``engine._ids`` reads the ids alone, proving
  each present and greater than the one before, and hands over the kept rows' ids. Each column
  is read once, and the comparisons run in Arrow's kernels, not through ``lag``.
- **In order, in DuckDB.** Any other Parquet file with ascending statistics is scanned in as
  many streams as there are threads, each over a run of whole row groups plus the first row of
  the next run; a CSV or JSONL file in one stream. Each stream compares every id with the one
  read just before it (``lag``): when every id is greater than the one before, and the streams
  met where they joined, no id can appear twice, and the scan that decided has proved it.
- **By hashing.** Any other Parquet file, or a file where some id was not greater than the one
  before (either ordered check stops there), is checked by sorting the hashes of all ids and
  comparing neighbours (the few equal ones settled on the ids themselves) before a scan that
  decides.

The statistics only choose the way; the proof is made on the ids read.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from byline.domain.policy import Policy
from byline.engine._duplicates import find_duplicates, no_duplicates
from byline.engine._ids import comparable
from byline.engine._kept import decide_interesting_rows
from byline.engine._ordered import decide_by_column, decide_in_order, ordered_runs
from byline.engine._settings import EngineSettings
from byline.engine._snapshot import Snapshot, SnapshotError, first_line
from byline.engine._steps import Progress, Stepper


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """DuckDB's refusal of the file's contents (a CSV line it cannot parse, bytes that are not
    UTF-8, a damaged Parquet page), found anywhere in the reading, said as the file's problem.

    Only input errors: running out of memory or disk while reading is not the file's fault."""
    try:
        yield
    except duckdb.InvalidInputException as exc:
        raise SnapshotError(f"{path}: cannot be read: {first_line(exc)}") from None


def read_and_decide(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    settings: EngineSettings,
    progress: Progress | None,
    timings: dict[str, float],
) -> int:
    """Fill ``_kept`` with the rejected rows and the rows worth deciding; the rows read."""
    step = Stepper(con, progress, timings)
    runs = ordered_runs(con, snapshot, settings.duplicates)
    proved = False
    if runs is not None:
        if snapshot.format == "parquet" and comparable(snapshot.path, snapshot.row_groups):
            proved = step("decide", decide_by_column, snapshot, policy, as_of, step)
        else:
            proved = step("decide", decide_in_order, snapshot, policy, as_of, runs)
        if not proved:  # the order broke: hash after all
            timings["order check"] = timings.pop("decide")
    if proved:
        no_duplicates(con)
    else:
        step("duplicates", find_duplicates, snapshot)
        step("decide", decide_interesting_rows, snapshot, policy, as_of)
    return int(step("count", count_rows, snapshot))


def count_rows(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> int:
    row = con.execute(f"SELECT count(*) FROM ({snapshot.raw_sql})").fetchone()
    return int(row[0]) if row else 0

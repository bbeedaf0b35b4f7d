"""The two ways of deciding that also prove the ids unique by their order: by column (Arrow
reads the ids of a Parquet file alone) and in DuckDB (each stream compares every id with the one
before). Either gives up, leaving no ``_kept``, when some id is not greater than the one before."""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import duckdb

from byline.domain.policy import Policy
from byline.engine._compile import compile_decision
from byline.engine._ids import ascending_ids
from byline.engine._kept import create_kept
from byline.engine._settings import DuplicateCheck, threads
from byline.engine._snapshot import Snapshot
from byline.engine._sql import count
from byline.engine._steps import Stepper

_OUT_OF_ORDER = "byline: account ids out of order"  # how an ordered scan stops


class Run(NamedTuple):
    """Rows (1-based, inclusive) one stream reads in order; ``last`` None: to the file's end."""

    first: int
    last: int | None


def ordered_runs(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, check: DuplicateCheck
) -> list[Run] | None:
    """The runs to scan in order, one per thread; None: hash.

    Parquet: runs of whole row groups, so no two streams read the same row group (bar one
    row), holding about as many rows each; tried when the statistics say the ids ascend. CSV
    and JSONL: the whole file in one run (their row numbers are counted by one thread anyway),
    always tried: a file in no order stops the scan within its first rows.
    """
    if check == "hash":
        return None
    if snapshot.format != "parquet":
        return [Run(1, None)]
    groups = snapshot.row_groups
    total = sum(groups)
    if not total or (check == "auto" and not snapshot.ids_look_ordered):
        return None
    parts = max(1, min(threads(con), len(groups)))
    runs: list[Run] = []
    first, seen, cut = 1, 0, 1
    for n in groups:
        seen += n
        if seen >= first and seen * parts >= cut * total:  # this row group ends a run
            runs.append(Run(first, seen))
            first, cut = seen + 1, cut + 1
    if first <= total:
        runs.append(Run(first, total))
    return runs


# How much of ``decide_by_column``'s time DuckDB's scan takes (100M rows: 1.1 s of 3.5 s).
_SCAN_SHARE = 0.3


def decide_by_column(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    step: Stepper,
) -> bool:
    """``_kept`` as ``decide_interesting_rows`` makes it, each column read once.

    DuckDB validates and decides every row on every column but the id, keeping the rows worth
    keeping; Arrow then reads the ids alone (``engine._ids``) and, if they are all present and
    ascending, proves them unique and hands over the kept rows' ids. False, with no ``_kept``,
    when it cannot.
    """
    decision = compile_decision(policy, as_of, owners=snapshot.owners)
    wanted = f"NOT _good OR ({decision.keep})"
    step.share = _SCAN_SHARE
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _scan AS "
        f"SELECT * FROM ({snapshot.values_sql(ids=False)}) WHERE {wanted}"
    )
    try:
        rows = con.execute("SELECT _row FROM _scan ORDER BY _row").fetchnumpy()["_row"]
        step.done = _SCAN_SHARE

        def report(fraction: float) -> None:
            step.done = _SCAN_SHARE + (1 - _SCAN_SHARE) * fraction

        ids = ascending_ids(
            snapshot.path, snapshot.row_groups, rows.astype("int64"), threads(con), report
        )
        if ids is None:
            return False
        if ids.num_rows != len(rows):  # every kept row has its id, or nothing is decided
            raise RuntimeError(f"ids for {ids.num_rows:,} of {len(rows):,} kept rows")
        con.register("_scan_ids", ids)
        try:
            create_kept(
                con,
                "SELECT s.*, i.account_id FROM _scan s JOIN _scan_ids i USING (_row)",
                snapshot,
                decision,
                has_dups=False,
            )
        finally:
            con.unregister("_scan_ids")
        return True
    finally:
        con.execute("DROP TABLE _scan")


def decide_in_order(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    runs: list[Run],
) -> bool:
    """``_kept`` as ``decide_interesting_rows`` makes it, in one scan that also checks the order.

    True when every id was greater than the one before it in its run and each run's last id
    was less than the next run's first: then no id appears twice and ``_kept`` is final.
    False, with no ``_kept``, as soon as some id is not greater than the one before.
    """
    decision = compile_decision(policy, as_of, owners=snapshot.owners)
    scans = []
    for i, (first, last) in enumerate(runs):
        if last is None:  # the whole file
            values, in_run, run_end = snapshot.values_sql(), "true", "false"
        else:
            # Each run but the last reads one row more, the next run's first: comparing it
            # with this run's last id is what joins the runs.
            upto = last if i == len(runs) - 1 else last + 1
            values = snapshot.values_sql(snapshot.rows_between_sql(first, upto))
            in_run, run_end = f"_row <= {last}", f"_row = {upto}"
        # Each row read must come right after the row read before it (the first read, at the
        # run's first row), and its id must be greater than the one before: a missing or
        # empty id breaks the order too (hashing judges such files). The run's last row is
        # always kept, marked, so the run is known to have been read to its end. The first
        # row out of order stops the scan: nothing out of order is ever kept, and a file in
        # no order costs a few rows read, not a table of them.
        in_order = "_prev_row + 1 = _row AND _prev_id < account_id"
        wanted = f"NOT _good OR ({decision.keep})"
        scans.append(f"""
SELECT *, {in_run} AND ({wanted}) AS _keep, {run_end} AS _run_end, {i} AS _run FROM (
  SELECT v.*, lag(v.account_id, 1, '') OVER () AS _prev_id,
         lag(v._row, 1, {first - 1}) OVER () AS _prev_row
  FROM ({values}) v
) WHERE CASE WHEN {in_order} THEN {run_end} OR {wanted}
             ELSE error('{_OUT_OF_ORDER}')::BOOLEAN END""")
    try:
        # A table of its own: in one query with the filters of ``create_kept``, DuckDB would
        # be free to apply those first and never compare the rows they drop.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _scan AS {' UNION ALL '.join(scans)}")
    except duckdb.Error as exc:
        if _OUT_OF_ORDER not in str(exc):
            raise
        return False
    try:
        ended = count(con, "SELECT count(DISTINCT _run) FROM _scan WHERE _run_end")
        if ended != sum(run.last is not None for run in runs):  # a run not read to its end
            return False
        create_kept(con, "SELECT * FROM _scan WHERE _keep", snapshot, decision, has_dups=False)
        return True
    finally:
        con.execute("DROP TABLE _scan")

"""The bulk engine: decide every account of a snapshot on DuckDB, streaming from the file.

No Python object per account. One scan validates every row and keeps only what is worth keeping:
rejected rows and rows that meet some tier's threshold. Everything written is computed from that
small table.

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
import json
import os
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, NamedTuple, get_args

import duckdb

from byline.domain.policy import Policy
from byline.domain.vocabulary import Outcome
from byline.engine._compile import CompiledDecision, compile_decision
from byline.engine._diff import DiffError, write_diff
from byline.engine._ids import ascending_ids, comparable
from byline.engine._snapshot import Snapshot, SnapshotError, first_line, open_snapshot

Progress = Callable[[str, float], None]  # (step, fraction done of that step)

DECISIONS = "decisions.parquet"
SUMMARY = "summary.json"
REJECTS = "rejects.csv"
DIFF = "diff.parquet"
_OUT_OF_ORDER = "byline: account ids out of order"  # how an ordered scan stops


DuplicateCheck = Literal["auto", "order", "hash"]
_MEMORY = re.compile(r"\d+(\.\d+)?\s*([KMGT]i?B|B)", re.IGNORECASE)


class SettingError(ValueError):
    """An ``EngineSettings`` value that cannot be used: which field, and why."""

    def __init__(self, field_name: str, why: str) -> None:
        super().__init__(f"EngineSettings.{field_name}: {why}")
        self.field, self.why = field_name, why


@dataclass
class EngineSettings:
    """How DuckDB may use the machine. Spills to ``temp_directory`` past ``memory_limit``.

    ``duplicates`` picks how duplicated ids are found: ``auto`` tries the order on CSV and JSONL
    files and on a Parquet file whose statistics say its ids ascend, ``order`` tries it on any
    file, ``hash`` always hashes. Every choice finds the same duplicates; only the time differs.
    """

    memory_limit: str = "4GB"
    threads: int | None = None
    temp_directory: str | None = None
    duplicates: DuplicateCheck = "auto"

    def __post_init__(self) -> None:
        allowed = get_args(DuplicateCheck)
        if self.duplicates not in allowed:
            raise SettingError(
                "duplicates", f"{self.duplicates!r} is not one of {', '.join(allowed)}"
            )
        if not _MEMORY.fullmatch(self.memory_limit):
            raise SettingError(
                "memory_limit",
                f"{self.memory_limit!r} is not an amount of memory such as 4GB, 512MB or 2GiB",
            )
        if self.threads is not None and (
            isinstance(self.threads, bool) or not isinstance(self.threads, int) or self.threads < 1
        ):
            raise SettingError("threads", f"{self.threads!r} is not a whole number >= 1")


@dataclass
class Evaluation:
    """What one evaluation wrote and counted."""

    out_dir: Path
    summary: dict[str, Any]
    timings: dict[str, float] = field(default_factory=dict)


def connect(settings: EngineSettings | None = None) -> duckdb.DuckDBPyConnection:
    settings = settings or EngineSettings()
    # Insertion order is not kept: every output is sorted when written, and the ordered
    # streams run in parallel only when their rows may reach the table in any order.
    con = duckdb.connect(
        config={"memory_limit": settings.memory_limit, "preserve_insertion_order": False}
    )
    con.execute("SET enable_progress_bar = false")
    if settings.threads:
        con.execute(f"SET threads = {int(settings.threads)}")
    if settings.temp_directory:
        con.execute("SET temp_directory = ?", [settings.temp_directory])
    return con


def evaluate(
    snapshot_path: Path,
    policy: Policy,
    as_of: dt.date,
    out_dir: Path,
    *,
    previous: Path | None = None,
    fmt: str | None = None,
    progress: Progress | None = None,
    settings: EngineSettings | None = None,
) -> Evaluation:
    """Decide every account in ``snapshot_path`` and write decisions, rejects and a summary.

    Each output is written beside its final name (``NAME.partial``) and put in place only when
    all are whole, the summary last: a run that fails (a full disk, a kill) leaves the folder's
    earlier outputs as they were, or none, never a half-written file under an output's name.
    A file that cannot be written is an ``OutputError`` naming it and why."""
    out_dir.mkdir(parents=True, exist_ok=True)
    settings = settings or EngineSettings()
    con = connect(settings)
    timings: dict[str, float] = {}
    staged: dict[str, Path] = {}

    def stage(name: str) -> Path:
        staged[name] = out_dir / f"{name}.partial"
        return staged[name]

    try:
        with _reading(snapshot_path):
            snapshot = open_snapshot(con, snapshot_path, policy.metrics, fmt)
            read = _read_and_decide(con, snapshot, policy, as_of, settings, progress, timings)
        step = _Stepper(con, progress, timings)
        step("write", _write_outputs, policy, as_of, out_dir, stage)
        summary = _summarise(con, snapshot, policy, as_of, read)
        if previous is not None:
            _check_comparable(previous, policy)
            with _writing(out_dir / DIFF):
                summary["diff"] = step(
                    "diff", write_diff, previous / DECISIONS, staged[DECISIONS], stage(DIFF)
                )
        summary["seconds"] = {k: round(v, 3) for k, v in timings.items()}
        with _writing(out_dir / SUMMARY):
            stage(SUMMARY).write_text(json.dumps(summary, indent=2, sort_keys=True) + "\n")
        # Every output is whole: in place, the summary (which says the set is done) last. An
        # output this run did not write goes: one left from an earlier run would lie.
        (out_dir / SUMMARY).unlink(missing_ok=True)
        for name in (DECISIONS, REJECTS, DIFF):
            if name in staged:
                staged.pop(name).replace(out_dir / name)
            else:
                (out_dir / name).unlink(missing_ok=True)
        staged.pop(SUMMARY).replace(out_dir / SUMMARY)
        return Evaluation(out_dir, summary, timings)
    finally:
        for partial in staged.values():
            partial.unlink(missing_ok=True)
        con.close()


class OutputError(OSError):
    """An output that could not be written (a full disk, a file too large, no permission):
    which file, and why. Nothing half-written is left under its name."""


@contextmanager
def _writing(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written: {exc.strerror or exc}") from None
    except duckdb.IOException as exc:
        errno = re.search(r'"errno":"(\d+)"', str(exc))
        why = os.strerror(int(errno.group(1))) if errno else first_line(exc)
        raise OutputError(f"{path}: cannot be written: {why}") from None


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """DuckDB's refusal of the file's contents (a CSV line it cannot parse, bytes that are not
    UTF-8, a damaged Parquet page), found anywhere in the reading, said as the file's problem.

    Only input errors: running out of memory or disk while reading is not the file's fault."""
    try:
        yield
    except duckdb.InvalidInputException as exc:
        raise SnapshotError(f"{path}: cannot be read: {first_line(exc)}") from None


def _read_and_decide(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    settings: EngineSettings,
    progress: Progress | None,
    timings: dict[str, float],
) -> int:
    """Fill ``_kept`` with the rejected rows and the rows worth deciding; the rows read."""
    step = _Stepper(con, progress, timings)
    runs = _ordered_runs(con, snapshot, settings.duplicates)
    proved = False
    if runs is not None:
        if snapshot.format == "parquet" and comparable(snapshot.path, snapshot.row_groups):
            proved = step("decide", _decide_by_column, snapshot, policy, as_of, step)
        else:
            proved = step("decide", _decide_in_order, snapshot, policy, as_of, runs)
        if not proved:  # the order broke: hash after all
            timings["order check"] = timings.pop("decide")
    if proved:
        _no_duplicates(con)
    else:
        step("duplicates", _find_duplicates, snapshot)
        step("decide", _decide_interesting_rows, snapshot, policy, as_of)
    return int(step("count", _count_rows, snapshot))


def _check_comparable(previous: Path, policy: Policy) -> None:
    summary = previous / SUMMARY
    if summary.is_file():
        earlier = json.loads(summary.read_text()).get("policy_id")
        if earlier and earlier != policy.id:
            raise DiffError(
                f"{previous}: evaluated under policy {earlier!r}, not {policy.id!r};"
                " a diff between different policies would mislead"
            )


class _Stepper:
    """Runs one engine step, timing it and reporting DuckDB's progress while it runs."""

    def __init__(
        self, con: duckdb.DuckDBPyConnection, progress: Progress | None, timings: dict[str, float]
    ) -> None:
        self.con, self.progress, self.timings = con, progress, timings
        # A step of several parts says which share of it, from its start, DuckDB's query is
        # (``share``), or how far its own work has come (``done``); the watcher reports that.
        self.share = 1.0
        self.done: float | None = None

    def __call__(self, name: str, fn: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        done = threading.Event()
        watcher = None
        self.share, self.done = 1.0, None
        if self.progress is not None:
            report = self.progress
            report(name, 0.0)

            def watch() -> None:
                while not done.wait(0.2):
                    if self.done is not None:
                        report(name, min(self.done, 1.0))
                        continue
                    fraction = self.con.query_progress()
                    if fraction >= 0:
                        report(name, self.share * min(fraction / 100.0, 1.0))

            watcher = threading.Thread(target=watch, daemon=True)
            watcher.start()
        try:
            return fn(self.con, *args)
        finally:
            done.set()
            if watcher is not None:
                watcher.join()
                self.progress(name, 1.0)  # type: ignore[misc]
            self.timings[name] = time.perf_counter() - started


class Run(NamedTuple):
    """Rows (1-based, inclusive) one stream reads in order; ``last`` None: to the file's end."""

    first: int
    last: int | None


def _ordered_runs(
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
    parts = max(1, min(_threads(con), len(groups)))
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


def _threads(con: duckdb.DuckDBPyConnection) -> int:
    return int(con.execute("SELECT current_setting('threads')").fetchall()[0][0])


# How much of ``_decide_by_column``'s time DuckDB's scan takes (100M rows: 1.1 s of 3.5 s).
_SCAN_SHARE = 0.3


def _decide_by_column(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    step: _Stepper,
) -> bool:
    """``_kept`` as ``_decide_interesting_rows`` makes it, each column read once.

    DuckDB validates and decides every row on every column but the id, keeping the rows worth
    keeping; Arrow then reads the ids alone (``engine._ids``) and, if they are all present and
    ascending, proves them unique and hands over the kept rows' ids. False, with no ``_kept``,
    when it cannot.
    """
    decision = compile_decision(policy, as_of)
    wanted = f"NOT _good OR ({decision.met_any})"
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
            snapshot.path, snapshot.row_groups, rows.astype("int64"), _threads(con), report
        )
        if ids is None:
            return False
        if ids.num_rows != len(rows):  # every kept row has its id, or nothing is decided
            raise RuntimeError(f"ids for {ids.num_rows:,} of {len(rows):,} kept rows")
        con.register("_scan_ids", ids)
        try:
            _create_kept(
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


def _decide_in_order(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    runs: list[Run],
) -> bool:
    """``_kept`` as ``_decide_interesting_rows`` makes it, in one scan that also checks the order.

    True when every id was greater than the one before it in its run and each run's last id
    was less than the next run's first: then no id appears twice and ``_kept`` is final.
    False, with no ``_kept``, as soon as some id is not greater than the one before.
    """
    decision = compile_decision(policy, as_of)
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
        wanted = f"NOT _good OR ({decision.met_any})"
        scans.append(f"""
SELECT *, {in_run} AND ({wanted}) AS _keep, {run_end} AS _run_end, {i} AS _run FROM (
  SELECT v.*, lag(v.account_id, 1, '') OVER () AS _prev_id,
         lag(v._row, 1, {first - 1}) OVER () AS _prev_row
  FROM ({values}) v
) WHERE CASE WHEN {in_order} THEN {run_end} OR {wanted}
             ELSE error('{_OUT_OF_ORDER}')::BOOLEAN END""")
    try:
        # A table of its own: in one query with the filters of ``_create_kept``, DuckDB would
        # be free to apply those first and never compare the rows they drop.
        con.execute(f"CREATE OR REPLACE TEMP TABLE _scan AS {' UNION ALL '.join(scans)}")
    except duckdb.Error as exc:
        if _OUT_OF_ORDER not in str(exc):
            raise
        return False
    try:
        ended = _count(con, "SELECT count(DISTINCT _run) FROM _scan WHERE _run_end")
        if ended != sum(run.last is not None for run in runs):  # a run not read to its end
            return False
        _create_kept(con, "SELECT * FROM _scan WHERE _keep", snapshot, decision, has_dups=False)
        return True
    finally:
        con.execute("DROP TABLE _scan")


def _no_duplicates(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("CREATE OR REPLACE TEMP TABLE _dups (dup_id VARCHAR, rows BIGINT[])")


def _has_duplicates(con: duckdb.DuckDBPyConnection) -> bool:
    return _count(con, "SELECT count(*) FROM _dups") > 0


def _count(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    return int(row[0]) if row else 0


def _find_duplicates(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> None:
    """``_dups``: every account id that appears on more than one row, with those rows."""
    ident = snapshot.id_sql()
    # Sorting the hashes and comparing neighbours costs about 60% of aggregating them into a
    # table of every id (100M ids: 6.5 s against 10.5 s, and less memory).
    con.execute(
        "CREATE OR REPLACE TEMP TABLE _dup_hashes AS SELECT DISTINCT h FROM ("
        "  SELECT h, lag(h) OVER (ORDER BY h) AS before FROM ("
        f"    SELECT hash({ident}) AS h FROM ({snapshot.raw_sql}) WHERE {ident} <> '')"
        ") WHERE h = before"
    )
    candidates = con.execute("SELECT count(*) FROM _dup_hashes").fetchone()
    if not candidates or candidates[0] == 0:
        _no_duplicates(con)
        return
    # Equal hashes may still be different ids: settle it on the ids themselves.
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE _dups AS SELECT {ident} AS dup_id, "
        f"list(_row ORDER BY _row) AS rows FROM ({snapshot.raw_sql}) "
        f"WHERE hash({ident}) IN (SELECT h FROM _dup_hashes) GROUP BY 1 HAVING count(*) > 1"
    )


def _decide_interesting_rows(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, policy: Policy, as_of: dt.date
) -> None:
    """``_kept``: rejected rows with their reasons, and decided rows that meet a threshold.

    The filter uses only the cheap ``_good`` test and the thresholds, so messages and decisions
    are worked out for the few rows kept, not for every row read.
    """
    decision = compile_decision(policy, as_of)
    _create_kept(con, snapshot.values_sql(), snapshot, decision, _has_duplicates(con))


def _create_kept(
    con: duckdb.DuckDBPyConnection,
    rows_sql: str,
    snapshot: Snapshot,
    decision: CompiledDecision,
    has_dups: bool,
) -> None:
    """``_kept`` from ``rows_sql`` (rows shaped as ``Snapshot.values_sql`` makes them)."""
    # Joined only when there are duplicates: the common case pays nothing for the check.
    dup_join = "LEFT JOIN _dups d ON d.dup_id = v.account_id" if has_dups else ""
    accepted = "v._good AND d.rows IS NULL" if has_dups else "v._good"
    dup_problem = (
        "CASE WHEN d.rows IS NOT NULL THEN 'account_id: duplicate (rows ' || "
        "array_to_string(list_slice(d.rows, 1, 5), ', ') || "
        "CASE WHEN len(d.rows) > 5 THEN ', ...' ELSE '' END || ')' END"
        if has_dups
        else "NULL"
    )
    metrics = "".join(f", {m}" for m in snapshot.metrics)
    con.execute(f"""
CREATE OR REPLACE TEMP TABLE _kept AS
SELECT _row, account_id, kind, category{metrics}, accepted,
       CASE WHEN NOT accepted THEN reject_reason END AS reject_reason,
       CASE WHEN accepted THEN {decision.outcome} END AS outcome,
       CASE WHEN accepted THEN {decision.tier} END AS tier,
       CASE WHEN accepted THEN {decision.reasons} END AS reasons
FROM (
  SELECT v._row, v.account_id, v.kind, v.category{"".join(f", v.{m}" for m in snapshot.metrics)},
         {accepted} AS accepted,
         concat_ws('; ', {dup_problem}, {snapshot.problems_sql()}) AS reject_reason
  FROM ({rows_sql}) v {dup_join}
  WHERE NOT ({accepted}) OR ({decision.met_any})
)""")


def _count_rows(con: duckdb.DuckDBPyConnection, snapshot: Snapshot) -> int:
    row = con.execute(f"SELECT count(*) FROM ({snapshot.raw_sql})").fetchone()
    return int(row[0]) if row else 0


def _write_outputs(
    con: duckdb.DuckDBPyConnection,
    policy: Policy,
    as_of: dt.date,
    out_dir: Path,
    stage: Callable[[str], Path],
) -> None:
    metrics = ", ".join(policy.metrics)
    with _writing(out_dir / DECISIONS):
        con.execute(
            f"""
COPY (
  SELECT account_id, outcome = '{Outcome.REQUIRED.value}' AS required, tier, reasons,
         outcome, kind, category, {metrics},
         ? AS policy_id, ? AS policy_version, ?::DATE AS as_of
  FROM _kept WHERE accepted ORDER BY account_id
) TO '{_path(stage(DECISIONS))}' (FORMAT parquet, COMPRESSION zstd)""",
            [policy.id, policy.version, as_of],
        )
    rejected = (con.execute("SELECT count(*) FROM _kept WHERE NOT accepted").fetchone() or (0,))[0]
    if rejected:
        with _writing(out_dir / REJECTS):
            con.execute(f"""
COPY (SELECT _row AS row, account_id, reject_reason AS reason FROM _kept
      WHERE NOT accepted ORDER BY _row) TO '{_path(stage(REJECTS))}' (HEADER, DELIMITER ',')""")


def _summarise(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, policy: Policy, as_of: dt.date, read: int
) -> dict[str, Any]:
    def grouped(sql: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in con.execute(sql).fetchall()}

    rejected = grouped("SELECT 'n', count(*) FROM _kept WHERE NOT accepted").get("n", 0)
    accepted = read - rejected
    by_outcome = grouped("SELECT outcome, count(*) FROM _kept WHERE accepted GROUP BY 1")
    reported = sum(by_outcome.values())
    by_outcome[Outcome.BELOW_THRESHOLD.value] = accepted - reported
    by_tier = grouped("SELECT tier, count(*) FROM _kept WHERE tier IS NOT NULL GROUP BY 1")
    by_category: dict[str, dict[str, int]] = {}
    for category, outcome, n in con.execute(
        "SELECT category, outcome, count(*) FROM _kept WHERE accepted GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall():
        by_category.setdefault(category, {})[outcome] = int(n)
    return {
        "snapshot": str(snapshot.path),
        "format": snapshot.format,
        "policy_id": policy.id,
        "policy_version": policy.version,
        "as_of": as_of.isoformat(),
        "read": read,
        "accepted": accepted,
        "rejected": rejected,
        "decided": accepted,
        "required": by_outcome.get(Outcome.REQUIRED.value, 0),
        "reported": reported,
        "by_outcome": {o.value: by_outcome.get(o.value, 0) for o in Outcome},
        "by_tier": {t.id: by_tier.get(t.id, 0) for t in policy.tiers},
        "by_category": by_category,
        "rejected_by_field": grouped(
            "SELECT split_part(unnest(string_split(reject_reason, '; ')), ':', 1) AS f, count(*) "
            "FROM _kept WHERE NOT accepted GROUP BY 1 ORDER BY 1"
        ),
    }


def _path(path: Path) -> str:
    return str(path).replace("'", "''")

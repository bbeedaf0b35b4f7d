"""The bulk engine: decide every account of a snapshot on DuckDB, streaming from the file.

No Python object per account. One scan validates every row and keeps only what is worth keeping:
rejected rows and rows that meet some tier's threshold (``engine._read``, which says how duplicated
ids are found). Everything written is computed from that small table (``engine._outputs``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

from duckdb import DuckDBPyConnection

from byline.domain.policy import Policy
from byline.engine._diff import write_diff
from byline.engine._outputs import (
    DECISIONS,
    DIFF,
    REJECTS,
    SUMMARY,
    check_comparable,
    put_in_place,
    remove_output,
    summarise,
    write_outputs,
    writing,
)
from byline.engine._owners import FLAGGED, flag_owners
from byline.engine._read import read_and_decide, reading
from byline.engine._settings import EngineSettings, connect
from byline.engine._snapshot import Snapshot, SnapshotError, open_snapshot
from byline.engine._steps import Progress, Stepper
from byline.engine._summary import EvaluationSummary


@dataclass
class Evaluation:
    """What one evaluation wrote and counted."""

    out_dir: Path
    summary: EvaluationSummary
    timings: dict[str, float] = field(default_factory=dict)


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
        with reading(snapshot_path):
            snapshot = _open(con, snapshot_path, policy, fmt)
            read = read_and_decide(con, snapshot, policy, as_of, settings, progress, timings)
        step = Stepper(con, progress, timings)
        step("write", write_outputs, snapshot, policy, as_of, out_dir, stage)
        flagged = None  # a snapshot without owners cannot say
        if snapshot.owners:
            flagged = step("owners", flag_owners, snapshot, policy, as_of, out_dir, stage)
        summary = replace(summarise(con, snapshot, policy, as_of, read), flagged_owners=flagged)
        if previous is not None:
            check_comparable(previous, policy)
            with writing(out_dir / DIFF):
                diff = step(
                    "diff", write_diff, previous / DECISIONS, staged[DECISIONS], stage(DIFF)
                )
                summary = replace(summary, diff=diff)
        summary = replace(summary, seconds={k: round(v, 3) for k, v in timings.items()})
        with writing(out_dir / SUMMARY):
            stage(SUMMARY).write_text(summary.to_json())
        # Every output is whole: in place, the summary (which says the set is done) last. An
        # output this run did not write goes: one left from an earlier run would lie.
        (out_dir / SUMMARY).unlink(missing_ok=True)
        for name in (DECISIONS, REJECTS, FLAGGED, DIFF):
            if name in staged:
                put_in_place(staged.pop(name), out_dir / name)
            else:
                remove_output(out_dir / name)
        staged.pop(SUMMARY).replace(out_dir / SUMMARY)
        return Evaluation(out_dir, summary, timings)
    finally:
        for partial in staged.values():
            partial.unlink(missing_ok=True)
        con.close()


def _open(con: DuckDBPyConnection, path: Path, policy: Policy, fmt: str | None) -> Snapshot:
    """The snapshot with the policy's metrics, and with ``owner_ref`` and the owner metrics
    (``owner_followers``) when it has them: required under ``judge = "owner"``, otherwise read
    only to flag owners (a snapshot without them is evaluated as before, and flags none)."""
    owner = tuple(m for m in policy.owner_metrics if m not in policy.metrics)
    try:
        return open_snapshot(
            con, path, policy.metrics, fmt, ("owner_ref",), owner, policy.judges_owners
        )
    except SnapshotError as exc:
        without_owners(exc, policy)
    return open_snapshot(con, path, policy.metrics, fmt)


def without_owners(exc: SnapshotError, policy: Policy) -> None:
    """Return when a snapshot missing the owner columns is read without them (every engine
    tries with them first); otherwise raise: another problem, or a policy that needs them."""
    if "missing required column" not in str(exc):
        raise exc
    if policy.judges_owners:
        raise SnapshotError(
            f"{exc}; policy {policy.id!r} judges linked accounts by their owner "
            f"([linked_accounts] judge = 'owner'), which needs owner_ref and "
            f"{', '.join(policy.owner_metrics)} (byline count --owners --accounts fills them)"
        ) from None

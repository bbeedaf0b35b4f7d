"""What an evaluation writes: the decisions, the rejected rows and the summary, each file's
failure said as that file's; and the check that a previous evaluation may be compared."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb

from byline.domain.policy import Policy
from byline.domain.vocabulary import Outcome
from byline.engine import _reasons as why
from byline.engine._diff import DiffError
from byline.engine._snapshot import Snapshot, first_line
from byline.engine._sql import sql_path
from byline.engine._summary import EvaluationSummary

DECISIONS = "decisions.parquet"


SUMMARY = "summary.json"


REJECTS = "rejects.csv"


DIFF = "diff.parquet"


class OutputError(OSError):
    """An output that could not be written (a full disk, a file too large, no permission):
    which file, and why. Nothing half-written is left under its name."""


@contextmanager
def writing(path: Path) -> Iterator[None]:
    try:
        yield
    except OSError as exc:
        raise OutputError(f"{path}: cannot be written: {exc.strerror or exc}") from None
    except duckdb.IOException as exc:
        errno = re.search(r'"errno":"(\d+)"', str(exc))
        why = os.strerror(int(errno.group(1))) if errno else first_line(exc)
        raise OutputError(f"{path}: cannot be written: {why}") from None


def write_outputs(
    con: duckdb.DuckDBPyConnection,
    snapshot: Snapshot,
    policy: Policy,
    as_of: dt.date,
    out_dir: Path,
    stage: Callable[[str], Path],
) -> None:
    # The policy's metrics, then (when the snapshot has them) the owner's: what was judged.
    metrics = ", ".join(snapshot.carried)
    with writing(out_dir / DECISIONS):
        con.execute(
            f"""
COPY (
  SELECT account_id, outcome = '{Outcome.REQUIRED.value}' AS required, tier, reasons,
         outcome, kind, category, {metrics},
         ? AS policy_id, ? AS policy_version, ?::DATE AS as_of
  FROM _kept WHERE reported ORDER BY account_id
) TO '{sql_path(stage(DECISIONS))}' (FORMAT parquet, COMPRESSION zstd)""",
            [policy.id, policy.version, as_of],
        )
    rejected = (con.execute("SELECT count(*) FROM _kept WHERE NOT accepted").fetchone() or (0,))[0]
    if rejected:
        with writing(out_dir / REJECTS):
            con.execute(f"""
COPY (SELECT _row AS row, account_id, reject_reason AS reason FROM _kept
      WHERE NOT accepted ORDER BY _row) TO '{sql_path(stage(REJECTS))}' (HEADER, DELIMITER ',')""")


def summarise(
    con: duckdb.DuckDBPyConnection, snapshot: Snapshot, policy: Policy, as_of: dt.date, read: int
) -> EvaluationSummary:
    """The counts of the kept table (no diff, no timings yet)."""

    def grouped(sql: str) -> dict[str, int]:
        return {str(k): int(v) for k, v in con.execute(sql).fetchall()}

    by_category: dict[str, dict[str, int]] = {}
    for category, outcome, n in con.execute(
        "SELECT category, outcome, count(*) FROM _kept WHERE reported GROUP BY 1, 2 ORDER BY 1, 2"
    ).fetchall():
        by_category.setdefault(category, {})[outcome] = int(n)
    return summary_of(
        Counted(
            read=read,
            rejected=grouped("SELECT 'n', count(*) FROM _kept WHERE NOT accepted").get("n", 0),
            reported=grouped("SELECT outcome, count(*) FROM _kept WHERE reported GROUP BY 1"),
            by_tier=grouped("SELECT tier, count(*) FROM _kept WHERE tier IS NOT NULL GROUP BY 1"),
            by_category=by_category,
            rejected_by_field=grouped(
                f"SELECT split_part(unnest(string_split(reject_reason, '{why.SEPARATOR}')), ':', 1)"
                " AS f, count(*) FROM _kept WHERE NOT accepted GROUP BY 1 ORDER BY 1"
            ),
        ),
        str(snapshot.path),
        snapshot.format,
        policy,
        as_of,
    )


@dataclass(frozen=True)
class Counted:
    """What an engine counted of one evaluation, before it is a summary: rows read and
    rejected; reported rows by outcome, by tier (the required ones) and by category and outcome;
    rejected rows by the field each problem names."""

    read: int
    rejected: int
    reported: Mapping[str, int]
    by_tier: Mapping[str, int]
    by_category: Mapping[str, Mapping[str, int]]
    rejected_by_field: Mapping[str, int]


def summary_of(
    counted: Counted, snapshot: str, fmt: str, policy: Policy, as_of: dt.date
) -> EvaluationSummary:
    """The summary every engine writes from its counts (no diff, no timings yet): every outcome
    and tier named, the accounts below every threshold the accepted ones not reported."""
    accepted = counted.read - counted.rejected
    by_outcome = dict(counted.reported)
    reported = sum(by_outcome.values())
    by_outcome[Outcome.BELOW_THRESHOLD.value] = accepted - reported
    return EvaluationSummary(
        snapshot=snapshot,
        format=fmt,
        policy_id=policy.id,
        policy_version=policy.version,
        as_of=as_of,
        read=counted.read,
        accepted=accepted,
        rejected=counted.rejected,
        decided=accepted,
        required=by_outcome.get(Outcome.REQUIRED.value, 0),
        reported=reported,
        by_outcome={o.value: by_outcome.get(o.value, 0) for o in Outcome},
        by_tier={t.id: counted.by_tier.get(t.id, 0) for t in policy.tiers},
        by_category={k: dict(v) for k, v in sorted(counted.by_category.items())},
        rejected_by_field=dict(sorted(counted.rejected_by_field.items())),
    )


def check_comparable(previous: Path, policy: Policy) -> None:
    summary = previous / SUMMARY
    if summary.is_file():
        earlier = json.loads(summary.read_text()).get("policy_id")
        if earlier and earlier != policy.id:
            raise DiffError(
                f"{previous}: evaluated under policy {earlier!r}, not {policy.id!r};"
                " a diff between different policies would mislead"
            )


def remove_output(path: Path) -> None:
    """An output gone, whether a file (the embedded engine's) or a folder of part files
    (Spark's)."""
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


def put_in_place(staged: Path, final: Path) -> None:
    """A whole output (file or folder) moved to its name, replacing what was there."""
    if staged.is_dir() or final.is_dir():  # a file over a file is replaced in one step
        remove_output(final)
    staged.replace(final)

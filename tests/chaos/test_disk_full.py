"""A disk that fills during an export: `byline evaluate` and `byline cycle --keep` run with a
file-size limit (RLIMIT_FSIZE; SIGXFSZ ignored, so a write fails with EFBIG as on a full
disk). Each exits non-zero with one line naming the file and why, no traceback; no output is
left half-written under its name (an earlier complete set stays as it was); and a cycle whose
export fails has moved no case, so a re-run with room reaches the whole end state."""

from __future__ import annotations

import json
import resource
import signal
from collections.abc import Callable
from pathlib import Path

from byline.engine import DECISIONS, SUMMARY
from support.chaos import (
    cycle_args,
    cycle_snapshot,
    end_state,
    ok,
    one_clear_line,
    run_byline,
)
from support.postgres import scratch_database

LIMIT = 2000  # bytes a file may grow to: less than the decisions of the snapshot below
REQUIRED = 300


def file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def evaluate_args(snapshot: Path, out: Path) -> list[str]:
    return ["evaluate", str(snapshot), "-p", "weibo", "--as-of", "2023-10-16", "-o", str(out)]


def test_evaluate_on_a_full_disk_fails_cleanly(tmp_path: Path) -> None:
    snapshot = cycle_snapshot(tmp_path / "snapshot.parquet", required=REQUIRED, small=10)
    out = tmp_path / "out"
    failed = run_byline(
        *evaluate_args(snapshot, out), cwd=tmp_path, preexec_fn=file_size_limit(LIMIT)
    )
    assert failed.returncode != 0
    line = one_clear_line(failed.stderr)
    assert str(out / DECISIONS) in line and "File too large" in line, line
    assert sorted(p.name for p in out.iterdir()) == []  # nothing that looks like an output

    # An earlier, complete evaluation in the folder is left whole by a run that fails.
    ok(run_byline(*evaluate_args(snapshot, out), cwd=tmp_path))
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    again = run_byline(
        *evaluate_args(snapshot, out), cwd=tmp_path, preexec_fn=file_size_limit(LIMIT)
    )
    assert again.returncode != 0
    one_clear_line(again.stderr)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert json.loads(before[SUMMARY])["required"] == REQUIRED


def test_cycle_whose_export_fails_moves_nothing(postgres_url: str, tmp_path: Path) -> None:
    # PostgreSQL: the database's own files are the server's, not under this process's limit.
    snapshot = cycle_snapshot(tmp_path / "snapshot.parquet", required=REQUIRED, small=10)
    keep = tmp_path / "kept"
    with scratch_database(postgres_url.rsplit("/", 1)[0] + "/postgres") as db_url:
        args = cycle_args(db_url, snapshot, "--keep", str(keep))
        failed = run_byline(*args, cwd=tmp_path, preexec_fn=file_size_limit(LIMIT))
        assert failed.returncode != 0
        line = one_clear_line(failed.stderr)
        assert DECISIONS in line and "File too large" in line, line
        half = end_state(db_url)
        assert half["chain_ok"]
        assert half["cases"] == [] and not half["messages"]  # not half-moved: not moved at all
        assert not [p for p in keep.rglob("*") if p.is_file()]

        ok(run_byline(*args, cwd=tmp_path))
        whole = end_state(db_url)
        assert whole["chain_ok"] and len(whole["cases"]) == REQUIRED
        assert whole["actions"]["case:notified"] == REQUIRED
        assert whole["actions"]["cycle:started"] == whole["actions"]["cycle:finished"] == 1
        assert max(whole["messages"].values()) == 1
        kept = [p.name for p in keep.rglob("*") if p.is_file()]
        assert sorted(kept) == [DECISIONS, SUMMARY]

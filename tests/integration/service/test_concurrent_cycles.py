"""The same cycle started twice at once (issue #12), on SQLite and PostgreSQL: one run does the
work; the other is refused with a clear error (never a raw database error), and
``cycle:started`` and ``cycle:finished`` are each audited once."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from byline import audit
from byline.audit._tables import audit_log
from byline.service.cycle import CycleReport, CycleRunning, run_cycle
from byline.service.wiring import open_database
from byline.store import Database
from support.postgres import scratch_database

from factories import write_snapshot

BYLINE = str(Path(sys.executable).parent / "byline")
AS_OF = dt.date(2023, 10, 16)


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'byline.db'}"
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as url:
        yield url


def snapshot(tmp_path: Path) -> Path:
    rows = [
        {
            "account_id": f"acct-{i:04d}",
            "kind": "individual",
            "category": "finance",
            "followers": 1_000_000 + i,
        }
        for i in range(300)
    ]
    return write_snapshot(tmp_path / "s.parquet", rows)


def cycle_actions(url: str) -> Counter[str]:
    db = Database.from_url(url)
    try:
        with db.reading() as conn:
            assert audit.verify(conn).ok
            return Counter(r.action for r in conn.execute(select(audit_log)))
    finally:
        db.dispose()


def test_a_second_run_while_the_first_runs_is_refused(db_url: str, tmp_path: Path) -> None:
    snap = snapshot(tmp_path)
    first_db, second_db = open_database(db_url), open_database(db_url)
    first_running, second_tried = threading.Event(), threading.Event()
    outcome: dict[str, object] = {}

    def pause(step: str) -> None:
        if step == "evaluate":  # the cycle is claimed, its work not yet done
            first_running.set()
            assert second_tried.wait(30)

    def first() -> None:
        try:
            outcome["first"] = run_cycle(first_db, snap, "weibo", AS_OF, on_step=pause)
        except Exception as exc:  # reported below
            outcome["first"] = exc

    thread = threading.Thread(target=first)
    thread.start()
    try:
        assert first_running.wait(30)
        with pytest.raises(CycleRunning) as refused:
            run_cycle(second_db, snap, "weibo", AS_OF)
    finally:
        second_tried.set()
        thread.join(60)
    report = outcome["first"]
    assert isinstance(report, CycleReport) and not report.already_done, report
    assert str(refused.value) == (
        f"cycle {report.cycle_id} is running elsewhere; it was not started again here"
        " (once that run ends, running it again reports it done)"
    )
    assert refused.value.code == "cycle_running"
    again = run_cycle(second_db, snap, "weibo", AS_OF)
    assert again.already_done and again.cycle_id == report.cycle_id
    first_db.dispose()
    second_db.dispose()
    actions = cycle_actions(db_url)
    assert actions["cycle:started"] == actions["cycle:finished"] == 1
    assert actions["case:opened"] == 300


def test_two_processes_started_together(db_url: str, tmp_path: Path) -> None:
    snap = snapshot(tmp_path)
    command = [
        BYLINE, "cycle", "--db", db_url, "--snapshot", str(snap), "--policy", "weibo",
        "--as-of", AS_OF.isoformat(), "--transaction-size", "10",
    ]  # fmt: skip
    # Make the database first, so that neither process is the one that creates it.
    subprocess.run([BYLINE, "db", "upgrade", "--db", db_url], check=True, capture_output=True)
    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    results = [(p.wait(120), *p.communicate()) for p in processes]
    for code, _, err in results:
        assert "Traceback" not in err and "UniqueViolation" not in err, err
        if code != 0:  # the one that came second while the first still ran
            assert code == 1 and "is running elsewhere; it was not started again here" in err
    assert any(code == 0 for code, _, _ in results), results
    done = subprocess.run(command, capture_output=True, text=True, check=True)
    assert "already" in done.stdout.lower() or "already" in done.stderr.lower(), done
    actions = cycle_actions(db_url)
    assert actions["cycle:started"] == actions["cycle:finished"] == 1
    assert actions["case:opened"] == actions["case:notified"] == 300

"""Crash safety: a real `byline cycle` process killed at random moments and run again reaches
the same end state as an uninterrupted run: no notice lost, none sent twice."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from byline import audit, cases, outbox
from byline.store import Database
from support.postgres import scratch_database

from factories import write_snapshot

BYLINE = str(Path(sys.executable).parent / "byline")
ACCOUNTS = 1500


def big_snapshot(path: Path) -> Path:
    rows = [
        {
            "account_id": f"acct-{i:05d}",
            "kind": "individual",
            "category": "finance",
            "followers": 1_000_000 + i * 997,
        }
        for i in range(ACCOUNTS)
    ]
    rows += [
        {
            "account_id": f"small-{i:05d}",
            "kind": "individual",
            "category": "finance",
            "followers": i,
        }
        for i in range(2000)
    ]
    return write_snapshot(path, rows)


def cycle_command(db_url: str, snapshot: Path) -> list[str]:
    return [
        BYLINE,
        "cycle",
        "--db",
        db_url,
        "--snapshot",
        str(snapshot),
        "--policy",
        "weibo",
        "--as-of",
        "2023-10-16",
        "--transaction-size",
        "10",
        "--json",
    ]


def end_state(db_url: str) -> dict[str, Any]:
    db = Database.from_url(db_url)
    try:
        with db.reading() as conn:
            case_rows = sorted(
                (r.account_id, r.state, r.tier, str(r.deadline))
                for r in conn.execute(select(cases.cases))
            )
            messages = Counter(
                (r.topic, r.account_id, r.payload.get("template"))
                for r in conn.execute(select(outbox.outbox))
            )
            actions = Counter(r.action for r in conn.execute(select(audit.audit_log)))
            chain = audit.verify(conn)
    finally:
        db.dispose()
    return {"cases": case_rows, "messages": messages, "actions": actions, "chain_ok": chain.ok}


def run_to_completion(db_url: str, snapshot: Path) -> None:
    done = subprocess.run(
        cycle_command(db_url, snapshot), capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def crash_then_finish(db_url: str, snapshot: Path, seed: int) -> int:
    """Kill the cycle at random moments until one run completes; return the number of kills."""
    rng = random.Random(seed)
    kills = 0
    for _ in range(12):
        proc = subprocess.Popen(
            cycle_command(db_url, snapshot),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        time.sleep(rng.uniform(0.3, 2.5))
        if proc.poll() is not None:
            break
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        kills += 1
    run_to_completion(db_url, snapshot)
    return kills


@pytest.fixture(params=["sqlite", "postgresql"])
def two_databases(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ref.db'}", f"sqlite:///{tmp_path / 'crashed.db'}"
        return
    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0] + "/postgres"
    with scratch_database(admin) as ref, scratch_database(admin) as crashed:
        yield ref, crashed


def test_killed_cycle_reaches_the_same_end_state(
    two_databases: tuple[str, str], tmp_path: Path
) -> None:
    reference_url, crashed_url = two_databases
    snapshot = big_snapshot(tmp_path / "snapshot.parquet")
    run_to_completion(reference_url, snapshot)
    kills = crash_then_finish(crashed_url, snapshot, seed=7)
    assert kills >= 1, "the cycle finished before it could be killed; make it longer"
    reference, crashed = end_state(reference_url), end_state(crashed_url)
    assert crashed["chain_ok"] and reference["chain_ok"]
    assert len(reference["cases"]) == ACCOUNTS
    assert crashed["cases"] == reference["cases"]
    # every notice exactly once: none lost, none twice
    assert crashed["messages"] == reference["messages"]
    assert max(crashed["messages"].values()) == 1
    for action in ("case:opened", "case:notified"):
        assert crashed["actions"][action] == reference["actions"][action] == ACCOUNTS

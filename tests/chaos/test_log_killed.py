"""Crash safety of the public log: a process approving names (each approval puts a label up and
appends a ``disclosed`` entry in the same transaction) and then running cycles in which some of
those accounts fall below the floor (each label taken down appends a ``label_withdrawn`` entry)
is SIGKILLed at random moments and run again. The log it leaves must hold exactly its changes: the
same entries as an uninterrupted run, none twice, every entry's audit change present, every live
label's last entry ``disclosed`` and every other's not; and ``byline log verify`` accepts it.
Per seed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import random
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from byline.audit._tables import audit_log
from byline.cases import _tables as case_tables
from byline.domain.cases import CaseState
from byline.service.cycle import run_cycle
from byline.service.programme import Actor
from byline.service.wiring import open_programme
from byline.store import Database
from byline.translog._tables import log_entries
from support.chaos import byline_env, kill_at_random, ok, run_byline
from support.postgres import scratch_database

from factories import write_snapshot

DRIVER = Path(__file__).parents[1] / "support" / "log_driver.py"
ACCOUNTS, FALLEN = 120, 40  # accounts disclosed; of them, the ones that fall below the floor
OPENED = dt.date(2023, 10, 16)
# below the floor, seen past the policy's hold after a notice, then for longer than it waits
LATER = (dt.date(2024, 1, 20), dt.date(2024, 2, 25))


def _rows(followers: Callable[[int], int]) -> list[dict[str, Any]]:
    return [
        {"account_id": f"acct-{i:05d}", "kind": "individual", "category": "finance",
         "followers": followers(i)}
        for i in range(ACCOUNTS)
    ]  # fmt: skip


@pytest.fixture(scope="module")
def snapshots(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("killed-log")
    before = write_snapshot(folder / "before.parquet", _rows(lambda i: 1_200_000 + i))
    after = write_snapshot(
        folder / "after.parquet", _rows(lambda i: 1_000 if i < FALLEN else 1_200_000 + i)
    )
    return before, after


def _prepare(url: str, key_file: Path, before: Path) -> None:
    """Cases opened and every holder's name submitted: what the killed process starts from."""
    programme = open_programme(url, key_file=key_file)
    try:
        run_cycle(programme.db, before, "weibo", OPENED)
        holder = Actor("creator:chaos")
        for case in programme.list_cases("weibo", CaseState.NOTIFIED, limit=ACCOUNTS):
            programme.submit("weibo", case.account_id, "Holder Name", consent=True, actor=holder)
    finally:
        programme.db.dispose()


def _driver(url: str, key_file: Path, after: Path) -> list[str]:
    return [sys.executable, str(DRIVER), url, str(key_file), str(after), *map(str, LATER)]


def _log(url: str) -> dict[str, Any]:
    db = Database.from_url(url)
    try:
        with db.reading() as conn:
            entries = [
                (int(r.idx), json.loads(r.entry), int(r.audit_seq))
                for r in conn.execute(select(log_entries).order_by(log_entries.c.idx))
            ]
            audited = {
                int(r.seq): r.account_id
                for r in conn.execute(select(audit_log.c.seq, audit_log.c.account_id))
            }
            live = {r.account_id: bool(r.live) for r in conn.execute(select(case_tables.labels))}
    finally:
        db.dispose()
    return {"entries": entries, "audited": audited, "live": live}


@pytest.fixture(scope="module")
def reference(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    snapshots: tuple[Path, Path],
) -> Iterator[Callable[[str], tuple[dict[str, Any], float]]]:
    """One uninterrupted run per backend: its log, and how long the killed step took."""
    done: dict[str, tuple[dict[str, Any], float]] = {}
    folder = tmp_path_factory.mktemp("log-reference")
    with ExitStack() as stack:

        def get(backend: str) -> tuple[dict[str, Any], float]:
            if backend not in done:
                if backend == "sqlite":
                    url = f"sqlite:///{folder / 'reference.db'}"
                else:
                    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0]
                    url = stack.enter_context(scratch_database(admin + "/postgres"))
                key_file = folder / f"{backend}.keys.json"
                _prepare(url, key_file, snapshots[0])
                started = time.monotonic()
                ok(_run(_driver(url, key_file, snapshots[1]), folder))
                done[backend] = _log(url), time.monotonic() - started
            return done[backend]

        yield get


def _run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(argv, cwd=cwd, env=byline_env(), capture_output=True, text=True)


def test_killed_disclosures_leave_a_log_of_exactly_their_changes(
    backend: str,
    database_url: str,
    seed: int,
    reference: Callable[[str], tuple[dict[str, Any], float]],
    snapshots: tuple[Path, Path],
    tmp_path: Path,
) -> None:
    expected, seconds = reference(backend)
    key_file = tmp_path / "keys.json"
    _prepare(database_url, key_file, snapshots[0])
    argv = _driver(database_url, key_file, snapshots[1])
    rng = random.Random(f"log-{backend}-{seed}")
    kills = kill_at_random(argv, cwd=tmp_path, env=byline_env(), rng=rng, within=seconds)
    assert kills >= 1, "every run finished before it could be killed; approve more names"
    ok(_run(argv, tmp_path))

    got = _log(database_url)
    events = Counter((e["account_id"], e["event"]) for _, e, _ in got["entries"])
    # the uninterrupted run's entries, each once: nothing lost, nothing appended twice
    assert events == Counter((e["account_id"], e["event"]) for _, e, _ in expected["entries"])
    assert max(events.values()) == 1
    # the fallen accounts' labels came down at the first cycle below the floor (their release
    # later changes nothing the public sees)
    assert sum(1 for (_, event) in events if event == "label_withdrawn") == FALLEN
    assert [i for i, _, _ in got["entries"]] == list(range(len(got["entries"])))
    # every entry's change happened (its audit entry, for its account) ...
    for index, entry, seq in got["entries"]:
        assert got["audited"].get(seq) == entry["account_id"], (index, entry, seq)
    # ... and every label's state is what its last entry says
    last = {e["account_id"]: e["event"] for _, e, _ in got["entries"]}
    assert len(got["live"]) == ACCOUNTS
    for account, live in got["live"].items():
        assert (last.get(account) == "disclosed") == live, (account, live, last.get(account))

    # and anyone can check it: exported, then verified with the public key alone
    exported = tmp_path / "log"
    ok(run_byline("log", "export", "--db", database_url, "--platform", "weibo", str(exported),
                  cwd=tmp_path, env=byline_env(BYLINE_KEY_FILE=str(key_file))))  # fmt: skip
    key = (exported / "key").read_text().strip()
    verified = run_byline("log", "verify", str(exported), "--key", key, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr

"""Crash safety: a real `byline cycle` process group SIGKILLed at random moments, then run
again, reaches the same end state as an uninterrupted run: the same cases, every notice exactly
once, the same audit actions, an intact chain (`byline audit verify` exits 0). Per seed, on
SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from support.chaos import (
    ACCOUNTS,
    assert_same_end_state,
    byline_argv,
    byline_env,
    cycle_args,
    cycle_snapshot,
    kill_at_random,
    ok,
    run_byline,
)
from support.postgres import scratch_database

Reference = tuple[str, float]  # (database URL, seconds an uninterrupted run took)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("killed-cycle")


@pytest.fixture(scope="module")
def snapshot(workdir: Path) -> Path:
    return cycle_snapshot(workdir / "snapshot.parquet")


@pytest.fixture(scope="module")
def reference(
    request: pytest.FixtureRequest, workdir: Path, snapshot: Path
) -> Iterator[Callable[[str], Reference]]:
    """One uninterrupted run per backend, shared by every seed."""
    done: dict[str, Reference] = {}
    with ExitStack() as stack:

        def get(backend: str) -> Reference:
            if backend not in done:
                if backend == "sqlite":
                    url = f"sqlite:///{workdir / 'reference.db'}"
                else:
                    admin = request.getfixturevalue("postgres_url").rsplit("/", 1)[0]
                    url = stack.enter_context(scratch_database(admin + "/postgres"))
                started = time.monotonic()
                ok(run_byline(*cycle_args(url, snapshot), cwd=workdir))
                done[backend] = url, time.monotonic() - started
            return done[backend]

        yield get


def test_killed_cycle_reaches_the_same_end_state(
    backend: str,
    database_url: str,
    seed: int,
    reference: Callable[[str], Reference],
    snapshot: Path,
    tmp_path: Path,
) -> None:
    reference_url, seconds = reference(backend)
    argv = byline_argv(*cycle_args(database_url, snapshot))
    rng = random.Random(f"cycle-{backend}-{seed}")
    kills = kill_at_random(argv, cwd=tmp_path, env=byline_env(), rng=rng, within=seconds)
    assert kills >= 1, "every run finished before it could be killed; make the cycle longer"
    ok(run_byline(*cycle_args(database_url, snapshot), cwd=tmp_path))
    assert_same_end_state(reference_url, database_url, ACCOUNTS, tmp_path)

"""PostgreSQL restarted (`pg_ctl stop -m fast`, then start) on a server of the test's own:

- during `byline cycle`: the cycle completes, or exits non-zero with one clear line and no
  traceback; run again, it reaches an uninterrupted run's end state (on half the seeds);
- under label and count load on `byline serve`: while it is down the API answers 503
  (application/problem+json, Retry-After), never a 500; once it is back, lookups succeed
  again without restarting the API.
"""

from __future__ import annotations

import random
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support.chaos import (
    ACCOUNTS,
    SECONDS,
    Load,
    Served,
    api_world,
    assert_same_end_state,
    byline_argv,
    byline_env,
    counts_on_file,
    cycle_args,
    cycle_snapshot,
    ok,
    one_clear_line,
    run_byline,
    wait_until,
)
from support.postgres import PrivateServer, scratch_database

DOWN_S = 2.5  # how long the server stays down: longer than the label cache's second


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pg-restart")


@pytest.fixture(scope="module")
def reference(private_postgres: PrivateServer, workdir: Path) -> Iterator[tuple[str, float, Path]]:
    snapshot = cycle_snapshot(workdir / "snapshot.parquet")
    with scratch_database(private_postgres.url) as url:
        started = time.monotonic()
        ok(run_byline(*cycle_args(url, snapshot), cwd=workdir))
        yield url, time.monotonic() - started, snapshot


def restart(server: PrivateServer, down_s: float = DOWN_S) -> None:
    server.stop("fast")
    time.sleep(down_s)
    server.start()


def test_cycle_survives_a_database_restart(
    private_postgres: PrivateServer,
    reference: tuple[str, float, Path],
    slow_seed: int,
    tmp_path: Path,
) -> None:
    reference_url, seconds, snapshot = reference
    rng = random.Random(f"pg-cycle-{slow_seed}")
    with scratch_database(private_postgres.url) as url:
        proc = subprocess.Popen(
            byline_argv(*cycle_args(url, snapshot)),
            cwd=tmp_path,
            env=byline_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            time.sleep(rng.uniform(0.2, 0.9) * seconds)
            restart(private_postgres, rng.uniform(0.2, 1.5))
            _, stderr = proc.communicate(timeout=300)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        if proc.returncode != 0:
            line = one_clear_line(stderr)
            assert line.startswith("error:"), line
        ok(run_byline(*cycle_args(url, snapshot), cwd=tmp_path))
        assert_same_end_state(reference_url, url, ACCOUNTS, tmp_path)


def test_api_answers_503_while_the_database_restarts(
    private_postgres: PrivateServer, tmp_path: Path
) -> None:
    with scratch_database(private_postgres.url) as url:
        world = api_world(tmp_path, url)
        served = Served(tmp_path, world.env)
        served.start()
        try:
            with Load(served.base, world, expected=frozenset({200, 503})) as load:
                time.sleep(SECONDS / 2)
                private_postgres.stop("fast")
                time.sleep(DOWN_S)
                down = httpx.get(f"{served.base}/readyz", timeout=10)
                private_postgres.start()
                time.sleep(SECONDS / 2)
            assert load.statuses[500] == 0, load.odd
            assert set(load.statuses) <= {200, 503}, (load.statuses, load.odd)
            assert load.statuses[503] >= 1, "no request reached the database while it was down"
            assert load.unavailable == load.statuses[503], load.odd
            assert down.status_code == 503
            # back, without restarting the API
            with httpx.Client(timeout=10) as client:

                def answered() -> bool:
                    response = load.lookup(client, "after")
                    return response is not None and response.status_code == 200

                wait_until(answered, 30, "label lookups after the restart")
                assert all(answered() for _ in range(20))
            assert httpx.get(f"{served.base}/readyz", timeout=10).status_code == 200
            on_file = counts_on_file(url, load.acknowledged)
            assert set(load.acknowledged) <= set(on_file)
        finally:
            served.stop()

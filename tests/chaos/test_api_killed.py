"""The API killed under load: `byline serve` SIGKILLed (its process group) and started again a
few times while threads look labels up and push counts. No request ever gets a 500 (connection
errors while it is down are expected and counted apart); every count acknowledged with a 200 is
on file; the audit chain verifies. On SQLite and on PostgreSQL."""

from __future__ import annotations

import random
import time
from pathlib import Path

from support.chaos import (
    HALF_KILLS,
    SECONDS,
    Load,
    Served,
    api_world,
    counts_on_file,
    run_byline,
)


def test_api_killed_under_load_loses_nothing_acknowledged(
    backend: str, database_url: str, tmp_path: Path
) -> None:
    world = api_world(tmp_path, database_url)
    served = Served(tmp_path, world.env)
    served.start()
    rng = random.Random(f"api-{backend}")
    try:
        with Load(served.base, world) as load:
            for _ in range(HALF_KILLS):
                time.sleep(rng.uniform(0.3, 1.0) * SECONDS)
                served.kill()
                served.start()
            time.sleep(SECONDS / 2)
    finally:
        served.stop()
    assert load.statuses[500] == 0, load.odd
    assert set(load.statuses) == {200}, (load.statuses, load.odd)
    assert load.statuses[200] > 0 and load.acknowledged
    on_file = counts_on_file(database_url, load.acknowledged)
    missing = [a for a in load.acknowledged if a not in on_file]
    assert not missing, f"{len(missing)} acknowledged pushes not on file, e.g. {missing[:3]}"
    for account in load.acknowledged:
        assert on_file[account] == 1_200_000 + int(account.split("-")[1])
    verified = run_byline("audit", "verify", "--db", database_url, cwd=tmp_path)
    assert verified.returncode == 0, verified.stdout + verified.stderr
    print(f"answers {dict(load.statuses)}, connection errors {load.connection_errors}")

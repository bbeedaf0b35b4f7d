"""Redis stopped and started under label load on `byline serve` (a throwaway redis-server):
never a 500; while Redis is away the limits degrade as documented (each worker counts in its
own memory and allows its share of the limit: all of it, with one worker) and /readyz says not
ready; once Redis is back (tried again every 5 s) the limits are shared through it again."""

from __future__ import annotations

import time
from pathlib import Path

import httpx

from support.chaos import SECONDS, Load, RedisServer, Served, api_world, wait_until

LIMIT = 20  # lookups per viewer per minute


def probe(load: Load, viewer: str, times: int = LIMIT + 5) -> list[int]:
    with httpx.Client(timeout=10) as client:
        answers = [load.lookup(client, viewer) for _ in range(times)]
    return [a.status_code if a is not None else 0 for a in answers]


def ready(served: Served, status: int) -> bool:
    return httpx.get(f"{served.base}/readyz", timeout=5).status_code == status


def test_redis_stopped_and_started_under_load(redis_server: RedisServer, tmp_path: Path) -> None:
    world = api_world(
        tmp_path,
        f"sqlite:///{tmp_path / 'byline.db'}",
        BYLINE_REDIS_URL=redis_server.url,
        BYLINE_VIEWER_LIMIT_PER_MINUTE=str(LIMIT),
    )
    served = Served(tmp_path, world.env)
    served.start()
    try:
        with Load(served.base, world, push_counts=False, expected=frozenset({200, 429})) as load:
            time.sleep(SECONDS / 2)
            assert probe(load, "probe-shared") == [200] * LIMIT + [429] * 5
            redis_server.stop()
            assert probe(load, "probe-alone") == [200] * LIMIT + [429] * 5  # one worker's share
            assert ready(served, 503)
            time.sleep(SECONDS / 2)
            redis_server.start()
            wait_until(lambda: ready(served, 200), 15, "ready again once Redis is back")
            assert probe(load, "probe-back") == [200] * LIMIT + [429] * 5
            time.sleep(SECONDS / 2)
        assert load.statuses[500] == 0, load.odd
        assert set(load.statuses) <= {200, 429}, (load.statuses, load.odd)
        assert load.statuses[200] > 0
    finally:
        served.stop()
    log = served.log.read_text()
    assert "Traceback" not in log, log[-3000:]

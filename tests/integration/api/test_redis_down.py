"""Redis unreachable (issue #12): limits degrade to each worker's share counted in memory,
never a 500; /readyz says not ready until Redis answers again."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from byline.api import ApiSettings, RedisLimiter, _ratelimit
from conftest import World


def label_lookup(world: World, viewer: str = "v1") -> int:
    response = world.client.post(
        "/v1/platforms/weibo/labels",
        headers=world.key("label"),
        json={
            "viewer": {"id": viewer, "logged_in": True, "identity_verified": True},
            "account_ids": ["star", "nobody"],
        },
    )
    assert response.status_code in (200, 429), response.text
    return response.status_code


def keyed_requests_answer(world: World) -> None:
    """A platform key, a reviewer key and a creator token: each answered, none a 500."""
    for path, headers in (
        ("/v1/platforms/weibo/enforcement/star", world.key("platform")),
        ("/v1/platforms/weibo/review/queue", world.key("reviewer")),
        ("/v1/platforms/weibo/me", world.creator("quiet")),
    ):
        response = world.client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)


def test_redis_unreachable_limits_in_memory_and_is_not_ready(
    world_factory, caplog: pytest.LogCaptureFixture
) -> None:  # type: ignore[no-untyped-def]
    limiter = RedisLimiter("redis://127.0.0.1:1/0", workers=2)  # nothing listens on port 1
    world = world_factory(ApiSettings(viewer_limit_per_minute=4, log_requests=False), limiter)
    with caplog.at_level(logging.WARNING, logger="byline.api"):
        keyed_requests_answer(world)
        # the viewer limit of 4, shared by 2 workers: this worker allows 2
        assert [label_lookup(world) for _ in range(3)] == [200, 200, 429]
        assert label_lookup(world, viewer="another") == 200
        ready = world.client.get("/readyz")
    assert ready.status_code == 503
    assert ready.headers["content-type"] == "application/problem+json"
    assert "rate limit store (Redis) unreachable" in ready.json()["detail"]
    lost = [r for r in caplog.records if "Redis" in r.getMessage()]
    assert len(lost) == 1  # once, not per request
    assert (
        "divided by 2 workers" in lost[0].getMessage() and "127.0.0.1:1" not in lost[0].getMessage()
    )
    metrics = world.client.get("/metrics").text
    counted = next(
        line
        for line in metrics.splitlines()
        if line.startswith("byline_rate_limit_in_memory_total")
    )
    assert float(counted.split()[-1]) >= 7


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_redis_killed_mid_run_then_back(world_factory, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    binary = shutil.which("redis-server")
    if binary is None:
        pytest.skip("no redis-server on this machine")
    port = _free_port()

    def start() -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(tmp_path)],
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.1).close()
                return process
            except OSError:
                time.sleep(0.05)
        process.kill()
        raise RuntimeError("redis-server did not start")

    now = [1000.0]
    server = start()
    try:
        limiter = RedisLimiter(
            f"redis://127.0.0.1:{port}/0", prefix=f"t:{uuid.uuid4().hex}:", clock=lambda: now[0]
        )
        world = world_factory(ApiSettings(viewer_limit_per_minute=3, log_requests=False), limiter)
        assert world.client.get("/readyz").status_code == 200
        assert label_lookup(world) == 200  # counted in Redis
        server.kill()
        server.wait()
        keyed_requests_answer(world)
        assert label_lookup(world) == 200  # counted in memory: 1 of 3
        assert world.client.get("/readyz").status_code == 503
        server = start()
        assert label_lookup(world) == 200  # still in memory until the retry is due: 2 of 3
        now[0] += _ratelimit.RETRY_REDIS_AFTER_S
        assert world.client.get("/readyz").status_code == 200
        # back in Redis, where this viewer's count began again with the new server: 1, 2, 3, 429
        assert [label_lookup(world) for _ in range(4)] == [200, 200, 200, 429]
        limiter.close()
    finally:
        server.kill()
        server.wait()

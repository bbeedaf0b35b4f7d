"""A programme on a SQLite file (small thresholds) and a fresh stream on the local Redis."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from support.stream import World, make_world


@pytest.fixture
def redis_url() -> Iterator[str]:
    url = os.environ.get("BYLINE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI"):
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"no Redis at {url}: {exc}")
    yield url


@pytest.fixture
def world(tmp_path: Path, redis_url: str) -> Iterator[World]:
    stream = f"byline:test:stream:{uuid.uuid4().hex}"
    world = make_world(tmp_path, redis_url, stream)
    yield world
    world.floor.close()
    redis.Redis.from_url(redis_url).delete(stream, f"{stream}:rejected")

"""Rate limits against harvesting: fixed one-minute windows per viewer, key and creator.

In memory for a single process (the embedded default); in Redis when several workers or hosts
share the limits."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

WINDOW_S = 60


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int


ALLOWED = Verdict(True, 0)


class RateLimiter(Protocol):
    def hit(self, bucket: str, limit: int) -> Verdict: ...


class MemoryLimiter:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._window = -1
        self._counts: dict[str, int] = {}  # bucket -> hits in the current window
        self._lock = threading.Lock()

    def hit(self, bucket: str, limit: int) -> Verdict:
        now = self._clock()
        window = int(now // WINDOW_S)
        with self._lock:
            if window != self._window:  # a new window: the old counts are of no use
                self._window, self._counts = window, {}
            count = self._counts.get(bucket, 0) + 1
            self._counts[bucket] = count
        if count <= limit:
            return ALLOWED
        return Verdict(False, max(1, int((window + 1) * WINDOW_S - now)))


class RedisLimiter:
    def __init__(self, url: str, prefix: str = "byline:rl:") -> None:
        import redis

        self._redis = redis.Redis.from_url(url)
        self._prefix = prefix

    def hit(self, bucket: str, limit: int) -> Verdict:
        now = time.time()
        window = int(now // WINDOW_S)
        key = f"{self._prefix}{bucket}:{window}"
        pipe = self._redis.pipeline()
        pipe.incr(key)
        pipe.expire(key, WINDOW_S * 2)
        count = int(pipe.execute()[0])
        if count <= limit:
            return ALLOWED
        return Verdict(False, max(1, int((window + 1) * WINDOW_S - now)))

    def ping(self) -> bool:
        return bool(self._redis.ping())

    def close(self) -> None:
        self._redis.close()

"""Rate limits against harvesting: fixed one-minute windows per viewer, key and creator.

In memory for a single process (the embedded default); in Redis when several workers or hosts
share the limits. When Redis cannot be reached, the limits degrade rather than fail: each
worker counts in its own memory, allowing its share of each limit (the limit divided by the
workers, ``BYLINE_WORKERS``), so the whole still allows about the limit; a warning is logged
when Redis is lost and when it is back, a counter counts the requests limited in memory, and
``/readyz`` answers 503 meanwhile. Redis is tried again every few seconds, not per request."""

from __future__ import annotations

import logging
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


log = logging.getLogger("byline.api")

# How long one Redis command may take before the limiter counts in memory instead, and how
# long it then waits before trying Redis again.
REDIS_TIMEOUT_S = 0.5
RETRY_REDIS_AFTER_S = 5.0


class RedisLimiter:
    def __init__(
        self,
        url: str,
        prefix: str = "byline:rl:",
        *,
        workers: int = 1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._prefix = prefix
        self._workers = max(1, workers)
        self._clock = clock
        self._memory = MemoryLimiter()
        self._lock = threading.Lock()
        self._down_since: float | None = None  # when Redis was lost (None: it answers)
        self._retry_at = 0.0
        self.problem = ""  # why Redis is not used now ("" when it is)
        # Called once per request limited in memory (the app counts them in a metric).
        self.on_fallback: Callable[[], None] = lambda: None

    def hit(self, bucket: str, limit: int) -> Verdict:
        if self._down_since is not None and self._clock() < self._retry_at:
            return self._in_memory(bucket, limit)
        now = time.time()
        window = int(now // WINDOW_S)
        key = f"{self._prefix}{bucket}:{window}"
        try:
            pipe = self._redis.pipeline()
            pipe.incr(key)
            pipe.expire(key, WINDOW_S * 2)
            count = int(pipe.execute()[0])
        except self._errors as exc:
            self._lost(exc)
            return self._in_memory(bucket, limit)
        if self._down_since is not None:
            self._back()
        if count <= limit:
            return ALLOWED
        return Verdict(False, max(1, int((window + 1) * WINDOW_S - now)))

    def _in_memory(self, bucket: str, limit: int) -> Verdict:
        self.on_fallback()
        return self._memory.hit(bucket, max(1, limit // self._workers))

    def _lost(self, exc: Exception) -> None:
        with self._lock:
            first = self._down_since is None
            now = self._clock()
            if first:
                self._down_since = now
            self._retry_at = now + RETRY_REDIS_AFTER_S
            self.problem = f"rate limit store (Redis) unreachable ({type(exc).__name__})"
        if first:  # once per outage, not per request; never the URL (it may hold a password)
            log.warning(
                "%s: rate limits are counted in this process, each limit divided by %d workers",
                self.problem,
                self._workers,
            )

    def _back(self) -> None:
        with self._lock:
            if self._down_since is None:
                return
            lost_for = self._clock() - self._down_since
            self._down_since, self.problem = None, ""
        log.warning("rate limit store (Redis) reachable again after %.0f s", lost_for)

    def ready(self) -> str:
        """ "" when Redis answers now; otherwise why not (limits are counted in memory)."""
        try:
            self._redis.ping()
        except self._errors as exc:
            self._lost(exc)
            return self.problem
        self._back()
        return ""

    def ping(self) -> bool:
        return bool(self._redis.ping())

    def close(self) -> None:
        self._redis.close()

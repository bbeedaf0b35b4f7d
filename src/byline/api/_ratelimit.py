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
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Protocol

WINDOW_S = 60
# Budgets of distinct disclosed names: what a harvester wants is names, not requests, so what
# is counted is how many different names each key and each viewer has been shown this hour.
BUDGET_WINDOW_S = 3600
VIEWER_PREFIX = "viewer:"  # buckets of viewer ids (a key's bucket is never forgotten)
# Names a process holds for viewers' budgets at most (about 100 MB); see MemoryLimiter.
MAX_NAMES_HELD = 1_000_000


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after_s: int
    bucket: str = ""  # the limit or budget that would have been passed (refused)


ALLOWED = Verdict(True, 0)


class RateLimiter(Protocol):
    def hit(self, bucket: str, limit: int) -> Verdict:
        """Count one request in ``bucket``; refused past ``limit`` in this minute."""
        ...

    def hit_all(self, limits: Sequence[tuple[str, int]]) -> Verdict:
        """Count one request in every (bucket, limit) at once (one round trip to Redis);
        refused, naming the first bucket past its limit, when any is past its limit."""
        ...

    def spend(self, budgets: Sequence[tuple[str, int]], names: Collection[str]) -> Verdict:
        """Show ``names`` (account ids) against every (bucket, budget): allowed, and counted in
        each, only if no bucket would then hold more distinct names this hour than its budget.
        Names a bucket was already shown this hour cost nothing again."""
        ...


def _retry(now: float, window_s: int, bucket: str = "") -> Verdict:
    return Verdict(False, max(1, int((int(now // window_s) + 1) * window_s - now)), bucket)


class MemoryLimiter:
    """Limits and budgets counted in this process; with several workers (and no Redis), each
    allows its share, the limit divided by ``workers``, so together they allow about the limit.
    """

    def __init__(
        self,
        clock: Callable[[], float] = time.time,
        *,
        workers: int = 1,
        max_names_held: int = MAX_NAMES_HELD,
    ) -> None:
        self._clock = clock
        self._workers = max(1, workers)
        self._window = -1
        self._counts: dict[str, int] = {}  # bucket -> hits in the current window
        self._budget_window = -1
        # bucket -> names shown in the current hour (a dict of names, which Python's garbage
        # collector does not track, unlike a set); viewers' buckets in the order last used
        self._shown: dict[str, dict[str, None]] = {}
        self._viewers: OrderedDict[str, None] = OrderedDict()
        self._held = 0  # names held in viewers' buckets
        self._max_held = max_names_held
        self._lock = threading.Lock()

    def share(self, limit: int) -> int:
        return max(1, limit // self._workers)

    def hit(self, bucket: str, limit: int) -> Verdict:
        return self.hit_all(((bucket, limit),))

    def hit_all(self, limits: Sequence[tuple[str, int]]) -> Verdict:
        now = self._clock()
        window = int(now // WINDOW_S)
        passed = ""
        with self._lock:
            if window != self._window:  # a new window: the old counts are of no use
                self._window, self._counts = window, {}
            counts = self._counts
            for bucket, limit in limits:
                count = counts[bucket] = counts.get(bucket, 0) + 1
                # this worker's share (see ``share``)
                if count > (limit // self._workers or 1) and not passed:
                    passed = bucket
        return _retry(now, WINDOW_S, passed) if passed else ALLOWED

    def spend(self, budgets: Sequence[tuple[str, int]], names: Collection[str]) -> Verdict:
        if not names:
            return ALLOWED
        now = self._clock()
        window = int(now // BUDGET_WINDOW_S)
        wanted = dict.fromkeys(names)
        with self._lock:
            if window != self._budget_window:
                self._budget_window, self._shown = window, {}
                self._viewers, self._held = OrderedDict(), 0
            for bucket, budget in budgets:
                shown = self._shown.get(bucket)
                # Only the names not shown yet are looked at (the key's set may be large).
                fresh = len(wanted) if shown is None else sum(n not in shown for n in wanted)
                if fresh and (len(shown) if shown else 0) + fresh > self.share(budget):
                    return _retry(now, BUDGET_WINDOW_S, bucket)
            for bucket, _ in budgets:
                shown = self._shown.setdefault(bucket, {})
                if bucket.startswith(VIEWER_PREFIX):
                    self._held -= len(shown)
                    shown.update(wanted)
                    self._held += len(shown)
                    self._viewers[bucket] = None
                    self._viewers.move_to_end(bucket)
                else:
                    shown.update(wanted)
            self._forget_viewers()
        return ALLOWED

    def _forget_viewers(self) -> None:
        """Past ``max_names_held``, forget the viewers' buckets least recently used. A scraper
        inventing a viewer id per request would otherwise fill the memory; what it gains is a
        fresh budget for a viewer id it already dropped, while the key's budget (never
        forgotten) still caps what the key is shown."""
        while self._held > self._max_held and len(self._viewers) > 1:
            oldest, _ = self._viewers.popitem(last=False)
            self._held -= len(self._shown.pop(oldest, ()))


# Checks every budget, then counts the names in all of them, in one step: KEYS are the buckets'
# sets, ARGV[1] the set's lifetime, ARGV[2..n+1] the budgets, the rest the names. Returns 0
# when allowed, else the number (from 1) of the first budget that would be passed.
_SPEND = """
local n = #KEYS
for i = 1, n do
  local new = 0
  for j = n + 2, #ARGV do
    if redis.call('SISMEMBER', KEYS[i], ARGV[j]) == 0 then new = new + 1 end
  end
  if redis.call('SCARD', KEYS[i]) + new > tonumber(ARGV[i + 1]) then return i end
end
for i = 1, n do
  redis.call('SADD', KEYS[i], unpack(ARGV, n + 2))
  redis.call('EXPIRE', KEYS[i], ARGV[1])
end
return 0
"""


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
        max_names_held: int = MAX_NAMES_HELD,
    ) -> None:
        import redis

        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=REDIS_TIMEOUT_S, socket_timeout=REDIS_TIMEOUT_S
        )
        self._errors: tuple[type[Exception], ...] = (redis.RedisError, OSError)
        self._prefix = prefix
        self._workers = max(1, workers)
        self._clock = clock
        # while Redis cannot be reached
        self._memory = MemoryLimiter(workers=self._workers, max_names_held=max_names_held)
        self._spend = self._redis.register_script(_SPEND)
        self._lock = threading.Lock()
        self._down_since: float | None = None  # when Redis was lost (None: it answers)
        self._retry_at = 0.0
        self.problem = ""  # why Redis is not used now ("" when it is)
        # Called once per request limited in memory (the app counts them in a metric).
        self.on_fallback: Callable[[], None] = lambda: None

    def hit(self, bucket: str, limit: int) -> Verdict:
        return self.hit_all(((bucket, limit),))

    def hit_all(self, limits: Sequence[tuple[str, int]]) -> Verdict:
        if self._down_since is not None and self._clock() < self._retry_at:
            return self._in_memory(limits)
        now = time.time()
        window = int(now // WINDOW_S)
        try:
            pipe = self._redis.pipeline()
            for bucket, _ in limits:
                key = f"{self._prefix}{bucket}:{window}"
                pipe.incr(key)
                pipe.expire(key, WINDOW_S * 2)
            counts = pipe.execute()[::2]
        except self._errors as exc:
            self._lost(exc)
            return self._in_memory(limits)
        if self._down_since is not None:
            self._back()
        for (bucket, limit), count in zip(limits, counts, strict=True):
            if int(count) > limit:
                return Verdict(False, max(1, int((window + 1) * WINDOW_S - now)), bucket)
        return ALLOWED

    def spend(self, budgets: Sequence[tuple[str, int]], names: Collection[str]) -> Verdict:
        if not names:
            return ALLOWED
        if self._down_since is not None and self._clock() < self._retry_at:
            self.on_fallback()
            return self._memory.spend(budgets, names)
        now = time.time()
        window = int(now // BUDGET_WINDOW_S)
        keys = [f"{self._prefix}names:{bucket}:{window}" for bucket, _ in budgets]
        try:
            passed = int(
                self._spend(
                    keys=keys, args=[BUDGET_WINDOW_S * 2, *(b for _, b in budgets), *sorted(names)]
                )
            )
        except self._errors as exc:
            self._lost(exc)
            self.on_fallback()
            return self._memory.spend(budgets, names)
        if self._down_since is not None:
            self._back()
        return ALLOWED if passed == 0 else _retry(now, BUDGET_WINDOW_S, budgets[passed - 1][0])

    def _in_memory(self, limits: Sequence[tuple[str, int]]) -> Verdict:
        self.on_fallback()
        return self._memory.hit_all(limits)

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

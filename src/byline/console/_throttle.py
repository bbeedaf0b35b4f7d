"""Failed sign-ins, counted per username and per client address in a sliding window: past the
limit, sign-in answers 429 until the window has room again. Per process (each worker counts
its own); scrypt makes each guess cost the guesser too."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable


class SignInThrottle:
    def __init__(
        self,
        limit: int = 10,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
        max_keys: int = 100_000,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def wait_s(self, *keys: str) -> float:
        """Seconds until any of ``keys`` may try again (0: now)."""
        now = self._clock()
        wait = 0.0
        for key in keys:
            times = self._recent(key, now)
            if len(times) >= self.limit:
                wait = max(wait, times[0] + self.window_s - now)
        return wait

    def failed(self, *keys: str) -> None:
        now = self._clock()
        if len(self._failures) >= self._max_keys:  # bounded memory under a flood of keys
            self._failures.clear()
        for key in keys:
            self._recent(key, now).append(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.setdefault(key, deque())
        while times and times[0] <= now - self.window_s:
            times.popleft()
        return times

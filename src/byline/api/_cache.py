"""A small time-bounded cache for hot lookups (API keys), so a revocation lands within seconds."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

V = TypeVar("V")


class TtlCache(Generic[V]):
    def __init__(
        self, ttl_s: float, max_items: int = 10_000, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.ttl_s, self.max_items, self._clock = ttl_s, max_items, clock
        self._items: dict[str, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, load: Callable[[], V]) -> V:
        now = self._clock()
        hit = self._items.get(key)  # one dict read is atomic: no lock to read
        if hit is not None and hit[0] > now:
            return hit[1]
        return self._load(key, load, now)

    def get_or(self, key: str, load: Callable[[str], V]) -> V:
        """``get`` with ``load`` taking the key: no closure to make for each call."""
        now = self._clock()
        hit = self._items.get(key)
        if hit is not None and hit[0] > now:
            return hit[1]
        return self._load(key, lambda: load(key), now)

    def _load(self, key: str, load: Callable[[], V], now: float) -> V:
        value = load()
        with self._lock:
            if len(self._items) >= self.max_items:
                self._items.clear()
            self._items[key] = (now + self.ttl_s, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()

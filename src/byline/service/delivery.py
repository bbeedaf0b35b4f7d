"""The outbox delivered in the background: ``byline serve`` runs one ``DeliveryWorker`` beside the
web server, ``byline outbox run`` runs one on its own.

Each pass attempts every due delivery (in batches) through the dispatcher, which schedules a
failed one again after its backoff (10 s doubling to 10 min, never given up). Between passes the
worker waits ``interval_s``. The passes' ``now`` is the services' clock; the signatures carry the
wall-clock time the request leaves, which is what a receiver compares with its own clock.
Several workers (several servers) may run at once: the dispatcher leases what it sends.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from byline import outbox
from byline.service._base import Clock, wall_clock
from byline.store import Database

log = logging.getLogger("byline.delivery")

DEFAULT_INTERVAL_S = 2.0


@dataclass(frozen=True)
class WorkerTotals:
    """What a worker has done since it started."""

    passes: int
    attempted: int
    delivered: int
    failed: int


class DeliveryWorker:
    """Delivers due outbox messages every ``interval_s`` seconds, in a thread (``start``,
    ``stop``) or in the caller's (``run``, until ``stop`` is called from elsewhere)."""

    def __init__(
        self,
        db: Database,
        guard: outbox.WebhookGuard,
        clock: Clock,
        *,
        interval_s: float = DEFAULT_INTERVAL_S,
        timeout_s: float = outbox.DEFAULT_TIMEOUT_S,
        sink: outbox.WebhookSink | None = None,
        stamp: Clock = wall_clock,
    ) -> None:
        if interval_s <= 0:
            raise ValueError("interval: more than 0 seconds")
        self._own_sink = sink is None
        self.sink: outbox.WebhookSink = sink or outbox.HttpSink(timeout_s=timeout_s)
        self.dispatcher = outbox.Dispatcher(db, self.sink, guard=guard, stamp=stamp)
        self.clock = clock
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._totals = WorkerTotals(0, 0, 0, 0)

    @property
    def totals(self) -> WorkerTotals:
        with self._lock:
            return self._totals

    def deliver_now(self) -> outbox.DeliveryStats:
        """One pass: every due delivery, batch after batch, until none is left due."""
        attempted = delivered = failed = 0
        while True:
            stats = self.dispatcher.deliver_due(self.clock())
            attempted += stats.attempted
            delivered += stats.delivered
            failed += stats.failed
            if stats.attempted < self.dispatcher.batch or self._stop.is_set():
                break
        with self._lock:
            t = self._totals
            self._totals = WorkerTotals(
                t.passes + 1, t.attempted + attempted, t.delivered + delivered, t.failed + failed
            )
        return outbox.DeliveryStats(attempted, delivered, failed, stats.pending)

    def run(self) -> None:
        """Pass after pass until ``stop``; an error in a pass (the database away) is logged and
        the next pass tries again."""
        while not self._stop.is_set():
            try:
                self.deliver_now()
            except Exception:
                log.exception("outbox delivery pass failed; trying again")
            self._stop.wait(self.interval_s)
        if self._own_sink and isinstance(self.sink, outbox.HttpSink):
            self.sink.close()

    def start(self) -> DeliveryWorker:
        if self._thread is not None:
            raise RuntimeError("the worker is already running")
        self._thread = threading.Thread(target=self.run, name="byline-outbox", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout_s: float = 15.0) -> None:
        """Ask the worker to stop after the request in flight, and wait for it."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=timeout_s)
            self._thread = None

"""Label lookups counted per day, result and viewer rule, kept for the report.

A lookup is counted in memory (one lock, no I/O); once ``start`` has been called (the API's
lifespan does, per worker, beside the display writer), a background thread adds what was counted
to the day's rows every ``FLUSH_S`` seconds in one transaction; ``flush`` does it at once and
``close`` at shutdown. A flush that fails keeps its counts for the next one.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import Counter, defaultdict
from typing import Any

from byline import cases
from byline.service._base import Deps, Service, epoch_units

FLUSH_S = 10.0
RESULTS = ("shown", "none", "hidden")
log = logging.getLogger("byline.lookups")
_EPOCH_DAY = dt.date(1970, 1, 1)


class LookupTallies(Service):
    """What a process's label lookups were: counted per (platform, day, result, rule)."""

    def __init__(self, deps: Deps, flush_s: float = FLUSH_S) -> None:
        super().__init__(deps)
        self.flush_s = flush_s
        # per (platform, day as days since the epoch, result, rule)
        self._counts: Counter[tuple[str, int, str, str]] = Counter()
        self._lock = threading.Lock()
        self._day = epoch_units(deps.clock, 86400)  # the day now, on the label path
        self._flusher: threading.Thread | None = None
        self._stop = threading.Event()

    def count(self, platform: str, result: str, amount: int, rule: str = "") -> None:
        """Count ``amount`` lookups of one result (and the viewer rule that hid them)."""
        key = (platform, self._day(), result, rule)
        with self._lock:
            self._counts[key] += amount

    def start(self) -> None:
        """Flush in the background every ``flush_s`` seconds, until ``close`` (a no-op while
        started; after ``close`` it starts again)."""
        with self._lock:
            if self._flusher is None:
                self._stop.clear()
                self._flusher = threading.Thread(
                    target=self._run, name="byline-lookup-tallies", daemon=True
                )
                self._flusher.start()

    def flush(self) -> int:
        """Add what was counted to the database now; return how many lookups were written."""
        with self._lock:
            taken, self._counts = self._counts, Counter()
        if not taken:
            return 0
        dated = Counter(
            {
                (platform, _EPOCH_DAY + dt.timedelta(days=day), result, rule): n
                for (platform, day, result, rule), n in taken.items()
            }
        )
        try:
            with self.db.transaction() as conn:
                cases.add_lookups(conn, dated)
        except Exception:
            with self._lock:
                self._counts.update(taken)  # kept for the next flush
            raise
        return sum(taken.values())

    def close(self) -> None:
        """Stop the background flush and write what is left."""
        self._stop.set()
        with self._lock:
            flusher, self._flusher = self._flusher, None
        if flusher is not None:
            flusher.join(timeout=5)
        self.flush()

    def close_logged(self) -> None:
        """``close``, a failed last write logged (counts only: no names) rather than raised."""
        try:
            self.close()
        except Exception as exc:
            with self._lock:
                pending = sum(self._counts.values())
            log.warning(
                "label lookup tallies not written at shutdown (%s); %d lookups not kept",
                type(exc).__name__,
                pending,
            )

    def _run(self) -> None:
        while not self._stop.wait(self.flush_s):
            try:
                self.flush()
            except Exception:  # the database away: counts kept, tried again next time
                log.warning("label lookup tallies not written; kept for the next flush")


def tallies_between(conn: Any, platform: str, first: dt.date, last: dt.date) -> dict[str, Any]:
    """Label lookups of ``platform`` in the days ``first`` .. ``last``: answered (a name
    shown), not disclosed (nothing to show), and withheld per viewer rule."""
    withheld: Counter[str] = Counter()
    totals: dict[str, int] = defaultdict(int)
    days = set()
    for day, result, rule, n in cases.lookups_between(conn, platform, first, last):
        days.add(day)
        totals[result] += n
        if result == "hidden":
            withheld[rule or "other"] += n
    return {
        "days_counted": len(days),
        "answered": totals["shown"],
        "not_disclosed": totals["none"],
        "withheld": sum(withheld.values()),
        "withheld_by_rule": dict(sorted(withheld.items())),
    }

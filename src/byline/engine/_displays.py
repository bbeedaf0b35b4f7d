"""Name displays counted in memory, on the label path: a few dictionary and set operations per
answered lookup, never a database write. Time is passed in as whole minutes since the epoch.

``DisplayCounter`` holds, until they are taken to be written in one batch:

* per (platform, account, day, conditions the viewer holds) the number of times the name was
  shown (the viewer's class is decided when written, from the policy in force);
* the display records: per (platform, minute, key, viewer) the accounts whose names were
  shown, at most ``max_records`` of them (past that, records are dropped and counted in
  ``dropped``; display counts never are);

and, kept for an hour, a ``SlidingHour`` of the distinct accounts shown per key and per viewer.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Hashable
from dataclasses import dataclass

MINUTES_PER_DAY = 1440
HOUR_MINUTES = 60
MAX_RECORDS = 1_000_000  # accounts held in display records between two flushes
MAX_WINDOW = 2_000_000  # accounts held in a sliding hour's minute sets

KEY, VIEWER = "key", "viewer"
Who = tuple[str, str, str]  # (platform, KEY or VIEWER, the key id or viewer id)
CountKey = tuple[str, str, int, Hashable]  # (platform, account id, day, conditions held)
RecordKey = tuple[str, int, str, str]  # (platform, minute, key id, viewer id)


class SlidingHour:
    """Distinct accounts per key and per viewer over a true sliding hour: one set per minute
    and per key or viewer; the hour at minute ``m`` is the union of the sets of minutes
    ``m - 59`` to ``m`` (the current minute and the 59 before it). Older minutes are let go as
    a new minute begins. At most ``max_held`` accounts are held over all minutes; past that a
    minute's new accounts are not kept (counted in ``dropped``)."""

    def __init__(self, max_held: int = MAX_WINDOW) -> None:
        self._minutes: dict[int, dict[Who, set[str]]] = {}
        self._sizes: dict[int, int] = {}  # accounts held per minute
        self.max_held = max_held
        self.held = 0
        self.dropped = 0

    def add(self, minute: int, who: Who, accounts: Collection[str]) -> None:
        bucket = self._minutes.get(minute)
        if bucket is None:
            self._forget_before(minute - HOUR_MINUTES + 1)
            bucket = self._minutes[minute] = {}
        if self.held >= self.max_held:
            self.dropped += len(accounts)
            return
        seen = bucket.get(who)
        if seen is None:
            seen = bucket[who] = set(accounts)
            grew = len(seen)
        else:
            before = len(seen)
            seen.update(accounts)
            grew = len(seen) - before
        self._sizes[minute] = self._sizes.get(minute, 0) + grew
        self.held += grew

    def _forget_before(self, first: int) -> None:
        for minute in [m for m in self._minutes if m < first]:
            del self._minutes[minute]
            self.held -= self._sizes.pop(minute, 0)

    def accounts(self, who: Who, minute: int) -> set[str]:
        """The distinct accounts shown to ``who`` in the hour ending with ``minute``."""
        seen: set[str] = set()
        for m in range(minute - HOUR_MINUTES + 1, minute + 1):
            held = self._minutes.get(m, {}).get(who)
            if held:
                seen |= held
        return seen

    def over(self, threshold: int, minute: int, platform: str | None = None) -> dict[Who, int]:
        """Every key and viewer (of ``platform``, or all) shown more than ``threshold``
        distinct accounts in the hour ending with ``minute``, with that number."""
        every: set[Who] = set()
        for m in range(minute - HOUR_MINUTES + 1, minute + 1):
            every.update(w for w in self._minutes.get(m, {}) if platform in (None, w[0]))
        found = {}
        for who in every:
            n = len(self.accounts(who, minute))
            if n > threshold:
                found[who] = n
        return found


@dataclass(frozen=True)
class DisplayBatch:
    """What a counter held when taken: display counts and display records."""

    counts: dict[CountKey, int]
    records: dict[RecordKey, set[str]]

    def __bool__(self) -> bool:
        return bool(self.counts or self.records)

    @property
    def shown(self) -> int:
        return sum(self.counts.values())


class DisplayCounter:
    """Display counts, display records and the sliding hour of one process; thread-safe (one
    lock, held for a few dictionary operations per lookup)."""

    def __init__(self, max_records: int = MAX_RECORDS, max_window: int = MAX_WINDOW) -> None:
        self._lock = threading.Lock()
        self._counts: dict[CountKey, int] = {}
        self._records: dict[RecordKey, set[str]] = {}
        self._held = 0  # accounts in ``_records``
        self.max_records = max_records
        self.hour = SlidingHour(max_window)
        self.dropped = 0  # display records not kept because the buffer was full

    def add(
        self,
        platform: str,
        key_id: str,
        viewer_id: str,
        held: Hashable,
        accounts: Collection[str],
        minute: int,
    ) -> None:
        """``accounts``' names were shown at ``minute`` to ``viewer_id`` (holding the
        conditions ``held``), asked for by key ``key_id``."""
        day = minute // MINUTES_PER_DAY
        with self._lock:
            counts = self._counts
            for account_id in accounts:
                cell = (platform, account_id, day, held)
                counts[cell] = counts.get(cell, 0) + 1
            if self._held < self.max_records:
                record = (platform, minute, key_id, viewer_id)
                seen = self._records.get(record)
                if seen is None:
                    seen = self._records[record] = set(accounts)
                    self._held += len(seen)
                else:
                    before = len(seen)
                    seen.update(accounts)
                    self._held += len(seen) - before
            else:
                self.dropped += len(accounts)
            self.hour.add(minute, (platform, KEY, key_id), accounts)
            self.hour.add(minute, (platform, VIEWER, viewer_id), accounts)

    def take(self) -> DisplayBatch:
        """Everything counted since the last take (to be written), the counter emptied."""
        with self._lock:
            batch = DisplayBatch(self._counts, self._records)
            self._counts, self._records, self._held = {}, {}, 0
        return batch

    def restore(self, batch: DisplayBatch) -> None:
        """Put back a batch that could not be written, merged with what was counted since."""
        with self._lock:
            counts = self._counts
            for cell, n in batch.counts.items():
                counts[cell] = counts.get(cell, 0) + n
            for record, accounts in batch.records.items():
                seen = self._records.setdefault(record, set())
                before = len(seen)
                seen.update(accounts)
                self._held += len(seen) - before

    def pending(self) -> int:
        """Displays counted and not yet taken."""
        with self._lock:
            return sum(self._counts.values())

    def over(self, threshold: int, minute: int, platform: str | None = None) -> dict[Who, int]:
        with self._lock:
            return self.hour.over(threshold, minute, platform)

"""Name displays counted in memory, on the label path, never a database write there: each
answered lookup is one append to a queue (thread-safe, no lock). Time is passed in as whole
minutes since the epoch.

``DisplayCounter.take`` (the writing side, off the label path) empties the queue into a batch:

* per (platform, account, day, conditions the viewer held) the number of times the name was
  shown (the viewer's class is decided when written, from the policy in force);
* the display records: per (platform, minute, key, viewer) the accounts whose names were
  shown;

and feeds a ``SlidingHour`` of the distinct accounts shown per key and per viewer, kept for an
hour. A batch that could not be written is put back (``restore``) and taken again with the
next. Nothing is dropped silently: past ``max_pending`` lookups waiting, or ``max_records``
records carried over failed writes, what does not fit is counted in ``dropped`` (displays) and
``records_dropped``.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Collection, Hashable
from dataclasses import dataclass

MINUTES_PER_DAY = 1440
HOUR_MINUTES = 60
MAX_PENDING = 1_000_000  # lookups waiting to be taken
MAX_RECORDS = 2_000_000  # accounts in display records carried over failed writes
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
    minute's new accounts are not kept (counted in ``dropped``).

    Each minute's set is a dict of account ids (to None), not a ``set``: a dict holding only
    text is not tracked by Python's garbage collector, a set always is. A full hour holds up to
    ``max_held`` accounts in up to a million sets, which every full collection would otherwise
    walk (a quarter of a second each, a pause on the label path, in a worker's busiest hour)."""

    def __init__(self, max_held: int = MAX_WINDOW) -> None:
        self._minutes: dict[int, dict[Who, dict[str, None]]] = {}
        self._sizes: dict[int, int] = {}  # accounts held per minute
        # Per key or viewer, the sizes of its minute sets summed over the minutes held: an upper
        # bound of its distinct accounts in any hour, so ``over`` unions only those above.
        self._totals: dict[Who, int] = {}
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
        grew = self._grow(bucket, who, accounts)
        self._sizes[minute] = self._sizes.get(minute, 0) + grew
        self.held += grew

    def feed(self, records: dict[RecordKey, set[str]]) -> None:
        """``add`` for every display record (platform, minute, key, viewer) -> accounts, for
        its key and its viewer: the same, in one pass."""
        minutes, sizes, grow = self._minutes, self._sizes, self._grow
        for (platform, minute, key_id, viewer_id), accounts in records.items():
            bucket = minutes.get(minute)
            if bucket is None:
                self._forget_before(minute - HOUR_MINUTES + 1)
                bucket = minutes[minute] = {}
            if self.held >= self.max_held:
                self.dropped += 2 * len(accounts)
                continue
            grew = grow(bucket, (platform, KEY, key_id), accounts)
            grew += grow(bucket, (platform, VIEWER, viewer_id), accounts)
            sizes[minute] = sizes.get(minute, 0) + grew
            self.held += grew

    def _grow(self, bucket: dict[Who, dict[str, None]], who: Who, accounts: Collection[str]) -> int:
        """Add ``accounts`` to ``who``'s set of a minute; how many it did not hold."""
        seen = bucket.get(who)
        if seen is None:
            seen = bucket[who] = dict.fromkeys(accounts)
            added = len(seen)
        else:
            before = len(seen)
            seen.update(dict.fromkeys(accounts))
            added = len(seen) - before
        self._totals[who] = self._totals.get(who, 0) + added
        return added

    def _forget_before(self, first: int) -> None:
        totals = self._totals
        for minute in [m for m in self._minutes if m < first]:
            for who, seen in self._minutes.pop(minute).items():
                left = totals.get(who, 0) - len(seen)
                if left > 0:
                    totals[who] = left
                else:
                    totals.pop(who, None)
            self.held -= self._sizes.pop(minute, 0)

    def accounts(self, who: Who, minute: int) -> set[str]:
        """The distinct accounts shown to ``who`` in the hour ending with ``minute``."""
        seen: set[str] = set()
        for m in range(minute - HOUR_MINUTES + 1, minute + 1):
            held = self._minutes.get(m, {}).get(who)
            if held:
                seen.update(held)
        return seen

    def over(self, threshold: int, minute: int, platform: str | None = None) -> dict[Who, int]:
        """Every key and viewer (of ``platform``, or all) shown more than ``threshold``
        distinct accounts in the hour ending with ``minute``, with that number."""
        found = {}
        # Only those whose minute sets add up to more than the threshold can be over it.
        for who in [w for w, n in self._totals.items() if n > threshold]:
            if platform not in (None, who[0]):
                continue
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


Shown = tuple[str, int, str, str, Hashable, Collection[str]]


class DisplayCounter:
    """The displays of one process: appended by the label path (``add``), taken in batches by
    the writer (``take``; one lock on that side only)."""

    def __init__(
        self,
        max_pending: int = MAX_PENDING,
        max_records: int = MAX_RECORDS,
        max_window: int = MAX_WINDOW,
    ) -> None:
        self._shown: deque[Shown] = deque()
        self._lock = threading.Lock()
        self._carried = DisplayBatch({}, {})  # put back after a failed write
        self.max_pending, self.max_records = max_pending, max_records
        self.hour = SlidingHour(max_window)
        self.dropped = 0  # displays not held: the queue was full
        self.records_dropped = 0  # display records not carried over failed writes

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
        conditions ``held``), asked for by key ``key_id``. ``accounts`` is kept as given: the
        caller does not change it afterwards."""
        if len(self._shown) < self.max_pending:
            self._shown.append((platform, minute, key_id, viewer_id, held, accounts))
        else:
            self.dropped += len(accounts)

    def take(self) -> DisplayBatch:
        """Everything shown since the last take (and any batch put back), the counter emptied;
        the sliding hour is fed with it."""
        with self._lock:
            counts, records = self._carried.counts, self._carried.records
            self._carried = DisplayBatch({}, {})
            shown, hour = self._shown, self.hour
            while shown:
                platform, minute, key_id, viewer_id, held, accounts = shown.popleft()
                day = minute // MINUTES_PER_DAY
                for account_id in accounts:
                    cell = (platform, account_id, day, held)
                    counts[cell] = counts.get(cell, 0) + 1
                record = (platform, minute, key_id, viewer_id)
                seen = records.get(record)
                if seen is None:
                    records[record] = set(accounts)
                else:
                    seen.update(accounts)
            # From the records, once per (minute, key, viewer): a feed shown again and again
            # within a minute costs one addition; a record put back adds nothing new.
            hour.feed(records)
        return DisplayBatch(counts, records)

    def restore(self, batch: DisplayBatch) -> None:
        """Put back a batch that could not be written: taken again with the next. Its counts
        are always kept; its records as long as fewer than ``max_records`` are carried."""
        with self._lock:
            counts, records = self._carried.counts, self._carried.records
            for cell, n in batch.counts.items():
                counts[cell] = counts.get(cell, 0) + n
            held = sum(len(s) for s in records.values())
            for record, accounts in batch.records.items():
                if held >= self.max_records:
                    self.records_dropped += len(accounts)
                    continue
                seen = records.setdefault(record, set())
                before = len(seen)
                seen.update(accounts)
                held += len(seen) - before

    def pending(self) -> int:
        """Displays counted and not yet written."""
        waiting = sum(len(item[5]) for item in list(self._shown))
        with self._lock:
            return waiting + sum(self._carried.counts.values())

    def over(self, threshold: int, minute: int, platform: str | None = None) -> dict[Who, int]:
        """Keys and viewers over ``threshold`` in this process's hour (as taken so far)."""
        with self._lock:
            return self.hour.over(threshold, minute, platform)

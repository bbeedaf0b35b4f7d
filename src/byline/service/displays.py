"""Name displays: how many times each disclosed name was shown, per day and class of viewer (the
creator's view), who was shown many distinct names within an hour (harvesting signals), and the
display records kept for abuse reports, read by staff only with a reason, audited, and purged
after the policy's retention.

Counting is in memory on the label path (``record``: a few dictionary and set operations); a
background thread (``start``) writes what was counted every few seconds in one transaction
(``flush``), and once more when stopped. A flush that fails puts its batch back (nothing is
lost; the failure is logged and counted in ``failed_flushes``) and the next one tries again.

With several workers each writes its own counts: display counts are added to the same rows,
display records are inserted (the same (minute, key, viewer, account) from two workers is one
row), and the harvesting signal is computed from the records of every worker, so requests a
scraper spreads over workers still add up. What the database holds lags each worker's memory
by at most the flush interval.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections import defaultdict
from collections.abc import Collection, Hashable
from dataclasses import dataclass, field
from typing import Any

from byline import displays as records_of
from byline.audit import AuditEntry, append
from byline.domain.labels import Viewer, class_conditions, viewer_class
from byline.domain.policy import DEFAULT_HARVEST_THRESHOLD, Policy
from byline.domain.vocabulary import AuditAction, StaffReadReason, ViewerCondition, coded
from byline.engine import HOUR_MINUTES, DisplayCounter
from byline.service._base import Actor, Deps, Service, epoch_units
from byline.service._harvest import HarvestFlags, HarvestSignals
from byline.service.policies import NoActivePolicy, active_policy
from byline.store import Connection

log = logging.getLogger("byline.displays")

FLUSH_EVERY_S = 5.0
PURGE_EVERY_S = 3600.0
VIEW_DAYS = 30  # the creator's view: this many days, today included
MAX_DISPLAY_READ = 1000  # display records per staff read
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _start_of(minute: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(minutes=minute)


def _hour_of(at: dt.datetime) -> dt.datetime:
    """The start of the clock hour (UTC) ``at`` falls in."""
    return at.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


def _hours_before(at: dt.datetime) -> dt.datetime:
    """The end of the last clock hour (UTC) that begins before ``at``."""
    hour = _hour_of(at)
    return hour if hour == at else hour + dt.timedelta(hours=1)


@dataclass(frozen=True)
class DisplayDay:
    """One day (UTC): how many times the name was shown to each class of viewer."""

    day: dt.date
    shown: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.shown.values())


@dataclass(frozen=True)
class Purged:
    """A platform's display records deleted: those from before ``before``."""

    platform: str
    records: int
    before: dt.datetime
    retention_days: int


@dataclass(frozen=True)
class DisplaysView:
    """A creator's displays: per day, per viewer class, how many times the name was shown;
    the classes the policy hides names from and how many displays each got (zero: never
    shown to it)."""

    platform: str
    account_id: str
    since: dt.date
    until: dt.date
    days: tuple[DisplayDay, ...]  # every day, oldest first
    classes: tuple[str, ...]  # the classes with displays, in order
    hidden_from: tuple[ViewerCondition, ...]
    shown_to_hidden: dict[ViewerCondition, int]

    @property
    def total(self) -> int:
        return sum(day.total for day in self.days)

    @property
    def never_shown_to(self) -> tuple[ViewerCondition, ...]:
        """The hidden classes the counts show no display to."""
        return tuple(c for c in self.hidden_from if not self.shown_to_hidden.get(c))

    def as_dict(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "account_id": self.account_id,
            "since": self.since.isoformat(),
            "until": self.until.isoformat(),
            "total": self.total,
            "classes": list(self.classes),
            "days": [{"day": d.day.isoformat(), "shown": dict(d.shown)} for d in self.days],
            "hidden_from": [c.value for c in self.hidden_from],
            "shown_to_hidden": {c.value: self.shown_to_hidden.get(c, 0) for c in self.hidden_from},
            "never_shown_to": [c.value for c in self.never_shown_to],
        }


@dataclass
class _Flusher:
    """The background thread that writes the displays counted, and purges old records."""

    displays: Displays
    every_s: float
    purge_every_s: float
    stopping: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None

    def run(self) -> None:
        since_purge = self.purge_every_s  # purge once at the start
        while not self.stopping.wait(self.every_s):
            self.displays.flush_logged()
            since_purge += self.every_s
            if since_purge >= self.purge_every_s:
                since_purge = 0.0
                try:
                    self.displays.purge()
                except Exception:
                    log.exception("purging display records failed; trying again later")

    def stop(self) -> None:
        """Stop, and write what was counted since the last flush."""
        self.stopping.set()
        if self.thread is not None:
            self.thread.join()
        self.displays.flush_logged()


class Displays(Service):
    """Name displays: counted on the label path (``record``), written in batches (``flush``),
    read by the creator (``view``), by the compliance lead (``harvest_signals``) and by staff
    with a reason (``read``); purged after the policy's retention (``purge``)."""

    def __init__(self, deps: Deps) -> None:
        super().__init__(deps)
        self.counter = DisplayCounter()
        # The server's harvesting threshold (configuration), over every policy's.
        self.harvest_threshold: int | None = None
        self.failed_flushes = 0
        self.flushed = 0  # displays written by this process
        self.flagged_here: dict[str, int] = {}  # per platform: keys and viewers flagged here
        self._flush_lock = threading.Lock()
        self._minute = epoch_units(deps.clock, 60)  # the minute now (on the label path too)

    # -- the label path ----------------------------------------------------------------------

    def record(
        self,
        platform: str,
        key_id: str,
        viewer_id: str,
        viewer: Viewer,
        account_ids: Collection[str],
    ) -> None:
        """``account_ids``' names were shown to ``viewer_id`` (``viewer``), asked by a key."""
        self.counter.add(platform, key_id, viewer_id, viewer.held, account_ids, self._minute())

    # -- writing -----------------------------------------------------------------------------

    def flush(self) -> int:
        """Write everything counted since the last flush, in one transaction; how many
        displays. On failure the batch is put back for the next flush, and the error raised."""
        with self._flush_lock:
            batch = self.counter.take()
            if not batch:
                return 0
            try:
                with self.db.transaction() as conn:
                    policies = self._policies(conn, {cell[0] for cell in batch.counts})
                    counts: dict[tuple[str, str, dt.date, str], int] = defaultdict(int)
                    for (platform, account_id, day, held), n in batch.counts.items():
                        cls = _class_of(policies.get(platform), held)
                        counts[(platform, account_id, _day(day), cls)] += n
                    records_of.add_counts(
                        conn,
                        [
                            {
                                "platform": p,
                                "account_id": a,
                                "day": d,
                                "viewer_class": c,
                                "shown": n,
                            }
                            for (p, a, d, c), n in counts.items()
                        ],
                    )
                    records_of.add_records(
                        conn,
                        [
                            {
                                "platform": platform,
                                "minute": _start_of(minute),
                                "key_id": key_id,
                                "viewer_id": viewer_id,
                                "account_id": account_id,
                            }
                            for (platform, minute, key_id, viewer_id), accounts in (
                                batch.records.items()
                            )
                            for account_id in sorted(accounts)
                        ],
                    )
                    self._watch(policies)
            except BaseException:
                self.counter.restore(batch)
                self.failed_flushes += 1
                raise
            self.flushed += batch.shown
            return batch.shown

    def flush_logged(self) -> int:
        """``flush``, a failure logged (without names: there are none) rather than raised."""
        try:
            return self.flush()
        except Exception as exc:
            log.warning(
                "writing name displays failed (%s); %d displays kept for the next flush",
                type(exc).__name__,
                self.counter.pending(),
            )
            return 0

    def _policies(self, conn: Connection, platforms: set[str]) -> dict[str, Policy]:
        found = {}
        for platform in platforms:
            try:
                found[platform] = active_policy(conn, platform)
            except NoActivePolicy:
                continue
        return found

    def _watch(self, policies: dict[str, Policy]) -> None:
        """This process's own sliding hour, against each platform's threshold: how many keys
        and viewers it flags (the platform's signal is computed from every worker's records);
        a warning when that number rises."""
        minute = self._minute()
        for platform, policy in policies.items():
            over = self.counter.over(self._threshold(policy), minute, platform)
            before = self.flagged_here.get(platform, 0)
            self.flagged_here[platform] = len(over)
            if len(over) > before:
                log.warning(
                    "harvesting signal on %s: %d keys or viewers over the threshold in this"
                    " worker's last hour",
                    platform,
                    len(over),
                )

    def start(
        self, every_s: float = FLUSH_EVERY_S, purge_every_s: float = PURGE_EVERY_S
    ) -> _Flusher:
        """Write displays every ``every_s`` seconds and purge old records every
        ``purge_every_s`` from a background thread; ``stop()`` ends it with a last flush."""
        flusher = _Flusher(self, every_s, purge_every_s)
        flusher.thread = threading.Thread(target=flusher.run, name="byline-displays", daemon=True)
        flusher.thread.start()
        return flusher

    # -- reading -----------------------------------------------------------------------------

    def view(self, platform: str, account_id: str, days: int = VIEW_DAYS) -> DisplaysView:
        """The creator's view of their own account over the last ``days`` days."""
        until = self.now().date()
        since = until - dt.timedelta(days=days - 1)
        with self.db.reading() as conn:
            policy = active_policy(conn, platform)
            rows = records_of.day_counts(conn, platform, account_id, since)
        by_day: dict[dt.date, dict[str, int]] = {
            since + dt.timedelta(days=i): {} for i in range(days)
        }
        classes: dict[str, None] = {}
        shown_to_hidden = dict.fromkeys(policy.viewers.hidden_from, 0)
        for row in rows:
            by_day.setdefault(row.day, {})[row.viewer_class] = row.shown
            classes[row.viewer_class] = None
            for condition in _conditions(row.viewer_class):
                if condition in shown_to_hidden:
                    shown_to_hidden[condition] += row.shown
        return DisplaysView(
            platform,
            account_id,
            since,
            until,
            tuple(DisplayDay(day, shown) for day, shown in sorted(by_day.items())),
            tuple(sorted(classes)),
            policy.viewers.hidden_from,
            shown_to_hidden,
        )

    def threshold(self, platform: str) -> int:
        """The harvesting threshold in force: the server's, else the policy's, else the
        default."""
        with self.db.reading() as conn:
            return self._threshold(active_policy(conn, platform))

    def _threshold(self, policy: Policy) -> int:
        return (
            self.harvest_threshold or policy.displays.harvest_threshold or DEFAULT_HARVEST_THRESHOLD
        )

    def harvest_signals(self, platform: str) -> HarvestSignals:
        """The keys and viewers of ``platform`` over the threshold in the sliding hour now,
        from every worker's display records."""
        minute = self._minute()
        since = _start_of(minute - HOUR_MINUTES + 1)
        with self.db.reading() as conn:
            threshold = self._threshold(active_policy(conn, platform))
            keys = records_of.distinct_over(conn, platform, "key_id", since, threshold)
            viewers = records_of.distinct_over(conn, platform, "viewer_id", since, threshold)
        return HarvestSignals(
            platform, threshold, since, _start_of(minute + 1), tuple(keys), tuple(viewers)
        )

    def harvest_flags(self, platform: str, start: dt.datetime, end: dt.datetime) -> HarvestFlags:
        """What the harvesting signal flagged from ``start`` to ``end``: the keys and viewers
        shown more than the threshold of distinct disclosed accounts within one clock hour,
        from the display records kept (a period older than the retention reads what is left,
        so ``records_from`` says where the records start).

        The hours are whole clock hours (UTC), from the one ``start`` (or the first record)
        falls in to the last that begins before ``end`` (or now); one query per keys and
        viewers counts every hour at once."""
        with self.db.reading() as conn:
            threshold = self._threshold(active_policy(conn, platform))
            first = records_of.first_record(conn, platform)
            keys: list[tuple[str, dt.datetime, int]] = []  # (who, hour, accounts) flagged
            viewers: list[tuple[str, dt.datetime, int]] = []
            if first is not None:
                since = _hour_of(max(start, first))
                until = _hours_before(min(end, self.now()))
                keys, viewers = (
                    records_of.distinct_over_per_hour(
                        conn, platform, column, since, until, threshold
                    )
                    for column in ("key_id", "viewer_id")
                )
        return HarvestFlags(
            threshold,
            first,
            len({who for who, _, _ in keys}),
            len({who for who, _, _ in viewers}),
            len(keys) + len(viewers),
        )

    def read(
        self,
        platform: str,
        *,
        reason: StaffReadReason | str,
        actor: Actor | str,
        viewer_id: str | None = None,
        account_id: str | None = None,
        key_id: str | None = None,
        limit: int = MAX_DISPLAY_READ,
    ) -> list[records_of.DisplayRecord]:
        """Display records of a viewer, an account or a key (at least one), newest first, for a
        member of staff who names a ``reason`` (a ``StaffReadReason`` code): the read is
        audited (``displays:read``, with the filters and how many records) in the same
        transaction."""
        code = coded(StaffReadReason, reason)
        if viewer_id is None and account_id is None and key_id is None:
            raise ValueError("name a viewer, an account or a key whose display records to read")
        if not 1 <= limit <= MAX_DISPLAY_READ:
            raise ValueError(f"limit: from 1 to {MAX_DISPLAY_READ}")
        who = actor if isinstance(actor, Actor) else Actor(actor)
        with self.db.transaction() as conn:
            active_policy(conn, platform)  # only a platform with a policy in force
            found = records_of.records(
                conn,
                platform,
                viewer_id=viewer_id,
                account_id=account_id,
                key_id=key_id,
                limit=limit,
            )
            detail: dict[str, Any] = {"platform": platform, "reason": code.value}
            detail.update(
                {k: v for k, v in (("viewer_id", viewer_id), ("key_id", key_id)) if v is not None}
            )
            detail["records"] = len(found)
            append(
                conn,
                AuditEntry(
                    at=self.now(),
                    actor=who.name,
                    action=AuditAction.DISPLAYS_READ,
                    account_id=account_id,
                    request_id=who.request_id,
                    detail=detail,
                ),
            )
        return found

    def purge(self, platform: str | None = None, *, actor: str = "system") -> tuple[Purged, ...]:
        """Delete display records older than each platform's retention days (``platform``, or
        every platform with records); how many per platform. Each purge that deletes
        records is audited (``displays:purged``), in its transaction."""
        now = self.now()
        gone: list[Purged] = []
        with self.db.reading() as conn:
            platforms = [platform] if platform else records_of.record_platforms(conn)
        for name in platforms:
            with self.db.transaction() as conn:
                try:
                    days = active_policy(conn, name).displays.retention_days
                except NoActivePolicy:
                    days = 30  # the policy's default, for records of a platform since retired
                before = now - dt.timedelta(days=days)
                n = records_of.purge_records(conn, name, before)
                gone.append(Purged(name, n, before, days))
                if n:
                    append(
                        conn,
                        AuditEntry(
                            at=now,
                            actor=actor,
                            action=AuditAction.DISPLAYS_PURGED,
                            detail={
                                "platform": name,
                                "before": before.isoformat(),
                                "records": n,
                                "retention_days": days,
                            },
                        ),
                    )
        return tuple(gone)


def _day(day: int) -> dt.date:
    return dt.date(1970, 1, 1) + dt.timedelta(days=day)


def _class_of(policy: Policy | None, held: Hashable) -> str:
    """The class of a viewer who held ``held`` (``Viewer.held``, as counted)."""
    conditions: frozenset[ViewerCondition] = held  # type: ignore[assignment]
    return viewer_class(policy, conditions)


def _conditions(cls: str) -> frozenset[ViewerCondition]:
    try:
        return class_conditions(cls)
    except ValueError:  # a class from a newer version: counted, named by no condition here
        return frozenset()


__all__ = ["DisplayDay", "Displays", "DisplaysView", "HarvestSignals", "Purged"]

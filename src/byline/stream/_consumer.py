"""The consumer: read a Redis Stream through a consumer group, apply each batch to the live
counter, act on its crossings, and checkpoint before acknowledging.

Exactly once, in this order per batch: apply the events (in memory), act on the crossings (the
``Live`` service: idempotent), send refused entries to ``NAME:rejected`` (under their own
stream ids, so a replay cannot send one twice); then, every few seconds and when stopped:
checkpoint (counters and the last applied id, atomically) and acknowledge. At start the group
is set back to the checkpoint's id, so whatever was read after it (applied or not: nothing of
it was checkpointed) is read again, by whichever consumer name. One consumer per group: the
counts are the whole stream's. Entries trimmed before they were read stop it (``_gaps``),
unless it is told to accept the gap, which it then logs and counts.
"""

from __future__ import annotations

import datetime as dt
import logging
import queue
import signal
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import redis

from byline.service import BELOW_ZERO, NOT_LINKED, OLD_SEQ, Crossed, LiveRun, Services
from byline.stream._decode import FIELD, CountRun, FollowRun, Refusal, decode
from byline.stream._gaps import Gap, StreamGap, find_gap, trimmed
from byline.stream._metrics import StreamMetrics

log = logging.getLogger("byline.stream")
UNKNOWN = Refusal("unknown_account", "account: not in the accounts snapshot")
COUNTS_ONLY = Refusal(
    "follow_not_counted", "op: this consumer takes count events only (--counts-only)"
)
# why the counter refused an event, in a few words naming the field
COUNTER_REFUSALS = {
    BELOW_ZERO: Refusal(BELOW_ZERO, "followers: already 0"),
    NOT_LINKED: Refusal(
        NOT_LINKED, "metrics: an owner's value for an account the snapshot links to no owner"
    ),
}


@dataclass(frozen=True)
class StreamSettings:
    redis_url: str
    stream: str
    platform: str
    checkpoint: Path
    group: str = "byline"
    consumer: str = "byline"
    accounts: Path | None = None
    counts: Path | None = None
    counts_only: bool = False  # follow events are refused (required under judge = "owner")
    batch: int = 20_000
    block_ms: int = 500
    checkpoint_seconds: float = 5.0
    metrics_port: int = 0
    exit_when_idle: float | None = None  # seconds with nothing to read, then stop
    accept_gap: bool = False  # count on past entries trimmed before they were read
    # the day crossings are observed on: None, each batch's last entry's (its stream id's) day;
    # a date, that day for every batch (a replay of a past stream, or a simulated programme)
    observed_on: dt.date | None = None

    @property
    def rejected(self) -> str:
        return f"{self.stream}:rejected"


@dataclass(frozen=True)
class Batch:
    """Entries read in one go, the offset of the first (None: not known), and the gap before
    them that was accepted."""

    entries: list[list[Any]]
    first: int | None = None
    gap: Gap | None = None


def _id_key(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def _as_sent(response: Any, **options: Any) -> Any:
    return response


def entries_of(reply: Any) -> list[list[Any]]:
    """The entries of one stream's ``XREADGROUP`` reply as sent (RESP3: a map, RESP2: pairs)."""
    if not reply:
        return []
    streams = reply.values() if isinstance(reply, dict) else (r[1] for r in reply)
    return next(iter(streams))


def _event_of(fields: list[bytes] | None) -> bytes | None:
    """The value of the entry's ``event`` field (None without one)."""
    if not fields:
        return None
    if fields[0] == FIELD:
        return fields[1]
    for i in range(2, len(fields) - 1, 2):
        if fields[i] == FIELD:
            return fields[i + 1]
    return None


class Consumer:
    def __init__(self, floor: Services, settings: StreamSettings) -> None:
        self.floor, self.s = floor, settings
        self.metrics = StreamMetrics()
        self.redis = redis.Redis.from_url(settings.redis_url)
        # entries as Redis sends them ([id, [field, value, ...]]): no dict built per entry
        self.redis.set_response_callback("XREADGROUP", _as_sent)
        self.stopping = False
        self.unacked: list[bytes] = []
        self.run: LiveRun | None = None
        self.rejected_top = (0, 0)
        self.metrics_names: frozenset[str] = frozenset()
        self.reader_error: redis.RedisError | StreamGap | None = None
        # the offset and id of the last entry read (the reader's), and whether this is the
        # group's first read (then what was trimmed before it is none of its business)
        self.read_offset: int | None = None
        self.read_position = ""
        self.fresh = True

    # -- start ------------------------------------------------------------------------------

    def start(self) -> LiveRun:
        s = self.s
        self.redis.ping()  # an unreachable Redis fails before the counters are loaded
        run = self.floor.live.start(
            s.platform,
            s.checkpoint,
            accounts=s.accounts,
            counts=s.counts,
            counts_only=s.counts_only,
        )
        self.run, self.metrics_names = run, frozenset(run.counters.metrics)
        position = run.position or "0-0"
        try:
            self.redis.xgroup_create(s.stream, s.group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
            if not run.resumed:
                self._refuse_fresh_start()
        # read again whatever came after the checkpoint; what came before it is done
        self.redis.xgroup_setid(s.stream, s.group, id=position)
        self._ack_up_to(position)
        self.read_offset, self.read_position, self.fresh = run.offset, run.position, not run.resumed
        if run.resumed and run.offset is None:
            log.info("the checkpoint keeps no stream offset: trims are found from the next one")
        gap = self._gap_in(self.redis.xinfo_stream(s.stream))
        if gap is not None:
            self._record_gap(gap)
        top: Any = self.redis.xrevrange(s.rejected, count=1)
        self.rejected_top = _id_key(top[0][0].decode()) if top else (0, 0)
        for outcome in ("applied", "rejected", "ignored"):
            self.metrics.entries.labels(outcome).inc(run.totals.get(outcome, 0))
        self.metrics.serve(s.metrics_port)
        log.info(
            "stream %s: %s accounts, %s at %s",
            s.stream,
            f"{len(run.accounts):,}",
            "resumed" if run.resumed else "started",
            position,
        )
        return run

    def _refuse_fresh_start(self) -> None:
        """A group that acknowledged entries was checkpointed somewhere: starting from the
        counts again would count those entries twice or never."""
        for group in self.redis.xinfo_groups(self.s.stream):
            if group["name"].decode() != self.s.group:
                continue
            last = group["last-delivered-id"].decode()
            if last != "0-0" and int(group["pending"]) < int(group.get("entries-read") or 1):
                raise ValueError(
                    f"group {self.s.group} has acknowledged entries of {self.s.stream} but "
                    f"there is no checkpoint at {self.s.checkpoint}; give its checkpoint, or "
                    "start a new group"
                )

    def _ack_up_to(self, position: str) -> None:
        while True:
            pending = self.redis.xpending_range(
                self.s.stream, self.s.group, min="-", max=position, count=10_000
            )
            if not pending:
                return
            self.redis.xack(self.s.stream, self.s.group, *(p["message_id"] for p in pending))

    # -- the loop ---------------------------------------------------------------------------

    def serve(self) -> dict[str, int]:
        """Consume until SIGTERM or SIGINT (or idle for ``exit_when_idle`` seconds); the last
        act is a checkpoint. Returns the totals."""
        run = self.run or self.start()
        previous = {sig: signal.signal(sig, self._stop) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            self._loop()
            self.checkpoint()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return dict(run.totals)

    def _loop(self) -> None:
        """Apply batches as a reader thread fetches them (the next read overlaps this batch's
        work). A batch fetched but never applied was not checkpointed: it is read again at the
        next start, like any entry after the checkpoint."""
        batches: queue.Queue[Batch] = queue.Queue(maxsize=2)
        done = threading.Event()
        reader = threading.Thread(target=self._read, args=(batches, done), daemon=True)
        reader.start()
        last_checkpoint = idle_since = time.monotonic()
        try:
            while not self.stopping and reader.is_alive():
                try:
                    batch = batches.get(timeout=self.s.block_ms / 1000)
                except queue.Empty:
                    batch = None  # the reader is still reading: not idle
                now = time.monotonic()
                entries = batch.entries if batch is not None else None
                if batch is not None and batch.gap is not None:
                    self._record_gap(batch.gap)
                if batch is not None and entries:
                    self.apply(entries, batch.first)
                    idle_since = now
                elif (
                    entries is not None  # the stream had nothing new
                    and self.s.exit_when_idle is not None
                    and now - idle_since >= self.s.exit_when_idle
                ):
                    return
                if self.unacked and now - last_checkpoint >= self.s.checkpoint_seconds:
                    self.checkpoint()
                    last_checkpoint = now
        finally:
            done.set()
            reader.join()
        if self.reader_error is not None:
            raise self.reader_error

    def _read(self, batches: queue.Queue[Batch], done: threading.Event) -> None:
        try:
            while not done.is_set():
                batch = self._read_batch()
                while not done.is_set():
                    try:
                        batches.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
        except (redis.RedisError, StreamGap) as exc:
            self.reader_error = exc

    def _read_batch(self) -> Batch:
        """The next entries, with the stream's state at the same instant (one ``MULTI``); when
        there are none, wait up to ``block_ms`` for one (without reading it)."""
        s = self.s
        pipe = self.redis.pipeline(transaction=True)
        pipe.xinfo_stream(s.stream)
        pipe.xreadgroup(s.group, s.consumer, {s.stream: ">"}, count=s.batch)
        info, reply = pipe.execute()
        gap = self._gap_in(info)
        entries = entries_of(reply)
        if not entries:
            self.redis.xread({s.stream: info["last-generated-id"]}, count=1, block=s.block_ms)
            return Batch([], None, gap)
        first = None
        if self.read_offset is not None:
            first = self.read_offset + 1
            self.read_offset += len(entries)
        self.read_position = entries[-1][0].decode()
        return Batch(entries, first, gap)

    def _gap_in(self, info: dict[str, Any]) -> Gap | None:
        """The entries after the last one read that ``info`` says are gone: ``StreamGap``,
        or the gap itself when it is accepted (None: there is none)."""
        if self.read_offset is None:
            if self.fresh:  # trimmed before this group's first read: not its entries
                self.read_offset, self.fresh = trimmed(info), False
            return None
        gap = find_gap(self.s.stream, info, self.read_offset, self.read_position)
        if gap is None:
            return None
        if not self.s.accept_gap:
            raise StreamGap(gap)
        self.read_offset = trimmed(info)
        return gap

    def _record_gap(self, gap: Gap) -> None:
        log.warning("%s; counting on past them (--accept-gap)", gap.words())
        self.metrics.gaps.inc()
        self.metrics.gap_entries.inc(gap.lost)
        if self.run is not None:
            self.run.count(gaps=1, lost=gap.lost)

    def _stop(self, signum: int, frame: FrameType | None) -> None:
        self.stopping = True

    def apply(self, entries: list[list[Any]], first: int | None = None) -> Crossed:
        """Apply one batch read from the stream (``first``: the offset of its first entry, if
        known) and act on its crossings."""
        began = time.perf_counter()
        run = self.run or self.start()
        ids = [e[0] for e in entries]
        payloads = [_event_of(e[1]) for e in entries]
        decoded = decode(payloads, self.metrics_names)
        refused, ignored = dict(decoded.refused), 0
        for part in decoded.runs:
            ignored += self._apply_run(run, part, refused)
        last = ids[-1].decode()
        last_ms = _id_key(last)[0]
        on = self.s.observed_on or dt.datetime.fromtimestamp(last_ms / 1000, dt.UTC).date()
        report = self.floor.live.act(run, on, actor=f"stream:{self.s.stream}")
        self._send_rejected(ids, payloads, refused)
        applied = len(entries) - len(refused) - ignored
        run.count(read=len(entries), applied=applied, rejected=len(refused), ignored=ignored)
        run.position = last
        run.offset = None if first is None else first + len(entries) - 1
        self.unacked.extend(ids)
        m = self.metrics
        m.entries.labels("applied").inc(applied)
        m.entries.labels("rejected").inc(len(refused))
        m.entries.labels("ignored").inc(ignored)
        m.crossings.inc(report.crossings)
        for action, n in {**report.actions, "stale": report.stale}.items():
            if n:
                m.cases.labels(action).inc(n)
        seconds, micros = self.redis.time()
        m.lag_seconds.set(max(0.0, seconds + micros / 1e6 - last_ms / 1000))
        m.batch_seconds.observe(time.perf_counter() - began)
        return report

    def _apply_run(
        self, run: LiveRun, part: FollowRun | CountRun, refused: dict[int, Refusal]
    ) -> int:
        """Apply one run of same-shaped events; note refusals; return how many were ignored."""
        if isinstance(part, FollowRun) and run.counts_only:
            refused.update(dict.fromkeys(part.positions, COUNTS_ONLY))
            return 0
        ids = part.followees if isinstance(part, FollowRun) else part.accounts
        rows = run.rows(ids)
        known = np.flatnonzero(rows >= 0)
        positions = part.positions
        for i in np.flatnonzero(rows < 0).tolist():
            refused[positions[i]] = UNKNOWN
        if isinstance(part, FollowRun):
            unfollow = np.array(part.unfollow, dtype=bool)
            result = run.follow(rows[known], unfollow[known])
        else:
            seqs = np.array(part.seqs, dtype=np.int64)
            result = run.set_counts(
                rows[known], seqs[known], [part.metrics[i] for i in known.tolist()]
            )
        ignored = 0
        for p, reason in zip(result.positions, result.reasons, strict=True):
            if reason == OLD_SEQ:
                ignored += 1
            else:
                refused[positions[int(known[p])]] = COUNTER_REFUSALS[reason]
        return ignored

    def _send_rejected(
        self, ids: list[bytes], payloads: list[bytes | None], refused: dict[int, Refusal]
    ) -> None:
        """Each refused entry, under its own id, unless a run before a crash sent it."""
        if not refused:
            return
        pipe = self.redis.pipeline(transaction=False)
        sent = 0
        for p in sorted(refused):
            entry_id = ids[p].decode()
            key = _id_key(entry_id)
            if key <= self.rejected_top:
                continue
            reason = refused[p]
            fields: dict[Any, Any] = {
                "event": payloads[p] or b"",
                "reason": reason.code,
                "detail": reason.words,
                "source_id": entry_id,
            }
            pipe.xadd(self.s.rejected, fields, id=entry_id)
            self.metrics.rejected.labels(reason.code).inc()
            self.rejected_top, sent = key, sent + 1
        if sent:
            pipe.execute()

    def checkpoint(self) -> None:
        """Save the counters and the position, then acknowledge what they include."""
        run = self.run
        if run is None:
            return
        began = time.perf_counter()
        run.save()
        for start in range(0, len(self.unacked), 10_000):
            self.redis.xack(self.s.stream, self.s.group, *self.unacked[start : start + 10_000])
        self.unacked.clear()
        self.metrics.checkpoint_seconds.observe(time.perf_counter() - began)
        if run.position:
            self.metrics.position.set(_id_key(run.position)[0])
        for group in self.redis.xinfo_groups(self.s.stream):
            if group["name"].decode() == self.s.group and group.get("lag") is not None:
                self.metrics.lag_entries.set(int(group["lag"]))
        log.info("checkpoint at %s: %s", run.position, dict(run.totals))
        if self.floor.live.refresh(run):
            log.info("policy in force now %s %s", run.policy.id, run.policy.version)

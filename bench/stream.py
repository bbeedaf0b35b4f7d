"""Benchmark: the live counter (``byline stream run``), three ways. Nothing is asserted: it
prints figures and ratios beside the targets of issue 14.

1. In process: follow/unfollow events applied per second to the counters of ``--accounts``
   accounts (default 10M, follower counts with a heavy tail; the events' followees drawn in
   proportion to followers, as real traffic is), in batches, crossings decided at each batch's
   end; against a pure-Python loop applying the same events one at a time.
2. End to end through the local Redis: ``--events`` entries (default 1M) put in one stream,
   read by a consumer group that does nothing with them (redis-py with hiredis, the same reads),
   and by the real consumer (decode, apply, act on crossings, checkpoint, acknowledge).
3. Latency: the consumer running as its own process while background follows flow
   (``--background`` events/s); one follow takes an account from 499,999 to 500,000 followers:
   the time from its ``XADD`` to its case being in the database, p50 and p99.

    python bench/stream.py                        # all three
    python bench/stream.py --accounts 1M --events 200K --trials 50    # quicker
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import numpy as np
import redis

from byline import cases
from byline.domain.vocabulary import AccountKind, Category
from byline.engine import LiveAccounts, LiveCounters, new_seq
from byline.policy import load_policy
from byline.service import Services, open_services
from byline.stream import Consumer, StreamSettings
from byline.stream._consumer import entries_of
from byline.synth import write_events

REDIS = os.environ.get("BYLINE_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
AS_OF = dt.date(2024, 1, 10)
ROOT = Path(__file__).parents[1]


def parse_size(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1], 1)
    return int(float(text.rstrip("KM")) * scale)


def heavy_tail(n: int, rng: np.random.Generator) -> np.ndarray:
    return np.minimum(rng.lognormal(2.0, 2.6, n), 150_000_000).astype(np.int64)


# -- 1. in process ----------------------------------------------------------------------------


def in_process(n: int, events: int, batch: int) -> None:
    rng = np.random.default_rng(7)
    followers = heavy_tail(n, rng)
    followers[: n // 1000] = 499_990 + rng.integers(0, 20, n // 1000)  # some near the floor
    ids = np.char.add("a", np.arange(n).astype(str))
    finance = LiveAccounts.CATEGORIES.index(Category.FINANCE)
    individual = LiveAccounts.KINDS.index(AccountKind.INDIVIDUAL)
    accounts = LiveAccounts(  # rows are given, never looked up by id: no index
        ids, np.full(n, individual, np.int8), np.full(n, finance, np.int8), index={}
    )
    live = LiveCounters(accounts, {"followers": followers.copy()}, new_seq(accounts), POLICY)
    # follows in proportion to followers + 1, unfollows to followers (nobody unfollows an
    # account no one follows), 7 to 3
    size = min(events, batch * 4)
    minus = rng.random(size) < 0.3
    rows = np.empty(size, np.int64)
    rows[~minus] = rng.choice(n, int((~minus).sum()), p=(followers + 1) / (followers + 1).sum())
    rows[minus] = rng.choice(n, int(minus.sum()), p=followers / followers.sum())
    applied, began, crossings = 0, time.perf_counter(), 0
    while applied < events:
        for start in range(0, rows.size, batch):
            live.follow(rows[start : start + batch], minus[start : start + batch])
            crossings += len(live.crossings(AS_OF))
            applied += min(batch, rows.size - start)
    vectorised = applied / (time.perf_counter() - began)

    plain = followers.copy()  # the least a vectorised count can do: one scatter-add per event
    began = time.perf_counter()
    for start in range(0, rows.size, batch):
        np.add.at(plain, rows[start : start + batch], 1 - 2 * minus[start : start + batch])
    floor = rows.size / (time.perf_counter() - began)

    counts = followers.tolist()
    sample = min(rows.size, 2_000_000)
    py_rows, py_minus = rows[:sample].tolist(), minus[:sample].tolist()
    began = time.perf_counter()
    for row, m in zip(py_rows, py_minus, strict=True):
        if m:
            if counts[row] > 0:
                counts[row] -= 1
        else:
            counts[row] += 1
    python = sample / (time.perf_counter() - began)
    print(f"in process, {n:,} accounts, batches of {batch:,}:")
    print(f"  vectorised  {vectorised / 1e6:8.1f} M events/s  ({crossings:,} crossings decided)")
    print(f"  pure Python {python / 1e6:8.1f} M events/s  (one at a time, no crossing check)")
    print(f"  np.add.at   {floor / 1e6:8.1f} M events/s  (no check, no crossing: the floor)")
    print(f"  ratio {vectorised / python:.1f}x; target >= 50 M events/s: {vectorised / 50e6:.2f}x")


# -- 2. end to end ----------------------------------------------------------------------------


def programme(tmp: Path, n: int, near: int) -> tuple[Services, Path, list[str], np.ndarray]:
    """A SQLite programme after one cycle over ``n`` accounts, ``near`` of them just below the
    floor; the accounts' ids and followers."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    tmp.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(9)
    followers = heavy_tail(n, rng)
    followers[:near] = 499_999
    ids = [f"acct-{i:09d}" for i in range(n)]
    table = pa.table(
        {
            "account_id": ids,
            "kind": ["individual"] * n,
            "category": ["finance"] * n,
            "followers": followers,
        }
    )
    snapshot = tmp / "accounts.parquet"
    pq.write_table(table, snapshot)
    floor = open_services(f"sqlite:///{tmp / 'byline.db'}")
    floor.cycles.run(snapshot, "weibo", AS_OF)
    return floor, snapshot, ids, followers


def fill(stream: str, path: Path) -> float:
    client = redis.Redis.from_url(REDIS)
    client.delete(stream)
    lines = path.read_bytes().splitlines()
    began = time.perf_counter()
    for start in range(0, len(lines), 10_000):
        pipe = client.pipeline(transaction=False)
        for line in lines[start : start + 10_000]:
            pipe.xadd(stream, {b"event": line})
        pipe.execute()
    return len(lines) / (time.perf_counter() - began)


def do_nothing(stream: str, total: int, batch: int) -> float:
    client = redis.Redis.from_url(REDIS)
    client.set_response_callback("XREADGROUP", lambda r, **_: r)  # as the consumer reads
    client.xgroup_create(stream, "nothing", id="0")
    began, seen = time.perf_counter(), 0
    while seen < total:
        reply = client.xreadgroup("nothing", "c", {stream: ">"}, count=batch, block=100)
        entries = entries_of(reply)
        seen += len(entries)
        if entries:
            client.xack(stream, "nothing", *(e[0] for e in entries))
    return total / (time.perf_counter() - began)


def end_to_end(tmp: Path, n: int, events: int, batch: int) -> None:
    floor, snapshot, ids, followers = programme(tmp, n, near=20)  # crossings are rare
    path = tmp / "events.jsonl"
    write_events(path, ids, followers, [500_000, 1_000_000], events, 7)
    stream = f"bench:stream:{uuid.uuid4().hex}"
    producer = fill(stream, path)
    nothing = do_nothing(stream, events, batch)
    settings = StreamSettings(
        REDIS,
        stream,
        "weibo",
        tmp / "e2e.npz",
        accounts=snapshot,
        batch=batch,
        exit_when_idle=0.5,
    )
    consumer = Consumer(floor, settings)
    consumer.start()
    began = time.perf_counter()
    totals = consumer.serve()
    real = totals["read"] / (time.perf_counter() - began - 0.5)
    redis.Redis.from_url(REDIS).delete(stream, f"{stream}:rejected")
    floor.close()
    print(f"end to end through Redis, {events:,} entries, {n:,} accounts, reads of {batch:,}:")
    print(f"  XADD (pipelined)     {producer / 1e3:8.0f} k entries/s")
    print(f"  do-nothing consumer  {nothing / 1e3:8.0f} k entries/s")
    print(f"  byline stream run    {real / 1e3:8.0f} k entries/s  ({totals})")
    print(f"  ratio {real / nothing:.2f} of the do-nothing consumer; target >= 0.50")


# -- 3. latency -------------------------------------------------------------------------------


def latency(tmp: Path, n: int, trials: int, background: int) -> None:
    floor, snapshot, ids, _ = programme(tmp, n, near=max(trials, 1000))
    stream = f"bench:latency:{uuid.uuid4().hex}"
    client = redis.Redis.from_url(REDIS)
    command = [
        sys.executable, "-m", "byline.cli", "stream", "run", "--platform", "weibo",
        "--stream", stream, "--redis", REDIS, "--db", f"sqlite:///{tmp / 'byline.db'}",
        "--accounts", str(snapshot), "--checkpoint", str(tmp / "lat.npz"),
    ]  # fmt: skip
    log = (tmp / "latency.log").open("ab")
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log, cwd=tmp)
    stop = threading.Event()
    far = ids[max(trials, 1000) :]
    noise = threading.Thread(target=_background, args=(stream, far, background, stop))
    client.xadd(stream, {b"event": _follow(ids[-1], "warm")})
    time.sleep(0.5)
    while not client.exists(stream) or not client.xinfo_groups(stream):
        time.sleep(0.1)
    noise.start()
    waits = []
    for i in range(trials):
        account = ids[i]
        began = time.perf_counter()
        client.xadd(stream, {b"event": _follow(account, f"t{i}")})
        while not _has_case(floor, account):
            time.sleep(0.002)
        waits.append(time.perf_counter() - began)
    stop.set()
    noise.join()
    proc.terminate()
    proc.wait(timeout=60)
    log.close()
    client.delete(stream, f"{stream}:rejected")
    floor.close()
    q = statistics.quantiles(waits, n=100)
    print(f"XADD to case opened, {trials} crossings, {background:,} background events/s:")
    print(f"  p50 {q[49] * 1000:7.1f} ms   p99 {q[98] * 1000:7.1f} ms   target p99 < 2000 ms")


def _follow(account: str, tag: str) -> bytes:
    event = {"event_id": tag, "op": "follow", "follower_id": f"bench-{tag}",
             "followee_id": account, "at": "2026-01-01T00:00:00Z"}  # fmt: skip
    return json.dumps(event).encode()


def _background(stream: str, ids: list[str], rate: int, stop: threading.Event) -> None:
    client = redis.Redis.from_url(REDIS)
    rng = np.random.default_rng(3)
    k = 0
    while not stop.is_set():
        began = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for row in rng.integers(0, len(ids), max(rate // 10, 1)).tolist():
            pipe.xadd(stream, {b"event": _follow(ids[row], f"b{k}")})
            k += 1
        pipe.execute()
        time.sleep(max(0.0, 0.1 - (time.perf_counter() - began)))


def _has_case(floor: Services, account: str) -> bool:
    with floor.deps.db.reading() as conn:
        return cases.open_case(conn, "weibo", account) is not None


POLICY = load_policy("weibo")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", default="10M", help="accounts in process (10M)")
    parser.add_argument("--applied", default="40M", help="events applied in process (40M)")
    parser.add_argument("--batch", default="1M", help="in-process batch (1M)")
    parser.add_argument("--events", default="1M", help="entries end to end (1M)")
    parser.add_argument("--e2e-accounts", default="1M", help="accounts end to end (1M)")
    parser.add_argument("--read", default="20K", help="entries per read (20K)")
    parser.add_argument("--trials", type=int, default=200, help="latency crossings (200)")
    parser.add_argument("--background", default="20K", help="background events/s (20K)")
    parser.add_argument("--only", choices=["process", "e2e", "latency"], action="append")
    a = parser.parse_args()
    only = set(a.only or ["process", "e2e", "latency"])
    if "process" in only:
        in_process(parse_size(a.accounts), parse_size(a.applied), parse_size(a.batch))
    with tempfile.TemporaryDirectory() as tmp:
        if "e2e" in only:
            end_to_end(
                Path(tmp) / "e2e", parse_size(a.e2e_accounts), parse_size(a.events),
                parse_size(a.read),
            )  # fmt: skip
        if "latency" in only:
            latency(Path(tmp) / "lat", parse_size(a.e2e_accounts), a.trials,
                    parse_size(a.background))  # fmt: skip


if __name__ == "__main__":
    main()

"""The stream consumer on the local Redis and a real database: killed with SIGKILL at random
points while events flow and restarted, it ends with the counts of a recount from the edge list
and with the cases those counts decide; wrong-shaped events reach ``NAME:rejected`` with their
reasons and the totals reconcile; an older ``seq`` is ignored; SIGTERM stops it after a
checkpoint with everything acknowledged."""

from __future__ import annotations

import datetime as dt
import json
import random
import signal
import threading
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import redis

from byline.domain.cases import CaseState
from byline.domain.decision import Account, decide
from byline.domain.vocabulary import AccountKind, Category
from byline.stream import Consumer, StreamSettings
from byline.synth import write_events
from support.stream import FLOOR, TOP, World

LATER = dt.date(2025, 1, 1)  # every phase has started: the decision the cases must show
pytestmark = pytest.mark.slow


def entries(world: World, events: list[dict | bytes]) -> list[bytes]:
    return [e if isinstance(e, bytes) else json.dumps(e).encode() for e in events]


def send(world: World, payloads: list[bytes], pause: float = 0.0, chunk: int = 20) -> None:
    client = redis.Redis.from_url(world.redis_url)
    for start in range(0, len(payloads), chunk):
        pipe = client.pipeline(transaction=False)
        for p in payloads[start : start + chunk]:
            pipe.xadd(world.stream, {"event": p})
        pipe.execute()
        time.sleep(pause)


def recount(world: World, events: list[dict]) -> list[int]:
    """Distinct followers from the edge list: the snapshot's followers, then every event."""
    edges = {
        (f"{a}.f{k}", a) for a, n in zip(world.ids, world.followers, strict=True) for k in range(n)
    }
    for e in events:
        pair = (e.get("follower_id"), e.get("followee_id"))
        if e.get("op") == "follow":
            edges.add(pair)
        elif e.get("op") == "unfollow":
            edges.discard(pair)
    by_account = Counter(a for _, a in edges)
    return [by_account[a] for a in world.ids]


def checkpoint_of(world: World) -> tuple[list[int], dict]:
    with np.load(world.checkpoint) as data:
        meta = json.loads(data["meta"].tobytes().decode())
        return data["m_followers"].tolist(), meta


def assert_cases_follow_the_counts(world: World, counts: list[int]) -> None:
    policy = world.floor.policies.in_force("weibo")
    found = world.floor.cases.list_cases("weibo", limit=1000)
    by_account = {c.account_id: c for c in found}
    assert len(by_account) == len(found), "one case per account"
    for i, account_id in enumerate(world.ids):
        account = Account(
            account_id,
            AccountKind(world.kinds[i]),
            Category(world.categories[i]),
            {"followers": counts[i]},
        )
        d = decide(account, policy, LATER)
        case = by_account.get(account_id)
        if d.required:
            assert case is not None, f"{account_id} ({counts[i]}) has no case"
            assert case.below_since is None and case.tier == d.tier, (account_id, case)
        elif case is not None:
            assert case.below_since is not None or case.state is CaseState.RELEASED, account_id


def wait_until_consuming(world: World, starts: int) -> None:
    """Until the log says the consumer has started (or resumed) ``starts`` times."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        text = world.log.read_text() if world.log.exists() else ""
        if text.count(" started at ") + text.count(" resumed at ") >= starts:
            return
        time.sleep(0.05)
    raise AssertionError(f"the consumer did not start: {text[-2000:]}")


def bad_events(world: World) -> list[dict | bytes]:
    zero = [a for a, n in zip(world.ids, world.followers, strict=True) if n == 0]
    return [
        # unfollows of accounts with no follower (first in the stream: still none)
        *(
            {"event_id": f"z{a}", "op": "unfollow", "follower_id": "x", "followee_id": a, "at": 1}
            for a in zero
        ),
        b"not json",
        {"event_id": "b1", "op": "like", "follower_id": "x", "followee_id": "y", "at": 1},
        {"event_id": "b2", "op": "follow", "follower_id": "x", "followee_id": "nobody", "at": 1},
        {"event_id": "b3", "account_id": "nobody", "metrics": {"followers": 1}, "seq": 1, "at": 1},
    ]


def test_a_consumer_killed_at_random_ends_with_the_recount(world: World) -> None:
    path = world.tmp / "events.jsonl"
    write_events(path, world.ids, world.followers, [FLOOR, TOP], 3000, seed=5)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    bad = bad_events(world)
    zero_unfollows, wrong = bad[:2], bad[2:]
    stream = [*zero_unfollows, *events[:1500], *wrong, *events[1500:]]
    payloads = entries(world, stream)
    producer = threading.Thread(target=send, args=(world, payloads, 0.08))
    rng = random.Random(2)
    extra = ("--batch", "40", "--checkpoint-seconds", "0.3")
    for kills in range(4):
        consumer = world.start(*extra)
        wait_until_consuming(world, kills + 1)  # then kill it mid-stream, at a random point
        if kills == 0:
            producer.start()
        time.sleep(rng.uniform(0.05, 1.5))
        consumer.send_signal(signal.SIGKILL)
        consumer.wait()
    producer.join()
    final = world.start(*extra, "--exit-when-idle", "2")
    final.wait(timeout=120)
    assert final.returncode == 0, world.log.read_text()[-2000:]

    counts, meta = checkpoint_of(world)
    want = recount(world, [e for e in stream if isinstance(e, dict)])
    assert counts == want
    totals = meta["totals"]
    assert totals["read"] == len(payloads) == totals["applied"] + totals["rejected"]
    assert totals["rejected"] == len(bad)
    client = redis.Redis.from_url(world.redis_url)
    assert client.xlen(f"{world.stream}:rejected") == len(bad)
    group = client.xinfo_groups(world.stream)[0]
    assert group["pending"] == 0 and group["lag"] == 0
    assert_cases_follow_the_counts(world, counts)
    crossed = [
        i
        for i, (a, b) in enumerate(zip(world.followers, want, strict=True))
        if (a >= FLOOR) != (b >= FLOOR)
    ]
    assert crossed, "the events moved some account across the floor"


def in_process(world: World, batch: int = 7) -> Consumer:
    settings = StreamSettings(
        redis_url=world.redis_url,
        stream=world.stream,
        platform="weibo",
        checkpoint=world.checkpoint,
        batch=batch,
        checkpoint_seconds=0.0,
        exit_when_idle=0.2,
    )
    return Consumer(world.floor, settings)


def test_wrong_events_reach_the_rejected_stream_with_reasons(world: World) -> None:
    follower_less = world.ids[world.followers.tolist().index(0)]
    good = {
        "event_id": "g",
        "op": "follow",
        "follower_id": "x",
        "followee_id": world.ids[0],
        "at": "2025-01-01T00:00:00Z",
    }
    stream = [
        good,
        b"{not json",
        {"event_id": "1", "op": "like", "follower_id": "x", "followee_id": world.ids[0], "at": 1},
        {"event_id": "2", "op": "follow", "follower_id": "x", "at": 1},
        {"event_id": "3", "op": "follow", "follower_id": "y", "followee_id": "y", "at": 1},
        {"event_id": "4", "op": "follow", "follower_id": "x", "followee_id": "ghost", "at": 1},
        {
            "event_id": "5",
            "op": "unfollow",
            "follower_id": "x",
            "followee_id": follower_less,
            "at": 1,
        },
        {"event_id": "6", "account_id": "ghost", "metrics": {"followers": 3}, "seq": 1, "at": 1},
        {"event_id": "7", "account_id": world.ids[1], "metrics": {"reads": 3}, "seq": 1, "at": 1},
        {
            "event_id": "8",
            "account_id": world.ids[1],
            "metrics": {"followers": -1},
            "seq": 2,
            "at": 1,
        },
        {"hello": "world"},
        [1, 2],
    ]
    send(
        world,
        entries(world, [e if not isinstance(e, list) else json.dumps(e).encode() for e in stream]),
    )
    redis.Redis.from_url(world.redis_url).xadd(world.stream, {"other": b"x"})
    totals = in_process(world).serve()
    client = redis.Redis.from_url(world.redis_url)
    rejected = client.xrange(f"{world.stream}:rejected")
    reasons = [fields[b"reason"].decode() for _, fields in rejected]
    assert reasons == [
        "not_json",
        "unknown_shape",
        "bad_field",
        "self_follow",
        "unknown_account",
        "unfollow_below_zero",
        "unknown_account",
        "bad_field",
        "bad_field",
        "unknown_shape",
        "unknown_shape",
        "no_event",
    ]
    details = [fields[b"detail"].decode() for _, fields in rejected]
    assert details[2].startswith("followee_id") and details[7].startswith("metrics.reads")
    source = [e for e, _ in client.xrange(world.stream)]
    assert [f[b"source_id"] for _, f in rejected] == source[1:]
    assert totals["read"] == 13 == totals["applied"] + totals["rejected"] + totals["ignored"]
    assert (totals["applied"], totals["rejected"], totals["ignored"]) == (1, 12, 0)


def test_count_events_with_an_older_seq_are_ignored(world: World) -> None:
    row = world.followers.tolist().index(49)  # one below the floor, individual in finance
    account = world.ids[row]

    def count(seq: int, value: int) -> dict:
        return {
            "event_id": f"c{seq}",
            "account_id": account,
            "metrics": {"followers": value},
            "seq": seq,
            "at": "2025-01-01T00:00:00Z",
        }

    send(world, entries(world, [count(5, 70), count(3, 10), count(5, 12), count(6, 40)]))
    totals = in_process(world, batch=1).serve()  # one event a batch: each crossing is seen
    assert (totals["applied"], totals["ignored"], totals["rejected"]) == (2, 2, 0)
    counts, _ = checkpoint_of(world)
    assert counts[row] == 40
    cases = {c.account_id: c for c in world.floor.cases.list_cases("weibo", limit=1000)}
    # opened at 70 (across the floor), observed below it at 40; the older seqs moved nothing
    assert dict(cases[account].metrics) == {"followers": 40}
    assert cases[account].below_since is not None


def test_sigterm_stops_after_a_checkpoint_with_everything_acknowledged(world: World) -> None:
    path = world.tmp / "events.jsonl"
    write_events(path, world.ids, world.followers, [FLOOR, TOP], 400, seed=9)
    events = [json.loads(line) for line in path.read_text().splitlines()]
    consumer = world.start("--checkpoint-seconds", "3600")
    send(world, entries(world, events))
    client = redis.Redis.from_url(world.redis_url)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        groups = client.xinfo_groups(world.stream) if client.exists(world.stream) else []
        if groups and groups[0]["lag"] == 0 and groups[0]["pending"] == len(events):
            break
        time.sleep(0.1)
    assert not world.checkpoint.exists()  # nothing checkpointed yet (once an hour)
    consumer.send_signal(signal.SIGTERM)
    consumer.wait(timeout=60)
    assert consumer.returncode == 0, world.log.read_text()[-2000:]
    counts, meta = checkpoint_of(world)
    last = client.xrevrange(world.stream, count=1)[0][0].decode()
    assert meta["position"] == last and meta["totals"]["applied"] == len(events)
    assert client.xinfo_groups(world.stream)[0]["pending"] == 0
    assert counts == recount(world, events)


def test_a_checkpoint_over_other_accounts_is_refused(world: World, tmp_path: Path) -> None:
    send(
        world,
        entries(
            world,
            [
                {
                    "event_id": "g",
                    "op": "follow",
                    "follower_id": "x",
                    "followee_id": world.ids[0],
                    "at": 1,
                }
            ],
        ),
    )
    in_process(world).serve()
    other = world.snapshot.with_name("other.parquet")
    table = pq.read_table(world.snapshot).slice(1)
    pq.write_table(table, other)
    settings = StreamSettings(
        world.redis_url, world.stream, "weibo", world.checkpoint, accounts=other, exit_when_idle=0.1
    )
    with pytest.raises(ValueError, match="other accounts"):
        Consumer(world.floor, settings).serve()


def test_it_starts_from_a_count_output_when_given(world: World) -> None:
    """``--counts``: a ``byline count`` output's counts.parquet (an account it lacks has 0);
    follow events move ``followers`` and leave ``effective_followers`` as counted."""
    counts = world.tmp / "counts.parquet"
    pq.write_table(
        pa.table(
            {
                "account_id": [world.ids[0], world.ids[1], "not-in-snapshot"],
                "followers": [500, 7, 9],
                "effective_followers": [400, 7, 9],
                "owner_ref": [None, "o1", None],
            }
        ),
        counts,
    )
    follow = {"op": "follow", "follower_id": "x", "at": 1}
    send(
        world,
        entries(
            world,
            [
                {**follow, "event_id": "1", "followee_id": world.ids[0]},
                {**follow, "event_id": "2", "followee_id": world.ids[2]},
            ],
        ),
    )
    settings = StreamSettings(
        world.redis_url, world.stream, "weibo", world.checkpoint, counts=counts, exit_when_idle=0.2
    )
    Consumer(world.floor, settings).serve()
    with np.load(world.checkpoint) as data:
        assert data["m_followers"][:3].tolist() == [501, 7, 1]
        assert data["m_effective_followers"][:3].tolist() == [400, 7, 0]


def test_a_lost_checkpoint_is_not_mistaken_for_a_fresh_start(world: World) -> None:
    follow = {"event_id": "1", "op": "follow", "follower_id": "x", "followee_id": world.ids[0]}
    send(world, entries(world, [{**follow, "at": 1}]))
    in_process(world).serve()
    world.checkpoint.unlink()  # the group acknowledged an entry the counts no longer hold
    with pytest.raises(ValueError, match="no checkpoint"):
        in_process(world).serve()

"""A stream trimmed past what the consumer has read (real Redis, ``XTRIM``): the consumer stops
with an error naming the entries gone, at start (trimmed past its checkpoint) and while it runs
(trimmed past what it has read); with ``accept_gap`` it counts on, and the gap is in its totals,
its checkpoint and its metrics. A stream trimmed before the group's first read is no gap."""

from __future__ import annotations

import json

import numpy as np
import pytest
import redis

from byline.stream import Consumer, StreamGap, StreamSettings
from support.stream import World

pytestmark = pytest.mark.slow


def add_follows(world: World, n: int, start: int = 0) -> None:
    client = redis.Redis.from_url(world.redis_url)
    pipe = client.pipeline(transaction=False)
    for k in range(start, start + n):
        event = {"event_id": f"e{k}", "op": "follow", "follower_id": f"new{k}",
                 "followee_id": world.ids[k % len(world.ids)], "at": 1}  # fmt: skip
        pipe.xadd(world.stream, {"event": json.dumps(event)})
    pipe.execute()


def consumer(world: World, accept_gap: bool = False) -> Consumer:
    return Consumer(
        world.floor,
        StreamSettings(
            redis_url=world.redis_url,
            stream=world.stream,
            platform="weibo",
            checkpoint=world.checkpoint,
            batch=7,
            checkpoint_seconds=0.0,
            exit_when_idle=0.2,
            accept_gap=accept_gap,
        ),
    )


def checkpoint(world: World) -> dict:
    with np.load(world.checkpoint) as data:
        return dict(json.loads(data["meta"].tobytes().decode()))


def trim(world: World, keep: int) -> None:
    redis.Redis.from_url(world.redis_url).xtrim(world.stream, maxlen=keep, approximate=False)


def test_trimmed_past_the_checkpoint_it_stops_at_start(world: World) -> None:
    add_follows(world, 50)
    assert consumer(world).serve()["applied"] == 50
    before = checkpoint(world)
    assert before["offset"] == 50
    add_follows(world, 30, start=50)
    trim(world, 10)  # entries 51 to 70 are gone, never read
    with pytest.raises(StreamGap, match=rf"20 entries after {before['position']} were trimmed"):
        consumer(world).start()
    assert checkpoint(world) == before  # nothing counted past the gap

    # told to accept it: the 10 left are counted, the 20 lost are in the totals and metrics
    c = consumer(world, accept_gap=True)
    totals = c.serve()
    assert (totals["applied"], totals["lost"], totals["gaps"]) == (60, 20, 1)
    assert c.metrics.registry.get_sample_value("byline_stream_gap_entries_total") == 20
    assert checkpoint(world)["offset"] == 80
    assert consumer(world).serve()["lost"] == 20  # accepted once, not again at the next start


def test_trimmed_past_what_it_has_read_it_stops_while_running(world: World) -> None:
    add_follows(world, 20)
    c = consumer(world)
    c.start()  # the group reads from the start: nothing is gone yet
    add_follows(world, 20, start=20)
    trim(world, 5)  # 35 gone before the consumer read any
    with pytest.raises(StreamGap, match="35 entries at its start were trimmed"):
        c.serve()
    assert not world.checkpoint.exists()  # nothing checkpointed past the gap


def test_a_stream_trimmed_before_the_first_read_is_no_gap(world: World) -> None:
    add_follows(world, 20)
    trim(world, 5)
    totals = consumer(world).serve()
    assert (totals["applied"], totals.get("lost", 0)) == (5, 0)
    assert checkpoint(world)["offset"] == 20

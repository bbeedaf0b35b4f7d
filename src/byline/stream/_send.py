"""Put events into a stream: each line of a JSON Lines file as one entry's ``event`` field."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path

import redis

from byline.stream._decode import FIELD

PIPELINE = 5_000


def lines_of(path: Path) -> Iterator[bytes]:
    with path.open("rb") as f:
        for line in f:
            line = line.strip()
            if line:
                yield line


def send_events(redis_url: str, stream: str, events: Iterable[bytes]) -> int:
    """XADD every event, in order, in pipelines; return how many were added."""
    client = redis.Redis.from_url(redis_url)
    pipe = client.pipeline(transaction=False)
    sent = 0
    for event in events:
        pipe.xadd(stream, {FIELD: event})
        sent += 1
        if sent % PIPELINE == 0:
            pipe.execute()
    pipe.execute()
    return sent

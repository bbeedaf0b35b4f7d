"""The dispatcher killed: `byline outbox deliver` SIGKILLed at random moments, then run again
until nothing is owed. Every message reaches every endpoint (two real receivers on loopback),
one `delivered` record per (message, endpoint), and every copy an endpoint got of one message
id is the same signed message (a message sent but not recorded before the kill is sent again,
unchanged). Per seed, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from byline.outbox import WebhookReceiver
from support.chaos import (
    KILLS,
    MovableClock,
    assert_each_delivered_once,
    byline_argv,
    byline_env,
    cycle_snapshot,
    kill_group,
    ok,
    outbox_with_messages,
    owed,
    run_byline,
    spawn,
)

T0 = dt.datetime(2023, 10, 16, 9, 0, tzinfo=dt.UTC)
PAST_LEASE_AND_BACKOFF = 3600  # seconds: the lease (120 s) and any backoff (at most 600 s)
MESSAGES = 80


@pytest.fixture
def receivers() -> Iterator[tuple[MovableClock, list[WebhookReceiver]]]:
    clock = MovableClock(T0)
    with (
        WebhookReceiver("whsec-chaos-one-0123456789", clock=clock) as one,
        WebhookReceiver("whsec-chaos-two-0123456789", clock=clock) as two,
    ):
        yield clock, [one, two]


def test_killed_dispatcher_delivers_each_message_once_per_endpoint(
    database_url: str,
    seed: int,
    receivers: tuple[MovableClock, list[WebhookReceiver]],
    tmp_path: Path,
) -> None:
    clock, endpoints = receivers
    snapshot = cycle_snapshot(tmp_path / "snapshot.parquet", required=MESSAGES, small=10)
    assert outbox_with_messages(database_url, snapshot, endpoints) == MESSAGES + 1  # + audit head
    rng = random.Random(f"dispatcher-{database_url.split(':')[0]}-{seed}")

    def deliver() -> list[str]:
        at = clock.advance(PAST_LEASE_AND_BACKOFF)  # what a killed run leased is due again
        return byline_argv("outbox", "deliver", "--db", database_url, "--rounds", "20",
                           "--at", at, "--json")  # fmt: skip

    kills = 0
    for _ in range(KILLS):
        before = sum(r.requests for r in endpoints)
        proc = spawn(deliver(), cwd=tmp_path, env=byline_env())
        # a random moment once it has started sending (or given up waiting for it to)
        deadline = time.monotonic() + 30
        while sum(r.requests for r in endpoints) == before and time.monotonic() < deadline:
            if proc.poll() is not None:
                break
            time.sleep(0.02)
        time.sleep(rng.uniform(0.0, 0.5))
        if proc.poll() is not None:
            break
        kill_group(proc)
        kills += 1
    assert kills >= 1, "delivery finished before it could be killed; add messages"
    for _ in range(10):
        if owed(database_url) == 0:
            break
        ok(run_byline(*deliver()[3:], cwd=tmp_path))
    assert owed(database_url) == 0
    assert_each_delivered_once(database_url, endpoints)

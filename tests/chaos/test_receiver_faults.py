"""A webhook receiver down (nothing listens on its port), then answering 500, then slower than
the dispatcher's timeout, then healthy: after a bounded number of `byline outbox deliver` runs
every message is delivered, one `delivered` record per (message, endpoint), and every copy the
receiver saw of one message id is the same message (a slow delivery sent again after a timeout
is the message it took, never another). Time moves by `deliver --at`, not by sleeping."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from byline.outbox import WebhookReceiver
from support.chaos import (
    MovableClock,
    assert_each_delivered_once,
    cycle_snapshot,
    free_port,
    ok,
    outbox_with_messages,
    owed,
    run_byline,
)

T0 = dt.datetime(2023, 10, 16, 9, 0, tzinfo=dt.UTC)
SECRET = "whsec-chaos-receiver-0123456789"
TIMEOUT_S = 0.5  # the dispatcher's (`deliver --timeout`); the default is 10 s
SLOW = 3  # messages the receiver takes but answers too late


def test_receiver_down_failing_slow_then_back(tmp_path: Path) -> None:
    db_url = f"sqlite:///{tmp_path / 'byline.db'}"
    clock = MovableClock(T0)
    receiver = WebhookReceiver(SECRET, clock=clock, port=free_port())
    # registered while nothing listens there: the endpoint is down
    expected = outbox_with_messages(
        db_url, cycle_snapshot(tmp_path / "s.parquet", required=10, small=5), [_Url(receiver)]
    )

    def deliver() -> dict[str, int]:
        at = clock.advance(3600)  # past any backoff (at most 10 min)
        out = ok(run_byline("outbox", "deliver", "--db", db_url, "--rounds", "3", "--at", at,
                            "--timeout", str(TIMEOUT_S), "--json", cwd=tmp_path))  # fmt: skip
        return dict(json.loads(out))

    try:
        down = deliver()
        assert down["delivered"] == 0 and down["failed"] == expected
        receiver.start()
        receiver.down(500)
        failing = deliver()
        assert failing["delivered"] == 0 and failing["failed"] == expected
        assert receiver.received == []
        receiver.up()
        receiver.slow(TIMEOUT_S * 3, count=SLOW)  # takes each, answers after the timeout
        slow = deliver()
        assert slow["delivered"] == expected - SLOW and slow["failed"] == SLOW
        assert len(receiver.received) == expected
        for _ in range(5):  # healthy: bounded rounds
            if owed(db_url) == 0:
                break
            deliver()
        assert owed(db_url) == 0
        # the slow ones were sent again, and only they; each copy the same message
        assert sorted(r.seen for r in receiver.duplicates) == [2] * SLOW
        assert_each_delivered_once(db_url, [receiver])
    finally:
        receiver.close()


class _Url:
    """The receiver as the endpoint to register before it listens."""

    def __init__(self, receiver: WebhookReceiver) -> None:
        self.url = f"http://127.0.0.1:{receiver.port}{receiver.path}"
        self.secret = receiver.secret

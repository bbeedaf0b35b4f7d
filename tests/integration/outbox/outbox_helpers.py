"""Shared by the outbox tests: the start of simulated time, a platform, a secret, a simulated
clock."""

from __future__ import annotations

import datetime as dt

from byline.outbox import AllowList, WebhookGuard

T0 = dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
SECRET = "whsec-test-0123456789abcdef"
PLATFORM = "weibo"  # the tenant (its policy id) unless a test says otherwise
# The test receivers listen on loopback: the allow list an operator would write for them.
LOCAL = WebhookGuard(AllowList.parse("127.0.0.1"))


class SimulatedClock:
    """The time both sides agree on: the dispatcher is handed ``now``, the receiver asks."""

    def __init__(self, now: dt.datetime = T0) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, seconds: float) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now

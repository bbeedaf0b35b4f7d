"""Outbox fixtures: a simulated clock, a real webhook receiver on loopback, a real HTTP sink."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from outbox_helpers import SECRET, SimulatedClock

from byline.outbox import HttpSink, WebhookReceiver


@pytest.fixture
def clock() -> SimulatedClock:
    return SimulatedClock()


@pytest.fixture
def receiver(clock: SimulatedClock) -> Iterator[WebhookReceiver]:
    with WebhookReceiver(SECRET, clock=clock) as running:
        yield running


@pytest.fixture
def sink() -> Iterator[HttpSink]:
    with HttpSink(timeout_s=5) as http:
        yield http

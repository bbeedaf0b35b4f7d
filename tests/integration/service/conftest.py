from __future__ import annotations

import datetime as dt

import pytest

from byline.service.programme import Programme
from byline.store import Database
from byline.vault import LocalKeyProvider, Vault


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> dt.datetime:
        self.now += dt.timedelta(**delta)
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(dt.datetime(2023, 10, 16, 9, 0, tzinfo=dt.UTC))


@pytest.fixture
def programme(db: Database, clock: Clock) -> Programme:
    provider = LocalKeyProvider.ephemeral()
    return Programme(db, Vault(provider), clock, provider)

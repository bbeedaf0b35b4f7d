"""The retry schedule: doubling from the base delay to the cap; jitter only when asked, and
repeatable with a seeded generator."""

from __future__ import annotations

import random

import pytest
from sqlalchemy import create_engine

from byline.outbox import Dispatcher
from byline.store import Database


class NoSink:
    def send(self, url: str, body: bytes, headers: dict[str, str], address: str) -> int:
        raise AssertionError("nothing is sent here")


def dispatcher(**options: object) -> Dispatcher:
    return Dispatcher(Database(create_engine("sqlite://")), NoSink(), **options)  # type: ignore[arg-type]


def test_delays_double_up_to_the_cap() -> None:
    schedule = [dispatcher().retry_delay(n).total_seconds() for n in range(1, 11)]
    assert schedule == [10, 20, 40, 80, 160, 320, 600, 600, 600, 600]


def test_a_very_long_outage_stays_at_the_cap() -> None:
    assert dispatcher().retry_delay(100_000).total_seconds() == 600


def test_jitter_shortens_within_its_fraction_and_repeats_with_a_seed() -> None:
    def schedule() -> list[float]:
        d = dispatcher(jitter=0.2, rng=random.Random(7))
        return [d.retry_delay(n).total_seconds() for n in range(1, 9)]

    first = schedule()
    assert first == schedule()
    plain = [10, 20, 40, 80, 160, 320, 600, 600]
    assert all(0.8 * p <= j <= p for j, p in zip(first, plain, strict=True))
    assert first != plain


@pytest.mark.parametrize(
    "options",
    [
        {"batch": 0},
        {"base_delay_s": 0},
        {"base_delay_s": 60, "max_delay_s": 30},
        {"lease_s": 0},
        {"jitter": 1.0},
    ],
)
def test_nonsense_settings_are_refused(options: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        dispatcher(**options)

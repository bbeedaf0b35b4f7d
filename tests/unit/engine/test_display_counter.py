"""The name displays' counter: counts per (account, day, viewer conditions), display records,
nothing dropped silently, and the sliding hour of distinct accounts per key and per viewer."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from byline.engine import HOUR_MINUTES, MINUTES_PER_DAY, DisplayCounter, SlidingHour
from byline.engine._displays import KEY, VIEWER

HELD = frozenset[str]()
T0 = 29_000_000  # a minute since the epoch, in 2025


def test_counts_each_name_shown_per_account_day_and_conditions() -> None:
    counter = DisplayCounter()
    counter.add("weibo", "k1", "v1", HELD, ["a", "b"], T0)
    counter.add("weibo", "k1", "v2", HELD, ["a"], T0 + 1)
    counter.add("weibo", "k1", "v3", frozenset({"unverified"}), ["a"], T0 + 2)
    batch = counter.take()
    day = T0 // MINUTES_PER_DAY
    assert batch.counts == {
        ("weibo", "a", day, HELD): 2,
        ("weibo", "b", day, HELD): 1,
        ("weibo", "a", day, frozenset({"unverified"})): 1,
    }
    assert batch.shown == 4
    assert batch.records[("weibo", T0, "k1", "v1")] == {"a", "b"}
    assert not counter.take()  # taken: the counter starts again empty


def test_a_batch_put_back_is_merged_with_what_was_counted_since() -> None:
    counter = DisplayCounter()
    counter.add("weibo", "k1", "v1", HELD, ["a"], T0)
    batch = counter.take()
    counter.add("weibo", "k1", "v1", HELD, ["a", "c"], T0)
    counter.restore(batch)  # the write failed
    assert counter.pending() == 3
    again = counter.take()
    day = T0 // MINUTES_PER_DAY
    assert again.counts[("weibo", "a", day, HELD)] == 2
    assert again.records[("weibo", T0, "k1", "v1")] == {"a", "c"}
    assert counter.pending() == 0


def test_past_the_queue_bound_displays_are_counted_as_dropped_never_silently() -> None:
    counter = DisplayCounter(max_pending=2)
    counter.add("weibo", "k1", "v1", HELD, ["a", "b"], T0)
    counter.add("weibo", "k1", "v2", HELD, ["c"], T0)
    counter.add("weibo", "k1", "v3", HELD, ["d", "e"], T0)  # the queue is full
    assert counter.dropped == 2 and counter.pending() == 3
    assert counter.take().shown == 3
    counter.add("weibo", "k1", "v3", HELD, ["d", "e"], T0)  # room again
    assert counter.pending() == 2


def test_records_carried_over_failed_writes_are_bounded_counts_are_not() -> None:
    counter = DisplayCounter(max_records=2)
    counter.add("weibo", "k1", "v1", HELD, ["a", "b"], T0)
    counter.add("weibo", "k1", "v2", HELD, ["c"], T0)
    counter.restore(counter.take())  # the write failed
    assert counter.records_dropped == 1
    batch = counter.take()
    assert batch.shown == 3
    assert sum(len(s) for s in batch.records.values()) == 2


def test_the_hour_slides_by_the_minute() -> None:
    hour = SlidingHour()
    who = ("weibo", VIEWER, "v1")
    hour.add(T0, who, ["a"])
    hour.add(T0 + 30, who, ["b"])
    hour.add(T0 + 59, who, ["a", "c"])
    assert hour.accounts(who, T0 + 59) == {"a", "b", "c"}  # minutes T0 .. T0+59: one hour
    assert hour.accounts(who, T0 + 60) == {"a", "b", "c"}  # "a" still seen at T0+59
    hour.add(T0 + 61, who, ["d"])
    assert hour.accounts(who, T0 + 61) == {"a", "b", "c", "d"}
    assert hour.accounts(who, T0 + 89) == {"a", "b", "c", "d"}
    assert hour.accounts(who, T0 + 90) == {"a", "c", "d"}  # "b" (T0+30) has left the hour
    assert hour.accounts(who, T0 + 119) == {"d"}


def test_old_minutes_are_let_go() -> None:
    hour = SlidingHour()
    who = ("weibo", KEY, "k1")
    hour.add(T0, who, ["a", "b"])
    hour.add(T0 + HOUR_MINUTES, who, ["c"])  # T0 is now outside the hour
    assert hour.held == 1
    assert hour.accounts(who, T0) == set()  # forgotten, not merely out of view


def test_over_names_keys_and_viewers_past_the_threshold_only() -> None:
    counter = DisplayCounter()
    # A scraper spreading requests: one key, a new viewer id each minute, 3 accounts each.
    for i in range(20):
        accounts = [f"acct-{3 * i + j}" for j in range(3)]
        counter.add("weibo", "scraper", f"viewer-{i}", HELD, accounts, T0 + i)
    counter.add("weibo", "honest", "reader", HELD, ["acct-0", "acct-1"], T0 + 19)
    counter.add("douyin", "other", "x", HELD, [f"acct-{i}" for i in range(100)], T0 + 19)
    assert counter.over(50, T0 + 19, "weibo") == {}  # the hour is fed as displays are taken
    counter.take()
    over = counter.over(50, T0 + 19, "weibo")
    assert over == {("weibo", KEY, "scraper"): 60}
    assert counter.over(60, T0 + 19, "weibo") == {}  # more than the threshold, not as many
    assert counter.over(50, T0 + 19 + HOUR_MINUTES, "weibo") == {}  # an hour later: gone


def test_the_window_is_bounded() -> None:
    hour = SlidingHour(max_held=2)
    who = ("weibo", VIEWER, "v1")
    hour.add(T0, who, ["a", "b"])
    hour.add(T0, who, ["c"])
    assert hour.dropped == 1 and hour.accounts(who, T0) == {"a", "b"}


shown = st.lists(
    st.tuples(
        st.integers(0, 150),  # minute offset
        st.sampled_from(["v1", "v2", "v3"]),
        st.lists(st.sampled_from([f"a{i}" for i in range(12)]), min_size=1, max_size=4),
    ),
    max_size=60,
)


@settings(max_examples=100, deadline=None)
@given(shown, st.integers(0, 210))
def test_the_window_is_the_union_of_the_last_sixty_minutes(
    events: list[tuple[int, str, list[str]]], at: int
) -> None:
    """Against the definition, on generated displays added in time order."""
    hour = SlidingHour()
    for offset, viewer, accounts in sorted(events, key=lambda e: e[0]):
        hour.add(T0 + offset, ("weibo", VIEWER, viewer), accounts)
    last = max((e[0] for e in events), default=0)
    at = max(at, last)  # the window is read at or after the newest display
    for viewer in ("v1", "v2", "v3"):
        expected = {
            a
            for offset, v, accounts in events
            if v == viewer and at - HOUR_MINUTES < offset <= at
            for a in accounts
        }
        assert hour.accounts(("weibo", VIEWER, viewer), T0 + at) == expected


def test_the_records_of_a_batch_stay_as_shown_while_the_hour_grows() -> None:
    """The hour holds a viewer's first record of a minute without copying it: what a viewer is
    shown later, through another key or in a later batch, must not change a record taken."""
    counter = DisplayCounter()
    counter.add("weibo", "k1", "v1", HELD, ["a"], T0)
    counter.add("weibo", "k2", "v1", HELD, ["b"], T0)  # the same viewer, another key
    first = counter.take()
    counter.add("weibo", "k1", "v1", HELD, ["c"], T0)
    second = counter.take()
    assert first.records == {("weibo", T0, "k1", "v1"): {"a"}, ("weibo", T0, "k2", "v1"): {"b"}}
    assert second.records == {("weibo", T0, "k1", "v1"): {"c"}}
    assert counter.hour.accounts(("weibo", VIEWER, "v1"), T0) == {"a", "b", "c"}
    assert counter.hour.accounts(("weibo", KEY, "k1"), T0) == {"a", "c"}
    counter.restore(second)  # the write failed: taken again as it was
    assert counter.take().records == {("weibo", T0, "k1", "v1"): {"c"}}


who_shown = st.lists(
    st.tuples(
        st.integers(0, 150),
        st.sampled_from([("weibo", VIEWER, "v1"), ("weibo", KEY, "k1"), ("douyin", VIEWER, "v1")]),
        st.lists(st.sampled_from([f"a{i}" for i in range(12)]), max_size=5),
    ),
    max_size=60,
)


@settings(max_examples=150, deadline=None)
@given(who_shown, st.integers(0, 210), st.integers(0, 8), st.sampled_from([None, "weibo"]))
def test_over_is_the_definition_applied_to_every_key_and_viewer(
    events: list[tuple[int, tuple[str, str, str], list[str]]],
    at: int,
    threshold: int,
    platform: str | None,
) -> None:
    hour = SlidingHour()
    for offset, who, accounts in sorted(events, key=lambda e: e[0]):
        hour.add(T0 + offset, who, accounts)
    at = max([at, *(e[0] for e in events)])
    expected = {}
    for who in {e[1] for e in events if platform in (None, e[1][0])}:
        seen = {a for o, w, acc in events if w == who and at - HOUR_MINUTES < o <= at for a in acc}
        if len(seen) > threshold:
            expected[who] = len(seen)
    assert hour.over(threshold, T0 + at, platform) == expected

"""Budgets of distinct names in one process: counted per bucket, shared by workers, and held
in bounded memory whatever viewer ids a scraper invents."""

from __future__ import annotations

from byline.api import MemoryLimiter

NAMES = [f"acct-{i}" for i in range(100)]


def test_names_shown_again_cost_nothing_and_the_budget_is_distinct_names() -> None:
    limiter = MemoryLimiter(clock=lambda: 1000.0)
    assert limiter.spend([("key:k", 5)], NAMES[:3]).allowed
    assert limiter.spend([("key:k", 5)], NAMES[:3]).allowed
    assert limiter.spend([("key:k", 5)], NAMES[3:5]).allowed
    refused = limiter.spend([("key:k", 5)], NAMES[5:6])
    assert not refused.allowed and refused.bucket == "key:k" and refused.retry_after_s >= 1


def test_a_refused_spend_counts_in_no_bucket() -> None:
    limiter = MemoryLimiter(clock=lambda: 1000.0)
    assert not limiter.spend([("key:k", 10), ("viewer:p:v", 2)], NAMES[:3]).allowed
    assert limiter.spend([("key:k", 3)], NAMES[7:10]).allowed  # the key was charged nothing


def test_each_worker_allows_its_share() -> None:
    limiter = MemoryLimiter(clock=lambda: 1000.0, workers=4)
    assert limiter.spend([("key:k", 8)], NAMES[:2]).allowed
    assert not limiter.spend([("key:k", 8)], NAMES[2:3]).allowed


def test_a_new_hour_starts_every_budget_afresh() -> None:
    now = [3600.0 * 5]
    limiter = MemoryLimiter(clock=lambda: now[0])
    assert limiter.spend([("key:k", 2)], NAMES[:2]).allowed
    assert not limiter.spend([("key:k", 2)], NAMES[2:3]).allowed
    now[0] += 3600
    assert limiter.spend([("key:k", 2)], NAMES[2:4]).allowed


def test_invented_viewer_ids_cannot_fill_the_memory_and_the_key_still_caps() -> None:
    limiter = MemoryLimiter(clock=lambda: 1000.0, max_names_held=1_000)
    budgets = lambda viewer: [("key:k", 100), (f"viewer:p:{viewer}", 300)]  # noqa: E731
    for viewer in range(5_000):  # the same 100 names, a new viewer id each time
        assert limiter.spend(budgets(viewer), NAMES).allowed
    held = sum(len(s) for b, s in limiter._shown.items() if b.startswith("viewer:"))
    assert held <= 1_000
    # The key's bucket is never forgotten: one name more than its budget is refused.
    assert not limiter.spend(budgets("another"), ["acct-new"]).allowed


def test_each_worker_allows_its_share_of_a_request_limit_and_at_least_one() -> None:
    limiter = MemoryLimiter(clock=lambda: 1000.0, workers=4)
    assert [limiter.hit("key:k", 10).allowed for _ in range(3)] == [True, True, False]
    refused = limiter.hit("key:k", 10)
    assert not refused.allowed and refused.retry_after_s == 20  # the minute ends at 1020
    assert limiter.hit("viewer:p:v", 2).allowed  # a limit below the workers: still one each
    assert not limiter.hit("viewer:p:v", 2).allowed

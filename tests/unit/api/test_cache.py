"""The key cache: hits within the time-to-live, reloads after it, forgets on clear."""

from byline.api._cache import TtlCache


def test_ttl_cache_expires_and_clears() -> None:
    now = [0.0]
    loads: list[int] = []
    cache: TtlCache[int] = TtlCache(5.0, clock=lambda: now[0])

    def load() -> int:
        loads.append(1)
        return len(loads)

    assert cache.get("k", load) == 1
    now[0] = 4.9
    assert cache.get("k", load) == 1  # still fresh
    now[0] = 5.1
    assert cache.get("k", load) == 2  # reloaded after the time-to-live
    cache.clear()
    assert cache.get("k", load) == 3

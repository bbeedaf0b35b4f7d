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


def test_get_or_loads_by_key_once_per_time_to_live() -> None:
    now = [0.0]
    loaded: list[str] = []
    cache: TtlCache[str] = TtlCache(5.0, clock=lambda: now[0])

    def load(key: str) -> str:
        loaded.append(key)
        return key.upper()

    assert cache.get_or("a", load) == "A"
    assert cache.get_or("b", load) == "B"
    now[0] = 4.9
    assert cache.get_or("a", load) == "A"
    assert loaded == ["a", "b"]  # each key loaded once while fresh
    now[0] = 5.1
    assert cache.get_or("a", load) == "A"
    assert loaded == ["a", "b", "a"]

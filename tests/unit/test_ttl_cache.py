"""The one per-process TTL cache: expiry by its own clock, per-entry expiry, bounded size."""

from __future__ import annotations

from app.kit.ttl_cache import TTLCache


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


class TestTTLCache:
    def test_a_value_is_kept_for_its_time_to_live_then_forgotten(self) -> None:
        clock = Clock()
        cache: TTLCache[str, int] = TTLCache(ttl_seconds=5.0, clock=clock)
        cache.put("a", 1)
        clock.now += 4.9
        assert cache.get("a") == 1
        clock.now += 0.1
        assert cache.get("a") is None
        assert len(cache) == 0

    def test_an_entry_expires_no_later_than_its_own_expiry(self) -> None:
        clock = Clock()
        cache: TTLCache[str, int] = TTLCache(ttl_seconds=30.0, clock=clock)
        cache.put("token", 1, expires_at=clock.now + 2.0)
        clock.now += 2.0
        assert cache.get("token") is None

    def test_a_full_cache_starts_over_rather_than_growing(self) -> None:
        cache: TTLCache[int, int] = TTLCache(ttl_seconds=30.0, max_entries=3)
        for key in range(3):
            cache.put(key, key)
        cache.put(2, 20)  # replacing a held key keeps the rest
        assert len(cache) == 3
        cache.put(3, 3)
        assert len(cache) == 1 and cache.get(3) == 3 and cache.get(0) is None

    def test_pop_clear_and_items(self) -> None:
        cache: TTLCache[str, int] = TTLCache(ttl_seconds=30.0)
        cache.put("a", 1)
        cache.put("b", 2)
        cache.pop("a")
        cache.pop("missing")
        assert list(cache.items()) == [("b", 2)]
        cache.clear()
        assert cache.get("b") is None

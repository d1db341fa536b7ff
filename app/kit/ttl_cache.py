"""One per-process cache with a time to live, for lookups on hot paths (principals, tenants, event
type rules, resolved addresses).

Each entry may carry its own expiry (a portal token's cache entry must not outlive the token); the
cache forgets everything when it passes ``max_entries`` rather than tracking recency, which keeps a
hit at one dict lookup and one comparison. Time is ``time.monotonic`` unless a test passes a clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterator
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TTLCache(Generic[K, V]):
    """``get`` answers a value put less than ``ttl_seconds`` ago (or before its own ``expires_at``)."""

    def __init__(
        self,
        *,
        ttl_seconds: float,
        max_entries: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.ttl_seconds = ttl_seconds
        self.max_entries = max_entries
        self._clock = clock
        self._entries: dict[K, tuple[float, V]] = {}

    def get(self, key: K) -> V | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._entries[key]
            return None
        return entry[1]

    def put(self, key: K, value: V, *, expires_at: float | None = None) -> None:
        """Keep ``value`` for ``ttl_seconds``, or until ``expires_at`` (monotonic) if sooner."""
        until = self._clock() + self.ttl_seconds
        if expires_at is not None:
            until = min(until, expires_at)
        if len(self._entries) >= self.max_entries and key not in self._entries:
            self._entries.clear()
        self._entries[key] = (until, value)

    def pop(self, key: K) -> None:
        self._entries.pop(key, None)

    def clear(self) -> None:
        self._entries.clear()

    def items(self) -> Iterator[tuple[K, V]]:
        """The entries still held (expired ones included until next read), for targeted eviction."""
        return ((key, value) for key, (_, value) in list(self._entries.items()))

    def __len__(self) -> int:
        return len(self._entries)

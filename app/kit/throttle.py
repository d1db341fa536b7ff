"""An expensive async read, shared: ``Throttled.get`` answers the last result while it is younger
than ``ttl_seconds``, and concurrent callers of a stale one wait for a single refresh.

For unauthenticated reads that touch the database or the broker (readiness, metrics): a scraper
or an attacker calling them in a loop costs one query per ``ttl_seconds``, not one per request.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Throttled(Generic[T]):
    """The result of ``read()``, reused for ``ttl_seconds``."""

    def __init__(
        self,
        read: Callable[[], Awaitable[T]],
        *,
        ttl_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._read = read
        self._ttl_seconds = ttl_seconds
        self._clock = clock
        self._lock = asyncio.Lock()
        self._value: T | None = None
        self._until = float("-inf")

    async def get(self) -> T:
        if self._value is not None and self._clock() < self._until:
            return self._value
        async with self._lock:  # one refresh; the callers queued behind it take its result
            if self._value is None or self._clock() >= self._until:
                self._value = await self._read()
                self._until = self._clock() + self._ttl_seconds
            return self._value

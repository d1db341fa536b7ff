"""Throttled: an expensive read shared by its callers for a time to live."""

from __future__ import annotations

import asyncio

import pytest

from app.kit.throttle import Throttled


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


class TestThrottled:
    async def test_a_result_is_reused_until_it_is_older_than_its_time_to_live(self) -> None:
        clock, reads = Clock(), []

        async def read() -> int:
            reads.append(clock.now)
            return len(reads)

        shared = Throttled(read, ttl_seconds=2.0, clock=clock)
        assert [await shared.get() for _ in range(5)] == [1] * 5
        clock.now = 1.9
        assert await shared.get() == 1
        clock.now = 2.0
        assert await shared.get() == 2
        assert reads == [0.0, 2.0]

    async def test_concurrent_callers_of_a_stale_result_share_one_read(self) -> None:
        clock, started, release = Clock(), asyncio.Event(), asyncio.Event()
        reads = 0

        async def read() -> int:
            nonlocal reads
            reads += 1
            started.set()
            await release.wait()
            return reads

        shared = Throttled(read, ttl_seconds=1.0, clock=clock)
        callers = [asyncio.create_task(shared.get()) for _ in range(20)]
        await started.wait()
        release.set()
        assert await asyncio.gather(*callers) == [1] * 20
        assert reads == 1

    async def test_a_failed_read_is_not_kept(self) -> None:
        attempts = 0

        async def read() -> str:
            nonlocal attempts
            attempts += 1
            if attempts == 1:
                raise ConnectionError("down")
            return "ok"

        shared = Throttled(read, ttl_seconds=60.0, clock=Clock())
        with pytest.raises(ConnectionError):
            await shared.get()
        assert await shared.get() == "ok"

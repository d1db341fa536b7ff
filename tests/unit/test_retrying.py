"""The one retry-with-backoff loop that claiming and recording ride a database outage with."""

from __future__ import annotations

import pytest

from workers.dispatch import _retrying


class TestRetrying:
    async def test_a_failure_within_the_time_is_tried_again(self) -> None:
        calls: list[int] = []

        async def flaky() -> str:
            calls.append(1)
            if len(calls) < 2:
                raise ConnectionError("database restarting")
            return "claimed"

        assert await _retrying(flaky, for_seconds=5, event="test_retrying") == "claimed"
        assert len(calls) == 2

    async def test_the_error_is_raised_once_the_time_is_over(self) -> None:
        calls: list[int] = []

        async def down() -> None:
            calls.append(1)
            raise ConnectionError("database down")

        with pytest.raises(ConnectionError, match="database down"):
            await _retrying(down, for_seconds=0, event="test_retrying")
        assert len(calls) == 1

"""Publish's plan of a rate-limited endpoint's line: where new deliveries join it, and when each
is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from app.deliveries.planning import line_start, line_times

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def at(seconds: float) -> datetime:
    return NOW + timedelta(seconds=seconds)


class TestLineStart:
    @pytest.mark.parametrize(
        ("send_after", "tail", "per_second", "expected"),
        [
            (None, None, 10, at(0)),  # no line, no pause: at once
            (at(-5), at(-3), 10, at(0)),  # a line and a slot long past: never in the past
            (at(2), None, 10, at(2)),  # paused (Retry-After, slots taken): from the next slot
            (None, at(7), 10, at(7.1)),  # one interval after the last one planned
            (at(9), at(7), 2, at(9)),  # the later of the two
            (at(1), at(7), 2, at(7.5)),
        ],
    )
    def test_joins_after_the_line_and_the_next_free_slot(
        self,
        send_after: datetime | None,
        tail: datetime | None,
        per_second: int,
        expected: datetime,
    ) -> None:
        start = line_start(now=NOW, send_after=send_after, tail=tail, per_second=per_second)
        assert start == expected


class TestLineTimes:
    def test_one_interval_apart_from_the_start(self) -> None:
        assert line_times(at(3), 4, 4) == [at(3), at(3.25), at(3.5), at(3.75)]

    def test_none_for_no_deliveries(self) -> None:
        assert line_times(NOW, 0, 1) == []

"""Publish's plan for rate-limited endpoints: when each new delivery is first due, and which of
them go on the broker now (guarantee 4).

Published all due at once, 10,000 messages to an endpoint limited to 1/s became 200 tasks at the
head of the broker's FIFO; a worker leased all 10,000 rows only to give 9,998 of them back
untried, and every other endpoint's tasks waited behind that (healthy p95 0.03 s alone, 1.4-2.6 s
behind it). Planned here instead, each such delivery is written once, due one interval after the
one before it in the endpoint's line; only those due within ``DUE_SLACK`` are enqueued, and the
scheduler enqueues the others as they come due, a second's worth at a time.

The plan is a hint, read without a lock: the dispatcher's GCRA under the endpoint's row lock stays
the ceiling (guarantee 11), and a delivery that comes due without a free slot (two publishes
planned the same times) is held back as before, delayed, never dropped or charged (guarantee 3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import repository
from app.deliveries.repository import DUE_SLACK


def line_times(start: datetime, count: int, per_second: int) -> list[datetime]:
    """Due times for ``count`` deliveries queued from ``start``, one interval apart."""
    interval = timedelta(seconds=1 / per_second)
    return [start + interval * i for i in range(count)]


def line_start(
    *, now: datetime, send_after: datetime | None, tail: datetime | None, per_second: int
) -> datetime:
    """Where new deliveries join an endpoint's line: after its last planned one, not before its
    next free slot (``send_after``), never in the past."""
    after_tail = tail + timedelta(seconds=1 / per_second) if tail is not None else now
    return max(now, send_after or now, after_tail)


async def plan(
    session: AsyncSession, rows: Sequence[dict[str, Any]], *, now: datetime
) -> list[str]:
    """Set the first due time of new delivery ``rows`` (publish's dicts) of rate-limited
    endpoints; return the ids to enqueue now, in order (the others get ``enqueued_at`` None)."""
    by_endpoint: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        by_endpoint[row["endpoint_id"]].append(row)
    for limit in await repository.rate_limits(session, list(by_endpoint)):
        group = by_endpoint[limit.endpoint_id]
        start = line_start(
            now=now, send_after=limit.send_after, tail=limit.tail, per_second=limit.per_second
        )
        for row, due in zip(group, line_times(start, len(group), limit.per_second), strict=True):
            row["next_attempt_at"] = due
            if due > now + DUE_SLACK:
                row["enqueued_at"] = None
    return [row["id"] for row in rows if row["enqueued_at"] is not None]

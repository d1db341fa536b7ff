"""An endpoint's log: its attempts, newest first, and its stats over time windows; both read
through the index attempts (endpoint_id, created_at)."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidRequest, NotFound
from app.kit.pagination import paginate_pair
from app.models import Attempt, Endpoint
from app.models.delivery import FAILED, SUCCEEDED

# -- an endpoint's attempts and stats --------------------------------------------------------

ATTEMPT_STATUSES = (SUCCEEDED, FAILED)


async def endpoint_attempts(
    session: AsyncSession,
    endpoint: Endpoint,
    *,
    status: str | None,
    cursor: tuple[str, str] | None,
    limit: int,
) -> list[Attempt]:
    """The endpoint's attempts, newest first, on the index attempts (endpoint_id, created_at)."""
    if status is not None and status not in ATTEMPT_STATUSES:
        raise InvalidRequest(
            f"status must be one of {', '.join(ATTEMPT_STATUSES)}", code="invalid_filter"
        )
    query = select(Attempt).where(Attempt.endpoint_id == endpoint.id)
    if status is not None:
        query = query.where(Attempt.status == status)
    after = None
    if cursor is not None:
        try:
            after = (datetime.fromisoformat(cursor[0]), cursor[1])
        except ValueError:
            raise InvalidRequest(
                "cursor is not one this list handed out", code="invalid_cursor"
            ) from None
    paged = paginate_pair(query, Attempt.created_at, Attempt.id, after=after, limit=limit)
    return list((await session.scalars(paged)).all())


async def get_attempt(session: AsyncSession, endpoint: Endpoint, attempt_id: str) -> Attempt:
    found = await session.scalar(
        select(Attempt).where(Attempt.id == attempt_id, Attempt.endpoint_id == endpoint.id)
    )
    if found is None:
        raise NotFound(f"attempt {attempt_id!r} not found", code="attempt_not_found")
    return found


STATS_WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))


def outcome_of(status: str, error_kind: str | None, status_class: int | None) -> str:
    """The bucket an attempt counts in: succeeded, http_4xx/http_5xx/…, or its error kind."""
    if status == SUCCEEDED:
        return SUCCEEDED
    if error_kind == "http_status" and status_class is not None:
        return f"http_{status_class}xx"
    return error_kind or "other"


async def window_stats(
    session: AsyncSession, endpoint_id: str, since: datetime
) -> tuple[dict[str, int], dict[str, int | None]]:
    """Counts by outcome and nearest-rank duration percentiles of the attempts since ``since``
    (both read through attempts (endpoint_id, created_at))."""
    in_window = (Attempt.endpoint_id == endpoint_id, Attempt.created_at >= since)
    status_class = Attempt.status_code // 100
    rows = await session.execute(
        select(Attempt.status, Attempt.error_kind, status_class, func.count())
        .where(*in_window)
        .group_by(Attempt.status, Attempt.error_kind, status_class)
    )
    counts: dict[str, int] = {}
    for status, error_kind, klass, n in rows:
        key = outcome_of(status, error_kind, None if klass is None else int(klass))
        counts[key] = counts.get(key, 0) + int(n)
    total = sum(counts.values())
    return counts, await _percentiles(session, in_window, total)


async def _percentiles(
    session: AsyncSession, in_window: tuple[Any, ...], total: int
) -> dict[str, int | None]:
    if total == 0:
        return {name: None for name, _ in PERCENTILES}
    if session.get_bind().dialect.name == "postgresql":
        query = select(
            *(
                func.percentile_disc(p).within_group(Attempt.duration_ms.asc())
                for _, p in PERCENTILES
            )
        ).where(*in_window)
        values = (await session.execute(query)).one()
        return {name: int(v) for (name, _), v in zip(PERCENTILES, values, strict=True)}
    result: dict[str, int | None] = {}
    for name, p in PERCENTILES:
        rank = max(math.ceil(p * total) - 1, 0)  # nearest rank, as percentile_disc
        result[name] = await session.scalar(
            select(Attempt.duration_ms)
            .where(*in_window)
            .order_by(Attempt.duration_ms)
            .offset(rank)
            .limit(1)
        )
    return result

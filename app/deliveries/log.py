"""An endpoint's log: its attempts, newest first, and its stats over time windows; both read
through the index attempts (endpoint_id, created_at)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import BigInteger, Integer, cast, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from app.deliveries.schemas import (
    EndpointSeries,
    EndpointStats,
    Percentiles,
    SeriesPoint,
    WindowStats,
)
from app.errors import InvalidRequest, NotFound
from app.kit.clock import utc_now
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


async def endpoint_stats(session: AsyncSession, endpoint: Endpoint) -> EndpointStats:
    """The endpoint's attempts over each of ``STATS_WINDOWS``: outcomes, success rate, latency."""
    now = utc_now()
    windows = []
    for name, span in STATS_WINDOWS.items():
        counts, percentiles = await window_stats(session, endpoint.id, now - span)
        total = sum(counts.values())
        succeeded = counts.get(SUCCEEDED, 0)
        windows.append(
            WindowStats(
                window=name,
                since=now - span,
                total=total,
                succeeded=succeeded,
                failed=total - succeeded,
                success_rate=round(succeeded / total, 4) if total else None,
                outcomes=counts,
                duration_ms=Percentiles(**percentiles),
            )
        )
    return EndpointStats(endpoint_id=endpoint.id, windows=windows)


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


# Each series window and its bucket: 60 points for an hour, 24 to 30 for the longer ones.
SERIES_WINDOWS = {
    "1h": (timedelta(hours=1), 60),
    "24h": (timedelta(hours=24), 3600),
    "7d": (timedelta(days=7), 6 * 3600),
    "30d": (timedelta(days=30), 86_400),
}


def _bucket_of(dialect: str, bucket_seconds: int) -> ColumnElement[Any]:
    """The attempt's bucket number: whole seconds since the epoch, integer-divided."""
    if dialect == "postgresql":
        seconds: ColumnElement[int] = cast(func.extract("epoch", Attempt.created_at), BigInteger)
    else:
        seconds = cast(func.strftime("%s", Attempt.created_at), Integer)
    return seconds / bucket_seconds


async def series(
    session: AsyncSession, endpoint_ids: list[str], window: str
) -> dict[str, EndpointSeries]:
    """Succeeded and failed attempts per bucket of ``window`` for each endpoint: one grouped read
    through attempts (endpoint_id, created_at), whatever the number of endpoints."""
    if window not in SERIES_WINDOWS:
        raise InvalidRequest(
            f"window must be one of {', '.join(SERIES_WINDOWS)}", code="invalid_filter"
        )
    span, bucket_seconds = SERIES_WINDOWS[window]
    first = int((utc_now() - span).timestamp()) // bucket_seconds + 1
    bucket = _bucket_of(session.get_bind().dialect.name, bucket_seconds)
    rows = await session.execute(
        select(
            Attempt.endpoint_id, bucket, Attempt.status, func.count(), func.sum(Attempt.duration_ms)
        )
        .where(
            Attempt.endpoint_id.in_(endpoint_ids),
            Attempt.created_at >= datetime.fromtimestamp(first * bucket_seconds, UTC),
        )
        .group_by(Attempt.endpoint_id, bucket, Attempt.status)
    )
    counts: dict[tuple[str, int], list[int]] = {}
    for endpoint_id, number, status, n, total_ms in rows:
        cell = counts.setdefault((endpoint_id, int(number)), [0, 0, 0])
        cell[0 if status == SUCCEEDED else 1] += int(n)
        cell[2] += int(total_ms or 0)
    buckets = range(first, first + int(span.total_seconds()) // bucket_seconds)
    return {
        endpoint_id: EndpointSeries(
            endpoint_id=endpoint_id,
            window=window,
            bucket_seconds=bucket_seconds,
            points=[_point(counts.get((endpoint_id, b)), b * bucket_seconds) for b in buckets],
        )
        for endpoint_id in endpoint_ids
    }


def _point(cell: list[int] | None, start: int) -> SeriesPoint:
    succeeded, failed, total_ms = cell or (0, 0, 0)
    tries = succeeded + failed
    return SeriesPoint(
        start=datetime.fromtimestamp(start, UTC),
        succeeded=succeeded,
        failed=failed,
        mean_duration_ms=round(total_ms / tries) if tries else None,
    )

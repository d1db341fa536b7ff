"""An endpoint's log: its attempts, newest first (through the index attempts (endpoint_id,
created_at)), and its stats and series over time windows (from the roll-up, app.deliveries.rollup)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import log_repository as repository
from app.deliveries import rollup
from app.deliveries.schemas import (
    EndpointSeries,
    EndpointStats,
    Percentiles,
    SeriesPoint,
    WindowStats,
)
from app.errors import InvalidRequest, NotFound
from app.kit.clock import utc_now
from app.kit.histogram import percentile_ms
from app.models import Attempt, Endpoint
from app.models.delivery import FAILED, SUCCEEDED

ATTEMPT_STATUSES = (SUCCEEDED, FAILED)
PERCENTILES = (("p50", 0.50), ("p95", 0.95), ("p99", 0.99))
STATS_WINDOWS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}


async def endpoint_attempts(
    session: AsyncSession,
    endpoint: Endpoint,
    *,
    status: str | None,
    cursor: tuple[str, str] | None,
    limit: int,
) -> list[Attempt]:
    """The endpoint's attempts, newest first (``status``: succeeded or failed)."""
    if status is not None and status not in ATTEMPT_STATUSES:
        raise InvalidRequest(
            f"status must be one of {', '.join(ATTEMPT_STATUSES)}", code="invalid_filter"
        )
    after = None
    if cursor is not None:
        try:
            after = (datetime.fromisoformat(cursor[0]), cursor[1])
        except ValueError:
            raise InvalidRequest(
                "cursor is not one this list handed out", code="invalid_cursor"
            ) from None
    return await repository.endpoint_attempts(
        session, endpoint, status=status, after=after, limit=limit
    )


async def get_attempt(session: AsyncSession, endpoint: Endpoint, attempt_id: str) -> Attempt:
    found = await repository.endpoint_attempt(session, endpoint, attempt_id)
    if found is None:
        raise NotFound(f"attempt {attempt_id!r} not found", code="attempt_not_found")
    return found


async def endpoint_stats(session: AsyncSession, endpoint: Endpoint) -> EndpointStats:
    """The endpoint's attempts over each of ``STATS_WINDOWS``: outcomes (exact), success rate,
    and nearest-rank duration percentiles (from the roll-up's histogram: within
    app.kit.histogram.ERROR_BOUND of the exact ones)."""
    now = utc_now()
    sinces = [now - span for span in STATS_WINDOWS.values()]
    windows = []
    tallies = await rollup.windows(session, endpoint.id, sinces)
    for name, since, tally in zip(STATS_WINDOWS, sinces, tallies, strict=True):
        counts = tally.outcomes
        total = sum(counts.values())
        succeeded = counts.get(SUCCEEDED, 0)
        percentiles = {key: percentile_ms(tally.histogram, p) for key, p in PERCENTILES}
        windows.append(
            WindowStats(
                window=name,
                since=since,
                total=total,
                succeeded=succeeded,
                failed=total - succeeded,
                success_rate=round(succeeded / total, 4) if total else None,
                outcomes=counts,
                duration_ms=Percentiles(**percentiles),
            )
        )
    return EndpointStats(endpoint_id=endpoint.id, windows=windows)


# Each series window and its bucket: 60 points for an hour, 24 to 30 for the longer ones.
SERIES_WINDOWS = {
    "1h": (timedelta(hours=1), 60),
    "24h": (timedelta(hours=24), 3600),
    "7d": (timedelta(days=7), 6 * 3600),
    "30d": (timedelta(days=30), 86_400),
}


async def series(
    session: AsyncSession, endpoint_ids: list[str], window: str
) -> dict[str, EndpointSeries]:
    """Succeeded and failed attempts per bucket of ``window`` for each endpoint (one grouped
    read, whatever the number of endpoints), every bucket present, oldest first."""
    if window not in SERIES_WINDOWS:
        raise InvalidRequest(
            f"window must be one of {', '.join(SERIES_WINDOWS)}", code="invalid_filter"
        )
    span, bucket_seconds = SERIES_WINDOWS[window]
    first = int((utc_now() - span).timestamp()) // bucket_seconds + 1
    counts: dict[tuple[str, int], list[int]] = {}
    for endpoint_id, number, succeeded, n, total_ms in await rollup.buckets(
        session, endpoint_ids, first_bucket=first, bucket_seconds=bucket_seconds
    ):
        cell = counts.setdefault((endpoint_id, int(number)), [0, 0, 0])
        cell[0 if succeeded else 1] += int(n)
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

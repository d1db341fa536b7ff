"""An endpoint's log: its attempts, newest first, and its stats over time windows; both read
through the index attempts (endpoint_id, created_at)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import log_repository as repository
from app.errors import InvalidRequest, NotFound
from app.models import Attempt, Endpoint
from app.models.delivery import FAILED, SUCCEEDED

ATTEMPT_STATUSES = (SUCCEEDED, FAILED)
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
    """Counts by outcome and nearest-rank duration percentiles of the attempts since ``since``."""
    counts: dict[str, int] = {}
    for status, error_kind, klass, n in await repository.outcome_counts(
        session, endpoint_id, since
    ):
        key = outcome_of(status, error_kind, None if klass is None else int(klass))
        counts[key] = counts.get(key, 0) + int(n)
    total = sum(counts.values())
    percentiles = await repository.duration_percentiles(session, endpoint_id, since, total=total)
    return counts, percentiles

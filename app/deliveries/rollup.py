"""The attempt roll-up (table ``attempt_rollups``): per endpoint, per minute and per hour, per
outcome, the attempts' count, summed duration and duration histogram (app.kit.histogram).

Recording a batch of attempts upserts its rows in one statement, in key order, so two workers
recording at once take the row locks in the same order and cannot deadlock (they already meet
on the endpoints' locks first). The stats and series of an endpoint read these rows; only a
window's ragged start (at most a minute, or an hour past ``MINUTE_RETENTION``) reads raw
attempts. Retention keeps minute rows ``MINUTE_RETENTION`` and hour rows as long as attempts.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, delete, func, select, text, tuple_
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.bulk import insert_sql, rows_json
from app.kit.clock import utc_now
from app.kit.histogram import BUCKETS, bucket_of
from app.models import Attempt
from app.models.attempt_rollup import ATTEMPT_ROLLUPS, HISTOGRAM_COLUMNS, HOUR, MINUTE
from app.models.delivery import SUCCEEDED

MINUTE_RETENTION = timedelta(days=2)  # > 24 h + 1 h: the 24 h stats read minute rows at its start
KEY = ("endpoint_id", "period_seconds", "start_epoch_seconds", "outcome")
_SUMS = ("attempts", "duration_ms_total", *HISTOGRAM_COLUMNS)
_T = ATTEMPT_ROLLUPS.c


def outcome_of(status: str, error_kind: str | None, status_class: int | None) -> str:
    """The bucket an attempt counts in: succeeded, http_4xx/http_5xx/…, or its error kind."""
    if status == SUCCEEDED:
        return SUCCEEDED
    if error_kind == "http_status" and status_class is not None:
        return f"http_{status_class}xx"
    return error_kind or "other"


def _outcome(attempt: Mapping[str, Any]) -> str:
    code = attempt["status_code"]
    return outcome_of(
        attempt["status"], attempt["error_kind"], None if code is None else code // 100
    )


def fold(attempts: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The roll-up rows of a batch of attempt rows (one per key, summed), in key order."""
    rows: dict[tuple[str, int, int, str], dict[str, Any]] = {}
    for attempt in attempts:
        outcome = _outcome(attempt)
        second = int(attempt["created_at"].timestamp())
        column = HISTOGRAM_COLUMNS[bucket_of(attempt["duration_ms"])]
        for period in (MINUTE, HOUR):
            key = (attempt["endpoint_id"], period, second - second % period, outcome)
            row = rows.get(key)
            if row is None:
                row = rows[key] = dict(zip(KEY, key, strict=True)) | dict.fromkeys(_SUMS, 0)
            row["attempts"] += 1
            row["duration_ms_total"] += attempt["duration_ms"]
            row[column] += 1
    return [rows[key] for key in sorted(rows)]


_PG_TYPES = {
    "endpoint_id": "varchar",
    "period_seconds": "integer",
    "start_epoch_seconds": "bigint",
    "outcome": "varchar",
    **dict.fromkeys(_SUMS, "bigint"),
}
_ADD = ", ".join(f'"{name}" = attempt_rollups."{name}" + excluded."{name}"' for name in _SUMS)
_UPSERT_PG = text(
    insert_sql("attempt_rollups", _PG_TYPES)
    + " ORDER BY r.endpoint_id, r.period_seconds, r.start_epoch_seconds, r.outcome"
    + f" ON CONFLICT ({', '.join(KEY)}) DO UPDATE SET {_ADD}"
)
_UPSERT_SQLITE = sqlite_insert(ATTEMPT_ROLLUPS)
_UPSERT_SQLITE = _UPSERT_SQLITE.on_conflict_do_update(
    index_elements=list(KEY),
    set_={name: _T[name] + _UPSERT_SQLITE.excluded[name] for name in _SUMS},
)


async def add(session: AsyncSession, attempts: Sequence[Mapping[str, Any]]) -> None:
    """Count a batch of just-recorded attempts in the roll-up: one upsert statement."""
    rows = fold(attempts)
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_UPSERT_PG, {"rows": rows_json(rows)})
    else:
        await session.execute(_UPSERT_SQLITE, rows)


# -- reading -------------------------------------------------------------------------------


class Tally:
    """Attempts by outcome with their duration histogram: one stats window, summed."""

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        self.histogram = [0] * BUCKETS

    def count(self, outcome: str, n: int, histogram: Iterable[int]) -> None:
        if n:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n
        for bucket, k in enumerate(histogram):
            self.histogram[bucket] += k


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _ceil(moment: datetime, period: int) -> datetime:
    second = -(-moment.timestamp() // period) * period
    return datetime.fromtimestamp(second, UTC)


async def window(session: AsyncSession, endpoint_id: str, since: datetime) -> Tally:
    """The endpoint's attempts from ``since`` on: raw attempts up to the next whole minute (or
    hour, when minute rows may be gone), minute rows up to the next whole hour, hour rows on."""
    tally = Tally()
    next_hour = _ceil(since, HOUR)
    if since >= utc_now() - MINUTE_RETENTION + timedelta(hours=1):
        raw_until = _ceil(since, MINUTE)
        await _add_rows(session, tally, endpoint_id, MINUTE, raw_until, next_hour)
    else:
        raw_until = next_hour
    await _add_raw(session, tally, endpoint_id, since, raw_until)
    await _add_rows(session, tally, endpoint_id, HOUR, next_hour, None)
    return tally


async def _add_rows(
    session: AsyncSession,
    tally: Tally,
    endpoint_id: str,
    period: int,
    start: datetime,
    end: datetime | None,
) -> None:
    where = [
        _T.endpoint_id == endpoint_id,
        _T.period_seconds == period,
        _T.start_epoch_seconds >= _epoch(start),
    ]
    if end is not None:
        if end <= start:
            return
        where.append(_T.start_epoch_seconds < _epoch(end))
    sums = [func.sum(_T[name]) for name in ("attempts", *HISTOGRAM_COLUMNS)]
    query = select(_T.outcome, *sums).where(*where).group_by(_T.outcome)
    for outcome, n, *histogram in (await session.execute(query)).all():
        tally.count(outcome, int(n), (int(k) for k in histogram))


async def _add_raw(
    session: AsyncSession, tally: Tally, endpoint_id: str, since: datetime, until: datetime
) -> None:
    if until <= since:
        return
    query = select(
        Attempt.status, Attempt.error_kind, Attempt.status_code, Attempt.duration_ms
    ).where(
        Attempt.endpoint_id == endpoint_id, Attempt.created_at >= since, Attempt.created_at < until
    )
    for status, error_kind, code, duration_ms in (await session.execute(query)).all():
        one = [0] * BUCKETS
        one[bucket_of(duration_ms)] = 1
        tally.count(outcome_of(status, error_kind, None if code is None else code // 100), 1, one)


async def buckets(
    session: AsyncSession, endpoint_ids: list[str], *, first_bucket: int, bucket_seconds: int
) -> Sequence[Any]:
    """(endpoint_id, bucket, succeeded?, count, summed duration_ms) from bucket ``first_bucket``
    on: minute rows for buckets under an hour, hour rows for the others (both divide them)."""
    period = MINUTE if bucket_seconds < HOUR else HOUR
    number: ColumnElement[int] = (_T.start_epoch_seconds // bucket_seconds).cast(Integer)
    succeeded = _T.outcome == SUCCEEDED
    query = (
        select(
            _T.endpoint_id, number, succeeded, func.sum(_T.attempts), func.sum(_T.duration_ms_total)
        )
        .where(
            _T.endpoint_id.in_(endpoint_ids),
            _T.period_seconds == period,
            _T.start_epoch_seconds >= first_bucket * bucket_seconds,
        )
        .group_by(_T.endpoint_id, number, succeeded)
    )
    return (await session.execute(query)).all()


# -- retention -----------------------------------------------------------------------------


async def purge(session: AsyncSession, *, period: int, before: datetime, limit: int) -> int:
    """Delete up to ``limit`` rows of ``period`` that started before ``before``; the count."""
    keys = (
        select(*(_T[name] for name in KEY))
        .where(_T.period_seconds == period, _T.start_epoch_seconds < _epoch(before))
        .limit(limit)
    )
    found = (await session.execute(keys)).all()
    if not found:
        return 0
    await session.execute(
        delete(ATTEMPT_ROLLUPS).where(tuple_(*(_T[name] for name in KEY)).in_(found))
    )
    return len(found)

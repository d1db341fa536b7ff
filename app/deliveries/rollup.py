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
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    bindparam,
    case,
    delete,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import BindParameter

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


AnySelect = Select[*tuple[Any, ...]]
_WINDOW_SUMS = [func.sum(_T[name]) for name in ("attempts", *HISTOGRAM_COLUMNS)]


class Tally:
    """Attempts by outcome with their duration histogram: one stats window, summed."""

    def __init__(self) -> None:
        self.outcomes: dict[str, int] = {}
        self.histogram = [0] * BUCKETS

    def count(self, outcome: str, n: int) -> None:
        if n:
            self.outcomes[outcome] = self.outcomes.get(outcome, 0) + n

    def add(self, histogram: Iterable[Any]) -> None:
        self.histogram = [a + int(b) for a, b in zip(self.histogram, histogram, strict=True)]


def _epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def _ceil(moment: datetime, period: int) -> datetime:
    second = -(-moment.timestamp() // period) * period
    return datetime.fromtimestamp(second, UTC)


async def windows(
    session: AsyncSession, endpoint_id: str, sinces: Sequence[datetime]
) -> list[Tally]:
    """The endpoint's attempts from each of ``sinces`` on, in three statements
    whatever their number. Each window is raw attempts up to the next whole minute (or hour,
    when minute rows may be gone), minute rows up to the next whole hour, hour rows on."""
    params: dict[str, Any] = {"endpoint_id": endpoint_id}
    for number, since in enumerate(sinces):
        next_hour = _ceil(since, HOUR)
        raw_until = next_hour
        minutes_from = minutes_until = 0  # none
        if since >= utc_now() - MINUTE_RETENTION + timedelta(hours=1):
            raw_until = _ceil(since, MINUTE)
            minutes_from, minutes_until = _epoch(raw_until), _epoch(next_hour)
        params |= {
            f"hours_from_{number}": _epoch(next_hour),
            f"minutes_from_{number}": minutes_from,
            f"minutes_until_{number}": minutes_until,
            f"raw_from_{number}": since,
            f"raw_until_{number}": raw_until,
        }
    params["hours_from_oldest"] = min(params[f"hours_from_{i}"] for i in range(len(sinces)))
    hours, minutes, raw = _window_statements(len(sinces))
    tallies = [Tally() for _ in sinces]
    for row in (await session.execute(hours, params)).all():
        outcome, n, *histogram = row[len(sinces) :]
        for number, inside in enumerate(row[: len(sinces)]):
            if inside:
                tallies[number].count(outcome, int(n))
                tallies[number].add(histogram)
    for number, outcome, n, *histogram in (await session.execute(minutes, params)).all():
        if number is not None:
            tallies[number].count(outcome, int(n))
            tallies[number].add(histogram)
    for number, status, error_kind, code, duration_ms, n in (
        await session.execute(raw, params)
    ).all():
        if number is not None:
            tally = tallies[number]
            tally.count(outcome_of(status, error_kind, None if code is None else code // 100), n)
            tally.histogram[bucket_of(duration_ms)] += n
    return tallies


def _spans(count: int, moment: Any, start: str, end: str) -> list[Any]:
    """``moment`` in [start_i, end_i), for each window i (bound parameters)."""
    return [
        (moment >= bindparam(f"{start}_{i}")) & (moment < bindparam(f"{end}_{i}"))
        for i in range(count)
    ]


def _which(count: int, moment: Any, start: str, end: str) -> Any:
    """Which window's [start_i, end_i) holds ``moment`` (the spans are apart), else NULL."""
    spans = _spans(count, moment, start, end)
    return case(*((span, i) for i, span in enumerate(spans)), else_=None)


@cache
def _window_statements(count: int) -> tuple[AnySelect, AnySelect, AnySelect]:
    """The three statements of ``windows`` for ``count`` windows, built once (a statement of
    ~70 columns takes SQLAlchemy longer to build than the database to run). Each is a single
    aggregate: a UNION of them made PostgreSQL plan parallel workers, ~10-40 ms to start.

    Hour rows, once for every window: grouped by outcome and by which windows they fall in;
    minute rows and raw attempts: grouped by the window whose span holds them; raw attempts by
    (outcome parts, duration) too: an hour's worth is a few hundred groups."""
    endpoint: BindParameter[str] = bindparam("endpoint_id")
    start = _T.start_epoch_seconds
    inside = [(start >= bindparam(f"hours_from_{i}")).label(f"in_{i}") for i in range(count)]
    hours: AnySelect = (
        select(*inside, _T.outcome, *_WINDOW_SUMS)
        .where(_T.endpoint_id == endpoint, _T.period_seconds == HOUR)
        .where(start >= bindparam("hours_from_oldest"))
        .group_by(*inside, _T.outcome)
    )
    minute_of = _which(count, start, "minutes_from", "minutes_until").label("window")
    minutes = (
        select(minute_of, _T.outcome, *_WINDOW_SUMS)
        .where(_T.endpoint_id == endpoint, _T.period_seconds == MINUTE)
        .where(or_(*_spans(count, start, "minutes_from", "minutes_until")))
        .group_by(minute_of, _T.outcome)
    )
    parts = (Attempt.status, Attempt.error_kind, Attempt.status_code, Attempt.duration_ms)
    raw_of = _which(count, Attempt.created_at, "raw_from", "raw_until").label("window")
    raw = (
        select(raw_of, *parts, func.count())
        .where(
            Attempt.endpoint_id == endpoint,
            or_(*_spans(count, Attempt.created_at, "raw_from", "raw_until")),
        )
        .group_by(raw_of, *parts)
    )
    return hours, minutes, raw


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

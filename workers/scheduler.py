"""The scheduler: finds due retries and tasks that look lost, in the database, and enqueues them.

Each round claims rows (``enqueued_at = now``) and commits before sending, so two schedulers never
enqueue the same delivery in one round, and a crash between commit and send is healed by the stuck
bound on the next rounds.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from functools import partial

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.deliveries import repository, rollup
from app.deliveries import service as recoveries
from app.kit.clock import utc_now
from app.kit.ids import id_bound
from app.kit.jobs import JobQueue
from app.models.attempt_rollup import HOUR, MINUTE
from app.retention import repository as retention
from app.sources import repository as inbound
from workers import metrics
from workers.contracts import RunRecovery, SendDeliveries

log = structlog.get_logger(__name__)


async def run_once(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], jobs: JobQueue
) -> int:
    """One round: claim and enqueue up to ``scheduler_batch_size`` deliveries; return the count."""
    now = utc_now()
    async with sessions() as session:
        await repository.wake_due_probes(session, now=now)
        ids = await repository.claim_due(
            session,
            now=now,
            stuck_before=now - timedelta(seconds=settings.stuck_after_seconds),
            limit=settings.scheduler_batch_size,
        )
        stale = await recoveries.claim_stale_recoveries(
            session, now=now, stale_before=now - timedelta(seconds=settings.stuck_after_seconds)
        )
        await session.commit()
    if ids:
        step = settings.deliveries_per_task
        await jobs.send(
            [SendDeliveries(delivery_ids=ids[i : i + step]) for i in range(0, len(ids), step)]
        )
        log.debug("scheduler_enqueued", deliveries=len(ids))
    if stale:
        await jobs.send([RunRecovery(recovery_id=i) for i in stale])
        log.info("scheduler_resumed_recoveries", recoveries=len(stale))
    return len(ids)


async def purge_once(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> int:
    """One retention round: finish the pending deliveries of deleted endpoints (unsent), then
    purge every kind past its ``*_retention_days`` (0: kept forever) and deleted sources' whole
    history, ``retention_batch_size`` rows per short transaction (time bounds are id bounds, so
    a primary key drives each batch and no lock is held long); count them in ``/metrics`` and
    return how many rows went."""
    now = utc_now()
    failed = await _drain(
        sessions, settings, partial(retention.fail_deleted_endpoint_deliveries, now=now)
    )
    purged: Counter[str] = Counter()
    for kind, step in _purges(settings, now):
        purged.update(await _drain_purge(sessions, settings, kind, step))
    for kind, count in purged.items():
        metrics.RETENTION_PURGED.labels(kind).inc(count)
    if failed or purged:
        log.info("retention_purged", deleted_endpoint_deliveries_failed=failed, **purged)
    return sum(purged.values())


PurgeStep = Callable[..., Awaitable[retention.Purged]]  # (session, *, limit)


def _purges(settings: Settings, now: datetime) -> list[tuple[str, PurgeStep]]:
    """Each purge with the kind whose rows fill its batches, oldest-dependent first; a kind
    kept forever (0 days) is left out, the others run whatever it is."""

    def before(prefix: str, days: float) -> str:
        return id_bound(prefix, now - timedelta(days=days))

    steps: list[tuple[str, PurgeStep]] = []
    by_age = (
        ("attempts", "att", settings.attempt_retention_days, retention.purge_attempts),
        ("deliveries", "dlv", settings.delivery_retention_days, retention.purge_deliveries),
        ("messages", "msg", settings.message_retention_days, retention.purge_messages),
        ("payloads", "msg", settings.payload_retention_days, _purge_payloads),
        ("inbound_events", "iev", settings.message_retention_days, retention.purge_inbound_events),
    )
    for kind, prefix, days, purge in by_age:
        if days > 0:
            steps.append((kind, partial(purge, before_id=before(prefix, days))))
    # A deleted source's history goes whatever its age; its row and tenant once it is empty.
    steps.append(("inbound_events", retention.purge_deleted_source_events))
    steps.append(("inbound_dedup", retention.purge_deleted_source_keys))
    steps.append(("messages", retention.purge_deleted_source_messages))
    # The roll-up: minute rows for the stats' ragged starts, hour rows as long as attempts.
    rollups = [(MINUTE, now - rollup.MINUTE_RETENTION)]
    if settings.attempt_retention_days > 0:
        rollups.append((HOUR, now - timedelta(days=settings.attempt_retention_days)))
    for period, start_before in rollups:
        steps.append(
            ("attempt_rollups", partial(_purge_rollups, period=period, before=start_before))
        )
    steps.append(("endpoints", retention.purge_deleted_endpoints))
    steps.append(("inbound_dedup", partial(_purge_inbound, now=now)))
    steps.append(("sources", retention.purge_deleted_sources))
    return steps


async def _purge_payloads(session: AsyncSession, *, before_id: str, limit: int) -> retention.Purged:
    return {"payloads": await repository.purge_payloads(session, before_id=before_id, limit=limit)}


async def _purge_rollups(
    session: AsyncSession, *, period: int, before: datetime, limit: int
) -> retention.Purged:
    found = await rollup.purge(session, period=period, before=before, limit=limit)
    return {"attempt_rollups": found}


async def _purge_inbound(session: AsyncSession, *, limit: int, now: datetime) -> retention.Purged:
    """Expired dedup keys and rejected requests past their age (the inbound gateway's rules)."""
    return {"inbound_dedup": await inbound.purge(session, now=now, limit=limit)}


async def _drain_purge(
    sessions: async_sessionmaker[AsyncSession], settings: Settings, kind: str, step: PurgeStep
) -> Counter[str]:
    """Run one purge batch after batch until a batch of ``kind`` comes back short."""
    purged: Counter[str] = Counter()

    async def batch(session: AsyncSession, *, limit: int) -> int:
        found = await step(session, limit=limit)
        purged.update({k: v for k, v in found.items() if v})
        return found.get(kind, 0)

    await _drain(sessions, settings, batch)
    return purged


async def _drain(
    sessions: async_sessionmaker[AsyncSession],
    settings: Settings,
    step: Callable[..., Awaitable[int]],
) -> int:
    """Commit ``step`` batch after batch (each its own transaction) until one comes back short."""
    total = 0
    while True:
        async with sessions() as session:
            count = await step(session, limit=settings.retention_batch_size)
            await session.commit()
        total += count
        if count < settings.retention_batch_size:
            return total
        await asyncio.sleep(0)  # let the scheduling rounds in between


async def _retain_forever(
    settings: Settings, sessions: async_sessionmaker[AsyncSession], stop: asyncio.Event
) -> None:
    while not stop.is_set():
        try:
            await purge_once(settings, sessions)
        except Exception:
            log.exception("retention_round_failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=settings.retention_interval_seconds)


async def run_forever(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    jobs: JobQueue,
    stop: asyncio.Event,
) -> None:
    """Run rounds until ``stop`` is set; a full round runs again at once, errors back off.
    Retention runs beside them every ``retention_interval_seconds``."""
    retention = asyncio.create_task(_retain_forever(settings, sessions, stop))
    try:
        await _schedule_forever(settings, sessions, jobs, stop)
    finally:
        stop.set()
        await retention


async def _schedule_forever(
    settings: Settings,
    sessions: async_sessionmaker[AsyncSession],
    jobs: JobQueue,
    stop: asyncio.Event,
) -> None:
    while not stop.is_set():
        delay = settings.scheduler_interval_seconds
        try:
            if await run_once(settings, sessions, jobs) >= settings.scheduler_batch_size:
                delay = 0
        except Exception:
            log.exception("scheduler_round_failed")
            delay = min(delay * 5, 10.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=delay)

"""The scheduler: finds due retries and tasks that look lost, in the database, and enqueues them.

Each round claims rows (``enqueued_at = now``) and commits before sending, so two schedulers never
enqueue the same delivery in one round, and a crash between commit and send is healed by the stuck
bound on the next rounds.
"""

from __future__ import annotations

import asyncio
import contextlib
from datetime import timedelta

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.deliveries import repository
from app.deliveries import service as recoveries
from app.kit.clock import utc_now
from app.kit.ids import id_bound
from app.kit.jobs import JobQueue
from app.sources import repository as inbound
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
    """Purge payloads older than ``payload_retention_days``, ``retention_batch_size`` rows per
    short transaction (the time bound is a message id bound, so the primary key drives each
    delete and no lock is held long); return the count purged. Attempts are kept."""
    if settings.payload_retention_days <= 0:
        return 0
    before_id = id_bound("msg", utc_now() - timedelta(days=settings.payload_retention_days))
    purged = 0
    while True:
        async with sessions() as session:
            count = await repository.purge_payloads(
                session, before_id=before_id, limit=settings.retention_batch_size
            )
            await session.commit()
        purged += count
        if count < settings.retention_batch_size:
            break
        await asyncio.sleep(0)  # let the scheduling rounds in between
    if purged:
        log.info("payloads_purged", count=purged, before_id=before_id)
    return purged + await _purge_inbound(settings, sessions)


async def _purge_inbound(settings: Settings, sessions: async_sessionmaker[AsyncSession]) -> int:
    """Expired dedup keys and rejected requests past their age (one batch a round: both stay
    small, since rejected requests are also bounded per source as they are stored)."""
    async with sessions() as session:
        count = await inbound.purge(session, now=utc_now(), limit=settings.retention_batch_size)
        await session.commit()
    return count


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
    Payload retention runs beside them every ``retention_interval_seconds``."""
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

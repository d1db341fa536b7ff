"""Running a recovery: failed deliveries go back to pending in batches, each batch its own unit
of work (its send tasks go after its commit), so progress shows as it goes and no lock is long."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.deliveries import service
from app.kit.jobs import JobQueue
from app.kit.uow import unit_of_work
from app.models import Recovery
from app.sources import replay

log = structlog.get_logger(__name__)

BATCH_SIZE = 500


async def run_recovery(
    sessions: async_sessionmaker[AsyncSession],
    jobs: JobQueue | None,
    recovery_id: str,
    *,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Requeue every failed delivery the recovery covers, batch by batch, until it is done (a
    source's destination first gets the events of the range it never had: ``replay``)."""

    async def backfill(session: AsyncSession, recovery: Recovery, after: str) -> str | None:
        return await replay.backfill_batch(
            session, recovery, after_message_id=after, limit=batch_size
        )

    async def requeue(session: AsyncSession, recovery: Recovery, after: str) -> str | None:
        return await service.requeue_batch(
            session, recovery, after_message_id=after, batch_size=batch_size
        )

    await _in_batches(sessions, jobs, recovery_id, backfill)
    requeued = await _in_batches(sessions, jobs, recovery_id, requeue)
    if requeued is not None:
        log.info("recovery_done", recovery_id=recovery_id, requeued=requeued)


Step = Callable[[AsyncSession, Recovery, str], Awaitable[str | None]]


async def _in_batches(
    sessions: async_sessionmaker[AsyncSession],
    jobs: JobQueue | None,
    recovery_id: str,
    step: Step,
) -> int | None:
    """Run ``step`` batch after batch, each its own unit of work, from the last message id the
    previous one answered until one answers None; then the recovery's ``requeued`` count (None
    when the recovery is gone or already done)."""
    after = ""
    while True:
        async with unit_of_work(sessions, jobs) as session:
            recovery = await session.scalar(select(Recovery).where(Recovery.id == recovery_id))
            if recovery is None or recovery.status == service.DONE:
                return None
            last = await step(session, recovery, after)
            requeued = recovery.requeued
        if last is None:
            return requeued
        after = last

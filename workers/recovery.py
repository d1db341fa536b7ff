"""Running a recovery: failed deliveries go back to pending in batches, each batch its own unit
of work (its send tasks go after its commit), so progress shows as it goes and no lock is long."""

from __future__ import annotations

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.deliveries import service
from app.kit.jobs import JobQueue
from app.kit.uow import unit_of_work
from app.models import Recovery

log = structlog.get_logger(__name__)

BATCH_SIZE = 500


async def run_recovery(
    sessions: async_sessionmaker[AsyncSession],
    jobs: JobQueue | None,
    recovery_id: str,
    *,
    batch_size: int = BATCH_SIZE,
) -> None:
    """Requeue every failed delivery the recovery covers, batch by batch, until it is done."""
    after = ""
    while True:
        async with unit_of_work(sessions, jobs) as session:
            recovery = await session.scalar(select(Recovery).where(Recovery.id == recovery_id))
            if recovery is None or recovery.status == service.DONE:
                return
            last = await service.requeue_batch(
                session, recovery, after_message_id=after, batch_size=batch_size
            )
            requeued = recovery.requeued
        if last is None:
            log.info("recovery_done", recovery_id=recovery_id, requeued=requeued)
            return
        after = last

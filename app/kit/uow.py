"""The unit of work: commits (or rolls back) one request or job, then sends its buffered tasks."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kit.jobs import JobQueue, take_buffer


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], jobs: JobQueue | None
) -> AsyncIterator[AsyncSession]:
    """Commit or roll back; after a commit send the buffered tasks (with no ``jobs`` queue they
    are left to the scheduler, which finds their rows in the database after the stuck bound)."""
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            take_buffer(session)
            await session.rollback()
            raise
        tasks = take_buffer(session)
    if jobs is not None:
        await jobs.send(tasks)

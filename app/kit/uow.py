"""The unit of work: commits (or rolls back) one request or job, then sends its buffered tasks."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.kit.jobs import JobQueue, take_buffer


@asynccontextmanager
async def unit_of_work(
    sessions: async_sessionmaker[AsyncSession], jobs: JobQueue
) -> AsyncIterator[AsyncSession]:
    async with sessions() as session:
        try:
            yield session
            await session.commit()
        except BaseException:
            take_buffer(session)
            await session.rollback()
            raise
        tasks = take_buffer(session)
    await jobs.send(tasks)

"""Litestar dependencies shared by every controller."""

from collections.abc import AsyncIterator

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.uow import unit_of_work


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit before the response goes out, then send jobs."""
    async with unit_of_work(state.sessions, state.jobs) as session:
        yield session

"""Litestar dependencies shared by every controller."""

from collections.abc import AsyncIterator
from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.uow import unit_of_work


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit before the response goes out, then send jobs."""
    async with unit_of_work(state.sessions, state.jobs) as session:
        yield session


Session = NamedDependency[AsyncSession]
"""The request's unit-of-work session, injected by name."""

Limit = Annotated[int, QueryParameter(ge=1, le=250, description="Page size")]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page")]

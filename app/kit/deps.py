"""Litestar dependencies shared by every controller."""

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from litestar.types import Scope
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidRequest
from app.kit.clock import as_utc
from app.kit.uow import unit_of_work

PRINCIPAL = "principal"


async def provide_session(state: State, scope: Scope) -> AsyncIterator[AsyncSession]:
    """One unit of work per request: commit before the response goes out, then send jobs.

    The session carries the request's principal (set by the guard), so that every tenant lookup
    (``app.tenants.service.get``) keeps a portal token inside its own tenant.
    """
    async with unit_of_work(state.sessions, state.jobs) as session:
        principal = scope.get("state", {}).get("principal")
        if principal is not None:
            session.info[PRINCIPAL] = principal
        yield session


Session = NamedDependency[AsyncSession]
"""The request's unit-of-work session, injected by name."""

Limit = Annotated[int, QueryParameter(ge=1, le=250, description="Page size")]
Cursor = Annotated[str | None, QueryParameter(description="next_cursor of the previous page")]


def parse_time(name: str, value: str | None) -> datetime | None:
    """An ISO 8601 query value; a naive time is taken as UTC (a bad one is a 422)."""
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidRequest(
            f"{name} must be an ISO 8601 date-time, got {value!r}", code="invalid_filter"
        ) from None
    return as_utc(parsed)

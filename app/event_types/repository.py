"""Every query on the event type catalog (one catalog for the whole platform: no tenant scope)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import paginate
from app.models import EventType


async def name_taken(session: AsyncSession, name: str) -> bool:
    return await session.scalar(select(EventType.id).where(EventType.name == name)) is not None


async def by_name(session: AsyncSession, name: str) -> EventType | None:
    found: EventType | None = await session.scalar(select(EventType).where(EventType.name == name))
    return found


async def rules_of(
    session: AsyncSession, name: str
) -> Row[tuple[bool, dict[str, Any] | None]] | None:
    """What publishing checks of a type: ``archived`` and ``schema`` (None: not in the catalog)."""
    query = select(EventType.archived, EventType.schema).where(EventType.name == name)
    return (await session.execute(query)).first()


async def page(session: AsyncSession, *, cursor: str | None, limit: int) -> list[EventType]:
    query = paginate(select(EventType), EventType.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())

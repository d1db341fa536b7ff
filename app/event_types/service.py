"""The event type catalog."""

import time

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, NotFound
from app.event_types.schemas import EventTypeCreate, EventTypeUpdate
from app.kit.ids import new_id
from app.kit.pagination import paginate
from app.models import EventType


async def create(session: AsyncSession, data: EventTypeCreate) -> EventType:
    if await session.scalar(select(EventType.id).where(EventType.name == data.name)) is not None:
        raise Conflict(f"event type {data.name!r} exists", code="event_type_exists")
    event_type = EventType(
        id=new_id("et"), name=data.name, description=data.description, schema=data.schema
    )
    session.add(event_type)
    await session.flush()
    return event_type


async def get(session: AsyncSession, name: str) -> EventType:
    found = await session.scalar(select(EventType).where(EventType.name == name))
    if found is None:
        raise NotFound(f"event type {name!r} not found", code="event_type_not_found")
    return found


async def update(session: AsyncSession, name: str, data: EventTypeUpdate) -> EventType:
    event_type = await get(session, name)
    _archived.pop(name, None)
    for field, value in msgspec.structs.asdict(data).items():
        if value is not msgspec.UNSET:
            setattr(event_type, field, value)
    await session.flush()
    return event_type


async def list_(session: AsyncSession, *, cursor: str | None, limit: int) -> list[EventType]:
    query = paginate(select(EventType), EventType.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


# Publish asks this for every message; the answer may lag an archive made in another process by
# at most ARCHIVED_CACHE_SECONDS (this process forgets at once).
ARCHIVED_CACHE_SECONDS = 5.0
_archived: dict[str, tuple[float, bool]] = {}


def forget_cached() -> None:
    _archived.clear()


async def is_archived(session: AsyncSession, name: str) -> bool:
    now = time.monotonic()
    cached = _archived.get(name)
    if cached is not None and cached[0] > now:
        return cached[1]
    archived = bool(await session.scalar(select(EventType.archived).where(EventType.name == name)))
    if len(_archived) > 10_000:
        _archived.clear()
    _archived[name] = (now + ARCHIVED_CACHE_SECONDS, archived)
    return archived

"""Every query of the inbound gateway: sources, the dedup claim, inbound messages and the log.

The dedup claim is one ``INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= now RETURNING``
on SQLite and PostgreSQL alike: of concurrent requests carrying the same key, the first inserts
and the others wait for its commit, then conflict on a live key and get no row (a duplicate); a
key whose window has passed is taken over in place.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.ids import id_bound
from app.kit.pagination import paginate
from app.messages import repository as messages
from app.models import (
    Base,
    Delivery,
    Endpoint,
    InboundDedup,
    InboundEvent,
    Message,
    MessagePayload,
    Source,
    Tenant,
)
from app.models.source import REJECTED

# The rejected requests kept per source (the newest), and for how long at most.
REJECTED_KEPT = 100
REJECTED_MAX_AGE = timedelta(hours=24)
_NO_SYNC = {"synchronize_session": False}
_INSERTS = {"postgresql": pg_insert, "sqlite": sqlite_insert}
_TABLES = Base.metadata.tables


def live() -> Select[Source]:
    """The sources that exist: every lookup of a source starts here, so a deleted one is gone
    for the API, the ingest URL and the CLI at once (its row waits for retention)."""
    return select(Source).where(Source.deleted_at.is_(None))


async def by_token_hash(session: AsyncSession, token_hash: str, *, now: datetime) -> Source | None:
    """The source whose ingest token (or rotated-out token still in its overlap) hashes so."""
    found: Source | None = await session.scalar(
        live().where(
            or_(
                Source.token_hash == token_hash,
                and_(Source.old_token_hash == token_hash, Source.old_token_expires_at > now),
            )
        )
    )
    return found


async def get(session: AsyncSession, source_id: str) -> Source | None:
    found: Source | None = await session.scalar(live().where(Source.id == source_id))
    return found


async def tenant_of(session: AsyncSession, source: Source) -> Tenant:
    return await session.get_one(Tenant, source.tenant_id)


async def list_(session: AsyncSession, *, cursor: str | None, limit: int) -> list[Source]:
    query = paginate(live(), Source.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


async def mark_deleted(
    session: AsyncSession, source: Source, *, now: datetime, disabled_reason: str
) -> None:
    """Delete a source in two short UPDATEs, whatever its history: its row is marked, and its
    destinations are deleted as an endpoint's delete does (disabled, ``disabled_reason``), so
    no worker sends to them again; retention purges the rest in batches (``app.retention``)."""
    source.deleted_at = now
    await session.flush()
    await session.execute(
        update(Endpoint)
        .where(Endpoint.tenant_id == source.tenant_id, Endpoint.deleted_at.is_(None))
        .values(deleted_at=now, disabled=True, disabled_reason=disabled_reason),
        execution_options=_NO_SYNC,
    )


def _claim(insert_: Any) -> Any:
    table = InboundDedup.__table__
    columns = ("source_id", "dedup_key", "event_id", "expires_at")
    statement = insert_(table).values({name: bindparam(name) for name in columns})
    return statement.on_conflict_do_update(
        index_elements=["source_id", "dedup_key"],
        set_={"event_id": statement.excluded.event_id, "expires_at": statement.excluded.expires_at},
        where=table.c.expires_at <= bindparam("now"),
    ).returning(table.c.event_id)


# Built once: building the statement per request (and its cache key) was ~10 % of ingest's CPU.
_CLAIMS = {dialect: _claim(insert_) for dialect, insert_ in _INSERTS.items()}


async def claim_dedup_key(
    session: AsyncSession,
    source_id: str,
    key: str,
    *,
    event_id: str,
    now: datetime,
    window: timedelta,
) -> str | None:
    """Claim ``key`` for ``event_id`` until ``now + window``; None if claimed, else the id of
    the event that holds it (this one is a duplicate)."""
    claim = _CLAIMS[session.get_bind().dialect.name]
    values = {"source_id": source_id, "dedup_key": key, "event_id": event_id}
    claimed = await session.execute(claim, values | {"expires_at": now + window, "now": now})
    if claimed.first() is not None:
        return None
    holder = await session.scalar(
        select(InboundDedup.event_id).where(
            InboundDedup.source_id == source_id, InboundDedup.dedup_key == key
        )
    )
    return holder or ""


async def add_message(
    session: AsyncSession, message: Message, body: bytes, headers: dict[str, str]
) -> None:
    """An inbound message and its payload: the body byte-exact, the headers it is sent with."""
    # Core inserts of one row each: the ORM's bulk path ran them as pipelined executemany, and
    # the deliveries as one INSERT per row; together ~25 % of ingest's CPU (py-spy).
    message_row: dict[str, Any] = {"id": message.id, "tenant_id": message.tenant_id}
    message_row |= {"event_type": message.event_type, "created_at": message.created_at}
    await session.execute(insert(_TABLES["messages"]), message_row)
    payload_row = {"message_id": message.id, "body": body, "headers": headers}
    await session.execute(insert(_TABLES["message_payloads"]), payload_row)


async def add_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if rows:
        await messages.insert_deliveries(session, rows)


async def add_event(session: AsyncSession, event: InboundEvent) -> None:
    session.add(event)
    await session.flush()


async def trim_rejected(session: AsyncSession, source_id: str) -> None:
    """Keep the newest ``REJECTED_KEPT`` rejected requests of a source."""
    keep_from = (
        select(InboundEvent.id)
        .where(InboundEvent.source_id == source_id, InboundEvent.outcome == REJECTED)
        .order_by(InboundEvent.id.desc())
        .offset(REJECTED_KEPT - 1)
        .limit(1)
        .scalar_subquery()
    )
    await session.execute(
        delete(InboundEvent).where(
            InboundEvent.source_id == source_id,
            InboundEvent.outcome == REJECTED,
            InboundEvent.id < keep_from,
        ),
        execution_options=_NO_SYNC,
    )


async def purge(session: AsyncSession, *, now: datetime, limit: int) -> int:
    """Delete up to ``limit`` expired dedup keys and as many rejected requests past their age."""
    expired = select(InboundDedup.source_id, InboundDedup.dedup_key).where(
        InboundDedup.expires_at <= now
    )
    keys = (await session.execute(expired.limit(limit))).all()
    for source_id, key in keys:
        await session.execute(
            delete(InboundDedup).where(
                InboundDedup.source_id == source_id,
                InboundDedup.dedup_key == key,
                InboundDedup.expires_at <= now,
            ),
            execution_options=_NO_SYNC,
        )
    old = select(InboundEvent.id).where(
        InboundEvent.outcome == REJECTED,
        InboundEvent.id < id_bound("iev", now - REJECTED_MAX_AGE),
    )
    old_ids = list((await session.scalars(old.limit(limit))).all())
    if old_ids:
        await session.execute(
            delete(InboundEvent).where(InboundEvent.id.in_(old_ids)), execution_options=_NO_SYNC
        )
    return len(keys) + len(old_ids)


def events_query(
    source_id: str,
    *,
    outcome: str | None,
    event_type: str | None,
    after: datetime | None,
    before: datetime | None,
    cursor: str | None,
    limit: int,
) -> Select[Any]:
    """A page of a source's inbound log, newest first, down (source_id, [outcome|event_type,] id)."""
    query = select(InboundEvent).where(InboundEvent.source_id == source_id)
    if outcome is not None:
        query = query.where(InboundEvent.outcome == outcome)
    if event_type is not None:
        query = query.where(InboundEvent.event_type == event_type)
    if after is not None:
        query = query.where(InboundEvent.id >= id_bound("iev", after))
    if before is not None:
        query = query.where(InboundEvent.id < id_bound("iev", before))
    return paginate(query, InboundEvent.id, cursor=cursor, limit=limit)


async def events(session: AsyncSession, query: Select[Any]) -> list[InboundEvent]:
    return list((await session.scalars(query)).all())


async def event(session: AsyncSession, source_id: str, event_id: str) -> InboundEvent | None:
    found: InboundEvent | None = await session.scalar(
        select(InboundEvent).where(InboundEvent.id == event_id, InboundEvent.source_id == source_id)
    )
    return found


async def payload(session: AsyncSession, message_id: str) -> bytes | None:
    body: bytes | None = await session.scalar(
        select(MessagePayload.body).where(MessagePayload.message_id == message_id)
    )
    return body


async def destinations(session: AsyncSession, tenant_id: str) -> Sequence[Endpoint]:
    query = select(Endpoint).where(Endpoint.tenant_id == tenant_id, Endpoint.deleted_at.is_(None))
    return (await session.scalars(query)).all()


async def deliveries_of(session: AsyncSession, message_id: str) -> list[Delivery]:
    query = select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id)
    return list((await session.scalars(query)).all())

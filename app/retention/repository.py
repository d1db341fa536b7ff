"""Every query of retention: each purges one short batch (``limit`` rows of its kind, the oldest
first along a primary key or a small index) and answers the rows it removed by kind, so that the
scheduler can run batch after batch in short transactions and count them.

What is never purged: a pending delivery, its message, its attempts. A message goes with all it
holds (payload, channels, finished deliveries and their attempts); a deleted endpoint's row goes
once retention has purged every delivery of it. A deleted source's history (inbound log, dedup
keys, the messages of its hidden tenant) goes whatever its age, then the source and its tenant.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, Select, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models import (
    Attempt,
    Delivery,
    Endpoint,
    Message,
    MessageChannel,
    MessagePayload,
    Source,
    Tenant,
)
from app.models.delivery import FAILED, PENDING
from app.models.source import InboundDedup, InboundEvent

Purged = dict[str, int]  # rows removed, by kind

_NO_SYNC = {"synchronize_session": False}


def _pending(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists().where(Delivery.status == PENDING, *where)


async def fail_deleted_endpoint_deliveries(
    session: AsyncSession, *, now: datetime, limit: int
) -> int:
    """Finish, unsent, up to ``limit`` pending deliveries of deleted endpoints as ``failed`` (one
    a worker is sending now keeps its lease and is finished by a later round); the count."""
    ids = (
        select(Delivery.id)
        .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
        .where(Endpoint.deleted_at.is_not(None), Delivery.status == PENDING)
        .where(or_(Delivery.lease_until.is_(None), Delivery.lease_until <= now))
        .limit(limit)
    )
    found = list((await session.scalars(ids)).all())
    if not found:
        return 0
    result = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(found), Delivery.status == PENDING)
        .values(status=FAILED, next_attempt_at=None, lease_until=None, updated_at=now)
        .returning(Delivery.id),
        execution_options=_NO_SYNC,
    )
    return len(result.all())


async def purge_attempts(session: AsyncSession, *, before_id: str, limit: int) -> Purged:
    """Attempts made before ``before_id``, except those of a pending delivery."""
    ids = (
        select(Attempt.id)
        .where(Attempt.id < before_id, ~_pending(Delivery.id == Attempt.delivery_id))
        .order_by(Attempt.id)
        .limit(limit)
    )
    return {"attempts": await _delete_ids(session, Attempt.id, (await session.scalars(ids)).all())}


async def purge_deliveries(session: AsyncSession, *, before_id: str, limit: int) -> Purged:
    """Finished deliveries made before ``before_id``, with their attempts."""
    ids = (
        select(Delivery.id)
        .where(Delivery.id < before_id, Delivery.status != PENDING)
        .order_by(Delivery.id)
        .limit(limit)
    )
    found = (await session.scalars(ids)).all()
    attempts = await _delete_ids(session, Attempt.delivery_id, found)
    deliveries = await _delete_ids(session, Delivery.id, found, Delivery.status != PENDING)
    return {"deliveries": deliveries, "attempts": attempts}


async def purge_messages(session: AsyncSession, *, before_id: str, limit: int) -> Purged:
    """Messages made before ``before_id`` with no pending delivery, and everything they hold."""
    return await _purge_messages(session, Message.id < before_id, limit=limit)


async def _purge_messages(
    session: AsyncSession, which: ColumnElement[bool], *, limit: int
) -> Purged:
    """Up to ``limit`` messages of ``which`` with no pending delivery, and all they hold."""
    no_pending = ~_pending(Delivery.message_id == Message.id)
    ids = select(Message.id).where(which, no_pending).order_by(Message.id).limit(limit)
    found = (await session.scalars(ids)).all()
    if not found:
        return {"messages": 0}
    purged = {
        "attempts": await _delete_ids(session, Attempt.message_id, found),
        "deliveries": await _delete_ids(
            session, Delivery.message_id, found, Delivery.status != PENDING
        ),
        "message_channels": await _delete_ids(session, MessageChannel.message_id, found),
        "payloads": await _delete_ids(session, MessagePayload.message_id, found),
    }
    # Checked again: a resend may have made one pending since the read (it stays, whole).
    purged["messages"] = await _delete_ids(session, Message.id, found, no_pending)
    return purged


async def purge_deleted_endpoints(session: AsyncSession, *, limit: int) -> Purged:
    """Deleted endpoints whose deliveries retention has all purged."""
    gone = ~exists().where(Delivery.endpoint_id == Endpoint.id)
    ids = select(Endpoint.id).where(Endpoint.deleted_at.is_not(None), gone).limit(limit)
    found = (await session.scalars(ids)).all()
    return {"endpoints": await _delete_ids(session, Endpoint.id, found, gone)}


async def purge_inbound_events(session: AsyncSession, *, before_id: str, limit: int) -> Purged:
    """The inbound log's events (accepted, duplicate, rejected) made before ``before_id``."""
    ids = select(InboundEvent.id).where(InboundEvent.id < before_id).order_by(InboundEvent.id)
    found = (await session.scalars(ids.limit(limit))).all()
    return {"inbound_events": await _delete_ids(session, InboundEvent.id, found)}


def _deleted_sources() -> Select[str]:
    return select(Source.id).where(Source.deleted_at.is_not(None))


def _deleted_source_tenants() -> Select[str]:
    return select(Source.tenant_id).where(Source.deleted_at.is_not(None))


async def purge_deleted_source_events(session: AsyncSession, *, limit: int) -> Purged:
    """The inbound log (accepted, duplicate and rejected requests) of deleted sources."""
    ids = select(InboundEvent.id).where(InboundEvent.source_id.in_(_deleted_sources()))
    found = (await session.scalars(ids.limit(limit))).all()
    return {"inbound_events": await _delete_ids(session, InboundEvent.id, found)}


async def purge_deleted_source_keys(session: AsyncSession, *, limit: int) -> Purged:
    """The dedup keys of deleted sources, live or not."""
    keys = select(InboundDedup.source_id, InboundDedup.dedup_key).where(
        InboundDedup.source_id.in_(_deleted_sources())
    )
    by_source: dict[str, list[str]] = {}
    for source_id, key in (await session.execute(keys.limit(limit))).all():
        by_source.setdefault(source_id, []).append(key)
    purged = 0
    for source_id, found in by_source.items():
        source_keys = InboundDedup.source_id == source_id
        purged += await _delete_ids(session, InboundDedup.dedup_key, found, source_keys)
    return {"inbound_dedup": purged}


async def purge_deleted_source_messages(session: AsyncSession, *, limit: int) -> Purged:
    """The messages of deleted sources' hidden tenants, whatever their age (a pending delivery,
    which retention fails first since the destinations are deleted, holds its message back)."""
    return await _purge_messages(
        session, Message.tenant_id.in_(_deleted_source_tenants()), limit=limit
    )


async def purge_deleted_sources(session: AsyncSession, *, limit: int) -> Purged:
    """Deleted sources that retention has emptied, each with its hidden tenant."""
    empty = (
        ~exists().where(InboundEvent.source_id == Source.id),
        ~exists().where(InboundDedup.source_id == Source.id),
        ~exists().where(Message.tenant_id == Source.tenant_id),
        ~exists().where(Endpoint.tenant_id == Source.tenant_id),
    )
    query = select(Source.id, Source.tenant_id).where(Source.deleted_at.is_not(None), *empty)
    found = (await session.execute(query.limit(limit))).all()
    sources = await _delete_ids(session, Source.id, [source_id for source_id, _ in found], *empty)
    orphan = ~exists().where(Source.tenant_id == Tenant.id)  # its source row went just now
    tenants = await _delete_ids(session, Tenant.id, [tenant_id for _, tenant_id in found], orphan)
    return {"sources": sources, "tenants": tenants}


async def _delete_ids(
    session: AsyncSession,
    column: InstrumentedAttribute[str],
    ids: Sequence[str],
    *where: ColumnElement[bool],
) -> int:
    if not ids:
        return 0
    result = await session.execute(
        delete(column.class_).where(column.in_(ids), *where), execution_options=_NO_SYNC
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


async def oldest_ids(session: AsyncSession) -> dict[str, str | None]:
    """The oldest retained row of each kind (the minimum of a primary key: an index's first
    entry, cheap at any size); its age is in its time-ordered id."""
    mins = {
        "attempts": Attempt.id,
        "deliveries": Delivery.id,
        "messages": Message.id,
        "payloads": MessagePayload.message_id,
        "inbound_events": InboundEvent.id,
    }
    return {kind: await session.scalar(select(func.min(col))) for kind, col in mins.items()}

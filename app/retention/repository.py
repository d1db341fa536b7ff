"""Every query of retention: each purges one short batch (``limit`` rows of its kind, the oldest
first along a primary key or a small index) and answers the rows it removed by kind, so that the
scheduler can run batch after batch in short transactions and count them.

What is never purged: a pending delivery, its message, its attempts. A message goes with all it
holds (payload, channels, finished deliveries and their attempts); a deleted endpoint's row goes
once retention has purged every delivery of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, delete, exists, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from app.models import Attempt, Delivery, Endpoint, Message, MessageChannel, MessagePayload
from app.models.delivery import FAILED, PENDING
from app.models.source import InboundEvent

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
    no_pending = ~_pending(Delivery.message_id == Message.id)
    ids = (
        select(Message.id)
        .where(Message.id < before_id, no_pending)
        .order_by(Message.id)
        .limit(limit)
    )
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

"""Publish: one transaction writes the message, its payload and one pending delivery per matching
enabled endpoint; the deliveries are enqueued after the commit."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import service as endpoints
from app.errors import AppError, InvalidRequest, NotFound
from app.event_types import service as event_types
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.kit.jobs import enqueue
from app.kit.matching import matches
from app.kit.pagination import paginate
from app.messages.schemas import MessageCreate
from app.models import Attempt, Delivery, Message, MessagePayload, Tenant
from workers.contracts import SendDeliveries


class Published(msgspec.Struct):
    message: Message
    payload: dict[str, Any] | None
    created: bool


async def publish(
    session: AsyncSession,
    tenant: Tenant,
    data: MessageCreate,
    *,
    max_payload_bytes: int,
    deliveries_per_task: int,
) -> Published:
    if data.event_id is not None and (found := await _by_event_id(session, tenant, data.event_id)):
        return found
    if await event_types.is_archived(session, data.event_type):
        raise InvalidRequest(
            f"event type {data.event_type!r} is archived", code="event_type_archived"
        )
    body = msgspec.json.encode(data.payload)
    if len(body) > max_payload_bytes:
        raise AppError(
            f"payload is {len(body)} bytes; the limit is {max_payload_bytes}",
            code="payload_too_large",
            status_code=413,
        )
    now = utc_now()
    message = Message(
        id=new_id("msg"),
        tenant_id=tenant.id,
        event_type=data.event_type,
        event_id=data.event_id,
        channels=data.channels,
        created_at=now,
    )
    try:
        async with session.begin_nested():
            session.add(message)
            session.add(MessagePayload(message_id=message.id, body=body))
            await session.flush()
    except IntegrityError:
        # Another request with the same event_id committed first: answer with its message.
        if data.event_id is not None and (
            found := await _by_event_id(session, tenant, data.event_id)
        ):
            return found
        raise
    await _create_deliveries(session, message, deliveries_per_task=deliveries_per_task)
    return Published(message=message, payload=data.payload, created=True)


async def _create_deliveries(
    session: AsyncSession, message: Message, *, deliveries_per_task: int
) -> None:
    targets = [
        e.id
        for e in await endpoints.enabled_for_tenant(session, message.tenant_id)
        if matches(e.event_types, message.event_type)
    ]
    if not targets:
        return
    now = message.created_at
    ids = [new_id("dlv") for _ in targets]
    rows = [
        {
            "id": delivery_id,
            "tenant_id": message.tenant_id,
            "message_id": message.id,
            "endpoint_id": endpoint_id,
            "status": "pending",
            "attempt_count": 0,
            "next_attempt_at": now,
            "enqueued_at": now,
            "created_at": now,
            "updated_at": now,
        }
        for delivery_id, endpoint_id in zip(ids, targets, strict=True)
    ]
    await session.execute(insert(Delivery), rows)
    for start in range(0, len(ids), deliveries_per_task):
        enqueue(session, SendDeliveries(delivery_ids=ids[start : start + deliveries_per_task]))


async def _by_event_id(session: AsyncSession, tenant: Tenant, event_id: str) -> Published | None:
    message = await session.scalar(
        select(Message).where(Message.tenant_id == tenant.id, Message.event_id == event_id)
    )
    if message is None:
        return None
    return Published(message=message, payload=await payload_of(session, message.id), created=False)


async def payload_of(session: AsyncSession, message_id: str) -> dict[str, Any] | None:
    body = await session.scalar(
        select(MessagePayload.body).where(MessagePayload.message_id == message_id)
    )
    return None if body is None else msgspec.json.decode(body)


async def get(session: AsyncSession, tenant: Tenant, message_id: str) -> Message:
    found = await session.scalar(
        select(Message).where(Message.id == message_id, Message.tenant_id == tenant.id)
    )
    if found is None:
        raise NotFound(f"message {message_id!r} not found", code="message_not_found")
    return found


async def list_(
    session: AsyncSession,
    tenant: Tenant,
    *,
    event_type: str | None,
    cursor: str | None,
    limit: int,
) -> list[Message]:
    query = select(Message).where(Message.tenant_id == tenant.id)
    if event_type is not None:
        query = query.where(Message.event_type == event_type)
    return list(
        (await session.scalars(paginate(query, Message.id, cursor=cursor, limit=limit))).all()
    )


async def deliveries_of(session: AsyncSession, message: Message) -> list[Delivery]:
    query = select(Delivery).where(Delivery.message_id == message.id).order_by(Delivery.id)
    return list((await session.scalars(query)).all())


async def attempts_of(
    session: AsyncSession,
    message: Message,
    *,
    endpoint_id: str | None,
    cursor: str | None,
    limit: int,
) -> list[Attempt]:
    query = select(Attempt).where(
        Attempt.message_id == message.id, Attempt.tenant_id == message.tenant_id
    )
    if endpoint_id is not None:
        query = query.where(Attempt.endpoint_id == endpoint_id)
    return list(
        (await session.scalars(paginate(query, Attempt.id, cursor=cursor, limit=limit))).all()
    )

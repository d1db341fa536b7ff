"""Publish: one transaction writes the message, its payload and one pending delivery per matching
enabled endpoint; the deliveries are enqueued after the commit. (The log's reads: ``log``.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import cache as endpoints
from app.endpoints.cache import Subscriptions
from app.errors import AppError
from app.event_types import service as event_types
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.kit.jobs import enqueue
from app.kit.matching import Subscription
from app.messages import repository
from app.messages.schemas import MessageCreate
from app.models import Endpoint, Message, Tenant
from app.models.delivery import PENDING, SCHEDULED
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
    (published,) = await publish_many(
        session,
        tenant,
        [data],
        max_payload_bytes=max_payload_bytes,
        deliveries_per_task=deliveries_per_task,
    )
    return published


async def publish_many(
    session: AsyncSession,
    tenant: Tenant,
    items: Sequence[MessageCreate],
    *,
    max_payload_bytes: int,
    deliveries_per_task: int,
    only_endpoint: Endpoint | None = None,
) -> list[Published]:
    """Publish several messages in the caller's unit of work; all or none are accepted.

    ``only_endpoint`` (a test event) delivers to that endpoint alone, whatever it subscribes to.
    """
    bodies = [msgspec.json.encode(item.payload) for item in items]
    for index, body in enumerate(bodies):
        if len(body) > max_payload_bytes:
            where = f"messages[{index}]: " if len(items) > 1 else ""
            raise AppError(
                f"{where}payload is {len(body)} bytes; the limit is {max_payload_bytes}",
                code="payload_too_large",
                status_code=413,
            )
    catalog = {
        name: await event_types.rules(session, name) for name in {i.event_type for i in items}
    }
    for index, item in enumerate(items):
        catalog[item.event_type].check(item.payload, index=index if len(items) > 1 else None)
    now = utc_now()
    messages = [
        Message(
            id=new_id("msg"),
            tenant_id=tenant.id,
            event_type=item.event_type,
            event_id=item.event_id,
            channels=item.channels,
            created_at=now,
        )
        for item in items
    ]
    inserted = await repository.insert_messages(session, messages)
    new = [
        (m, b, i) for m, b, i in zip(messages, bodies, items, strict=True) if m.id in inserted.ids
    ]
    if new and inserted.endpoints_version is not None:
        await repository.insert_payloads(session, [(m.id, b) for m, b, _ in new])
        if only_endpoint is not None:
            subscribed = [(only_endpoint.id, Subscription(["*"]))]
        else:
            subscribed = await endpoints.subscriptions(
                session, tenant.id, version=inserted.endpoints_version
            )
        await _create_deliveries(
            session,
            tenant.id,
            [(m, i.payload) for m, _, i in new],
            subscribed,
            deliveries_per_task=deliveries_per_task,
        )
    return [
        Published(message=message, payload=item.payload, created=True)
        if message.id in inserted.ids
        else await _replayed(session, tenant, item)
        for message, item in zip(messages, items, strict=True)
    ]


async def _replayed(session: AsyncSession, tenant: Tenant, item: MessageCreate) -> Published:
    """The message an earlier publish with the same event_id created (it answers in its place)."""
    found = await repository.by_event_id(session, tenant.id, item.event_id or "")
    if found is None:  # pragma: no cover - a conflicting row cannot vanish mid-transaction
        raise RuntimeError("event_id conflict without a row")
    payload = await repository.payload_of(session, found.id)
    return Published(message=found, payload=payload, created=False)


async def _create_deliveries(
    session: AsyncSession,
    tenant_id: str,
    messages: list[tuple[Message, dict[str, Any]]],
    subscribed: Subscriptions,
    *,
    deliveries_per_task: int,
) -> None:
    """One pending delivery per message x matching enabled endpoint; tasks sent after commit."""
    rows: list[dict[str, Any]] = [
        {
            "id": new_id("dlv"),
            "tenant_id": tenant_id,
            "message_id": message.id,
            "endpoint_id": endpoint_id,
            "status": PENDING,
            "attempt_count": 0,
            "next_attempt_at": message.created_at,
            "enqueued_at": message.created_at,
            "created_at": message.created_at,
            "updated_at": message.created_at,
            "trigger": SCHEDULED,
        }
        for message, payload in messages
        for endpoint_id, subscription in subscribed
        if subscription.accepts(message.event_type, message.channels, payload)
    ]
    if not rows:
        return
    await repository.insert_deliveries(session, rows)
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), deliveries_per_task):
        enqueue(session, SendDeliveries(delivery_ids=ids[start : start + deliveries_per_task]))

"""Publish: one transaction writes the message, its payload and one pending delivery per matching
enabled endpoint; the deliveries are enqueued after the commit. (The log's reads: ``log``.)"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import ordering, planning
from app.deliveries.repository import new_delivery_row
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
            ordering_key=item.ordering_key,
            created_at=now,
        )
        for item in items
    ]
    payloads = [item.payload for item in items]
    inserted = await _insert(session, tenant.id, messages, bodies, payloads, only_endpoint)
    due_now, written, subscribed = inserted.due_now, inserted.rows, inserted.subscribed
    if inserted.ids and not inserted.deliveries_written:
        subscribed = await endpoints.subscriptions(
            session, tenant.id, version=inserted.endpoints_version or 0
        )
        new = [(m, p) for m, p in zip(messages, payloads, strict=True) if m.id in inserted.ids]
        written = _delivery_rows(tenant.id, new, subscribed)
        if written:
            due_now = await _plan(session, written, subscribed, now=now)
            await repository.insert_deliveries(session, written)
    keys = ordering.message_keys(messages)
    if keys and written:  # publishes without a key never pay for ordering
        ordered = {endpoint_id for endpoint_id, sub in subscribed if sub.ordered}
        if ordered:
            due_now = await ordering.sequence(session, written, keys, ordered, due_now)
    _enqueue(session, due_now, deliveries_per_task=deliveries_per_task)
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


class _Inserted(msgspec.Struct):
    ids: set[str]
    endpoints_version: int | None
    deliveries_written: bool
    due_now: list[str]  # of the deliveries written, those to enqueue now (the others wait in
    # a rate-limited endpoint's line: ``app.deliveries.planning``)
    rows: list[dict[str, Any]]  # the deliveries written
    subscribed: Subscriptions  # what they were planned from


async def _insert(
    session: AsyncSession,
    tenant_id: str,
    messages: list[Message],
    bodies: list[bytes],
    payloads: list[dict[str, Any]],
    only_endpoint: Endpoint | None,
) -> _Inserted:
    """Write the messages with the deliveries planned from the cached subscriptions, in one
    statement where the database allows; without a cache entry, or when the tenant's endpoints
    changed since it was taken, the deliveries are left for the caller to plan afresh."""
    if only_endpoint is not None:
        version, subscribed = None, [(only_endpoint.id, Subscription(["*"]))]
    else:
        version, subscribed = endpoints.cached(tenant_id) or (-1, [])
    planned = _delivery_rows(tenant_id, list(zip(messages, payloads, strict=True)), subscribed)
    due = await _plan(session, planned, subscribed, now=messages[0].created_at)
    inserted = await repository.insert_published(
        session, messages, bodies, planned, planned_version=version
    )
    if not inserted.deliveries_written:
        return _Inserted(inserted.ids, inserted.endpoints_version, False, [], [], subscribed)
    owner = {row["id"]: row["message_id"] for row in planned}
    due_now = [i for i in due if owner[i] in inserted.ids]
    rows = [row for row in planned if row["message_id"] in inserted.ids]
    return _Inserted(inserted.ids, inserted.endpoints_version, True, due_now, rows, subscribed)


def _delivery_rows(
    tenant_id: str,
    messages: list[tuple[Message, dict[str, Any]]],
    subscribed: Subscriptions,
) -> list[dict[str, Any]]:
    """One pending delivery per message x matching enabled endpoint."""
    return [
        new_delivery_row(message, endpoint_id)
        for message, payload in messages
        for endpoint_id, subscription in subscribed
        if subscription.accepts(message.event_type, message.channels, payload)
    ]


async def _plan(
    session: AsyncSession, rows: list[dict[str, Any]], subscribed: Subscriptions, *, now: datetime
) -> list[str]:
    """The ids of new delivery ``rows`` to enqueue now: all of them, unless a rate-limited
    endpoint is among them, whose deliveries ``planning`` spreads along its line."""
    limited = {endpoint_id for endpoint_id, sub in subscribed if sub.rate_limited}
    if not any(row["endpoint_id"] in limited for row in rows):
        return [row["id"] for row in rows]
    return await planning.plan(session, rows, now=now)


def _enqueue(session: AsyncSession, ids: list[str], *, deliveries_per_task: int) -> None:
    """Buffer the deliveries' tasks on the unit of work: sent after its commit."""
    for start in range(0, len(ids), deliveries_per_task):
        enqueue(session, SendDeliveries(delivery_ids=ids[start : start + deliveries_per_task]))

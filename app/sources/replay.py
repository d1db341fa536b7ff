"""Replays of inbound events to the destinations there are now, not only those there were.

A destination added after an event arrived never had a delivery of it; a replay gives it one when
it selects the event (event-type patterns and payload filter, as at ingest). A deleted or
disabled destination is passed by. Two ways in:

- ``replay_event``: one event, at once (``POST …/events/{event}/replay``);
- ``backfill_batch``: a destination's time-range replay (``…/destinations/{id}/recover``) first
  gives it the events of the range it never had, batch by batch in the recovery's actor
  (``workers.recovery``), then retries its failed deliveries like any recovery.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import service as deliveries
from app.deliveries.repository import new_delivery_row
from app.endpoints import repository as endpoints
from app.kit.clock import utc_now
from app.kit.ids import id_bound
from app.kit.jobs import enqueue
from app.kit.matching import Subscription
from app.models import Delivery, Endpoint, Message, MessagePayload, Recovery, Tenant
from app.models.delivery import MANUAL
from app.sources import ingest, providers, repository
from workers.contracts import SendDeliveries


def _selects(subscription: Subscription, event_type: str, body: bytes, content_type: str) -> bool:
    event = providers.InboundEvent(event_type, None, body, content_type)
    return ingest.selects(subscription, event_type, ingest.document_of(event))


def _new_deliveries(session: AsyncSession, message: Any, endpoint_ids: list[str]) -> list[Delivery]:
    """Pending manual deliveries of ``message`` to ``endpoint_ids``, due now, their task
    enqueued (sent after the commit)."""
    now = utc_now()
    made = []
    for endpoint_id in endpoint_ids:
        row = new_delivery_row(message, endpoint_id)
        row |= {"next_attempt_at": now, "enqueued_at": now, "created_at": now, "updated_at": now}
        made.append(Delivery(**row | {"trigger": MANUAL}))
    session.add_all(made)
    if made:
        enqueue(session, SendDeliveries(delivery_ids=[d.id for d in made], trigger=MANUAL))
    return made


async def replay_event(
    session: AsyncSession, tenant: Tenant, message: Message, content_type: str
) -> list[Delivery]:
    """Send ``message`` again now to each enabled destination that had it, and for the first
    time to each that selects it and never had it; the deliveries, resent or new."""
    had = {d.endpoint_id for d in await repository.deliveries_of(session, message.id)}
    body = await repository.payload(session, message.id) or b""
    resent, added = [], []
    for endpoint_id, subscription in await endpoints.subscriptions(session, tenant.id):
        if endpoint_id in had:
            resent.append(await deliveries.resend(session, tenant, message.id, endpoint_id))
        elif _selects(subscription, message.event_type, body, content_type):
            added.append(endpoint_id)
    made = _new_deliveries(session, message, added)
    await session.flush()
    return resent + made


async def backfill_batch(
    session: AsyncSession, recovery: Recovery, *, after_message_id: str, limit: int
) -> str | None:
    """Give the recovery's destination a delivery of each of the next ``limit`` messages of its
    range (by id, after ``after_message_id``) that it never had and selects; the last message
    id looked at, or None when the range is done (or the endpoint is no destination)."""
    endpoint = await session.get_one(Endpoint, recovery.endpoint_id)
    subscription = dict(await endpoints.subscriptions(session, endpoint.tenant_id)).get(endpoint.id)
    if not endpoint.destination or subscription is None:
        return None
    rows = (await session.execute(_missing(recovery, endpoint, after_message_id, limit))).all()
    chosen = [
        message
        for message, body, headers in rows
        if _selects(subscription, message.event_type, body, headers.get("content-type", ""))
    ]
    for message in chosen:
        _new_deliveries(session, message, [endpoint.id])
    recovery.requeued += len(chosen)
    recovery.total += len(chosen)
    recovery.updated_at = utc_now()
    await session.flush()
    return rows[-1][0].id if len(rows) == limit else None


def _missing(recovery: Recovery, endpoint: Endpoint, after_message_id: str, limit: int) -> Any:
    """The messages of the range (received before the recovery started) that have no delivery
    to the endpoint, with their payload: (message, body, headers), by id."""
    until = min(recovery.until or recovery.created_at, recovery.created_at)
    had = exists().where(Delivery.message_id == Message.id, Delivery.endpoint_id == endpoint.id)
    return (
        select(Message, MessagePayload.body, MessagePayload.headers)
        .join(MessagePayload, MessagePayload.message_id == Message.id)
        .where(
            Message.tenant_id == endpoint.tenant_id,
            Message.id >= id_bound("msg", recovery.since),
            Message.id < id_bound("msg", until),
            Message.id > after_message_id,
            ~had,
        )
        .order_by(Message.id)
        .limit(limit)
    )

"""Small async factories: each makes one thing through the services, as the API would; and
``send_deliveries``, which drives a worker's dispatcher as a test needs it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointCreate
from app.kit.crypto import SecretBox
from app.kit.jobs import take_buffer
from app.messages import service as messages
from app.messages.schemas import MessageCreate
from app.models import Attempt, Delivery, Endpoint, Message, Tenant
from app.tenants import service as tenants
from app.tenants.schemas import TenantCreate
from tests.conftest import SECRET_KEY
from workers.contracts import SendDeliveries
from workers.delivery import DeliveryContext
from workers.dispatch import Dispatcher

BOX = SecretBox(SECRET_KEY)


async def create_tenant(session: AsyncSession, *, uid: str = "acme", name: str = "Acme") -> Tenant:
    return await tenants.create(session, TenantCreate(uid=uid, name=name))


async def create_endpoint(
    session: AsyncSession,
    tenant: Tenant,
    *,
    url: str = "http://127.0.0.1:9/hook",
    event_types: list[str] | None = None,
) -> Endpoint:
    data = EndpointCreate(url=url, event_types=event_types or ["*"])
    return await endpoints.create(session, tenant, data, BOX)


async def publish(
    session: AsyncSession,
    tenant: Tenant,
    *,
    event_type: str = "invoice.paid",
    payload: dict[str, Any] | None = None,
    event_id: str | None = None,
    channels: list[str] | None = None,
) -> Message:
    data = MessageCreate(
        event_type=event_type, payload=payload or {"n": 1}, event_id=event_id, channels=channels
    )
    published = await messages.publish(
        session, tenant, data, max_payload_bytes=256 * 1024, deliveries_per_task=50
    )
    return published.message


async def publish_batch(sessions: Any, tenant: Tenant, count: int) -> list[list[str]]:
    """Publish ``count`` messages in one batch and commit; return the tasks it put on the broker
    (each a list of delivery ids)."""
    async with sessions() as session:
        tenant = await session.merge(tenant)
        items = [MessageCreate(event_type="invoice.paid", payload={"n": n}) for n in range(count)]
        await messages.publish_many(
            session, tenant, items, max_payload_bytes=256 * 1024, deliveries_per_task=50
        )
        await session.commit()
        tasks = take_buffer(session)
    return [t.delivery_ids for t in tasks if isinstance(t, SendDeliveries)]


async def send_deliveries(
    ctx: DeliveryContext, delivery_ids: Sequence[str], *, trigger: str = "scheduled"
) -> int:
    """Try the due deliveries among ``delivery_ids`` on a dispatcher of their own and wait until
    their outcomes are stored; return how many were tried. An error storing them fails the test."""
    dispatcher = Dispatcher(ctx)
    started = await dispatcher.dispatch(delivery_ids, trigger=trigger)
    await dispatcher.drain()
    return started


async def done_before_and_rows(
    sessions: async_sessionmaker[AsyncSession], healthy_id: str, bad_id: str
) -> tuple[bool, list[Delivery]]:
    """For an isolation test: whether the healthy endpoint's last attempt was stored before the
    bad neighbour's first one, and the neighbour's deliveries."""
    async with sessions() as session:
        healthy_done = await session.scalar(
            select(func.max(Attempt.created_at)).where(Attempt.endpoint_id == healthy_id)
        )
        bad_first = await session.scalar(
            select(func.min(Attempt.created_at)).where(Attempt.endpoint_id == bad_id)
        )
        rows = await session.scalars(select(Delivery).where(Delivery.endpoint_id == bad_id))
        return (healthy_done < bad_first, list(rows))

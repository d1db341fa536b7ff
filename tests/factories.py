"""Small async factories: each makes one thing through the services, as the API would."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointCreate
from app.kit.crypto import SecretBox
from app.messages import service as messages
from app.messages.schemas import MessageCreate
from app.models import Endpoint, Message, Tenant
from app.tenants import service as tenants
from app.tenants.schemas import TenantCreate
from tests.conftest import SECRET_KEY

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
) -> Message:
    data = MessageCreate(event_type=event_type, payload=payload or {"n": 1}, event_id=event_id)
    published = await messages.publish(
        session, tenant, data, max_payload_bytes=256 * 1024, deliveries_per_task=50
    )
    return published.message

"""Operational events: what operators must hear about (an endpoint disabled or recovered, a
message failing or out of tries), published as signed webhooks through the ordinary pipeline.

The events belong to a system tenant (uid ``hookrelay-operator``) with one endpoint, the
operator's ``HOOKRELAY_OPERATOR_WEBHOOK_URL``; its signing secret is read like any other
(``GET /api/v1/tenants/hookrelay-operator/endpoints/{id}/secret``). Events about the operator
tenant's own endpoint are never emitted, so a dead operator URL cannot feed itself.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.endpoints import repository as endpoints
from app.kit.crypto import SecretBox
from app.kit.ids import new_id
from app.kit.signing import generate_secret
from app.messages import service as messages
from app.messages.schemas import MessageCreate
from app.models import Endpoint, Tenant
from app.tenants import repository as tenants

OPERATOR_TENANT_UID = "hookrelay-operator"

ENDPOINT_DISABLED = "endpoint.disabled"
ENDPOINT_RECOVERED = "endpoint.recovered"
ATTEMPT_FAILING = "message.attempt.failing"
ATTEMPT_EXHAUSTED = "message.attempt.exhausted"


async def ensure_operator_endpoint(
    session: AsyncSession, settings: Settings, box: SecretBox
) -> None:
    """Create or update the operator tenant's endpoint to match the configuration."""
    tenant = await tenants.by_uid(session, OPERATOR_TENANT_UID)
    if tenant is None:
        if not settings.operator_webhook_url:
            return
        tenant = Tenant(id=new_id("tnt"), uid=OPERATOR_TENANT_UID, name="Hookrelay operator")
        session.add(tenant)
        await session.flush()
    endpoint = await endpoints.first(session, tenant.id)
    if endpoint is None:
        if not settings.operator_webhook_url:
            return
        endpoint = Endpoint(
            id=new_id("ep"),
            tenant_id=tenant.id,
            url=settings.operator_webhook_url,
            event_types=["*"],
            description="Hookrelay operational events",
            secret_encrypted=box.encrypt(generate_secret()),
        )
        session.add(endpoint)
    elif endpoint.url != settings.operator_webhook_url or endpoint.disabled != (
        not settings.operator_webhook_url
    ):
        endpoint.disabled = not settings.operator_webhook_url
        endpoint.disabled_reason = None if settings.operator_webhook_url else "no operator URL set"
        if settings.operator_webhook_url:
            endpoint.url = settings.operator_webhook_url
    await session.flush()


async def operator_tenant(session: AsyncSession) -> Tenant | None:
    return await tenants.by_uid(session, OPERATOR_TENANT_UID)


async def emit(
    session: AsyncSession, operator: Tenant, event_type: str, payload: dict[str, Any]
) -> None:
    """Publish one operational event in the caller's unit of work (sent after it commits)."""
    await messages.publish(
        session,
        operator,
        MessageCreate(event_type=event_type, payload={"type": event_type, "data": payload}),
        max_payload_bytes=1 << 20,
        deliveries_per_task=50,
    )

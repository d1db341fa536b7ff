"""Endpoints of a tenant: create, read, change, delete; the signing secret."""

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import repository as deliveries
from app.endpoints.schemas import EndpointCreate, EndpointUpdate
from app.errors import NotFound
from app.kit.crypto import SecretBox
from app.kit.egress import EgressPolicy
from app.kit.ids import new_id
from app.kit.pagination import paginate
from app.kit.signing import generate_secret
from app.kit.urls import check_endpoint_url
from app.models import Endpoint, Tenant


async def create(
    session: AsyncSession,
    tenant: Tenant,
    data: EndpointCreate,
    box: SecretBox,
    *,
    egress: EgressPolicy | None = None,
) -> Endpoint:
    endpoint = Endpoint(
        id=new_id("ep"),
        tenant_id=tenant.id,
        url=check_endpoint_url(data.url, policy=egress),
        event_types=list(dict.fromkeys(data.event_types)),
        rate_limit_per_second=data.rate_limit_per_second,
        description=data.description,
        secret_encrypted=box.encrypt(generate_secret()),
    )
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get(session: AsyncSession, tenant: Tenant, endpoint_id: str) -> Endpoint:
    found = await session.scalar(
        select(Endpoint).where(Endpoint.id == endpoint_id, Endpoint.tenant_id == tenant.id)
    )
    if found is None:
        raise NotFound(f"endpoint {endpoint_id!r} not found", code="endpoint_not_found")
    return found


async def list_(
    session: AsyncSession, tenant: Tenant, *, cursor: str | None, limit: int
) -> list[Endpoint]:
    query = select(Endpoint).where(Endpoint.tenant_id == tenant.id)
    return list(
        (await session.scalars(paginate(query, Endpoint.id, cursor=cursor, limit=limit))).all()
    )


async def update(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: str,
    data: EndpointUpdate,
    *,
    egress: EgressPolicy | None = None,
) -> Endpoint:
    endpoint = await get(session, tenant, endpoint_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    if "url" in changes:
        changes["url"] = check_endpoint_url(changes["url"], policy=egress)
    if "event_types" in changes:
        changes["event_types"] = list(dict.fromkeys(changes["event_types"]))
    was_disabled = endpoint.disabled
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if was_disabled and changes.get("disabled") is False:
        # Enabling is the operator saying "try again": a fresh breaker, and the backlog resumes.
        endpoint.disabled_reason = None
        endpoint.failing_since = None
        endpoint.circuit_state = "closed"
        endpoint.circuit_failures = 0
        endpoint.circuit_next_probe_at = None
        await deliveries.resume_parked(session, endpoint.id)
    elif not was_disabled and changes.get("disabled") is True:
        endpoint.disabled_reason = "disabled through the API"
    await session.flush()
    return endpoint


async def delete(session: AsyncSession, tenant: Tenant, endpoint_id: str) -> None:
    await session.delete(await get(session, tenant, endpoint_id))
    await session.flush()


async def enabled_for_tenant(session: AsyncSession, tenant_id: str) -> list[Endpoint]:
    query = select(Endpoint).where(Endpoint.tenant_id == tenant_id, Endpoint.disabled.is_(False))
    return list((await session.scalars(query)).all())

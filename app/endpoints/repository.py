"""Every query on endpoints. ``readable`` is what a tenant may read; every lookup starts there.
A deleted endpoint (``deleted_at`` set) is not readable: it is gone for lists, gets, matching and
publish; only the history it leaves (deliveries, attempts) still names it."""

from __future__ import annotations

from collections.abc import Collection

from sqlalchemy import Select, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.matching import Subscription
from app.kit.pagination import paginate
from app.models import Endpoint


def readable(tenant_id: str) -> Select[Endpoint]:
    """The endpoints of one tenant, deleted ones left out: the only way this module reads them."""
    return select(Endpoint).where(Endpoint.tenant_id == tenant_id, Endpoint.deleted_at.is_(None))


async def get(session: AsyncSession, tenant_id: str, endpoint_id: str) -> Endpoint | None:
    found: Endpoint | None = await session.scalar(
        readable(tenant_id).where(Endpoint.id == endpoint_id)
    )
    return found


async def first(session: AsyncSession, tenant_id: str) -> Endpoint | None:
    """Any one endpoint of the tenant (the operator tenant has exactly one)."""
    found: Endpoint | None = await session.scalar(readable(tenant_id).limit(1))
    return found


async def page(
    session: AsyncSession, tenant_id: str, *, cursor: str | None, limit: int
) -> list[Endpoint]:
    query = paginate(readable(tenant_id), Endpoint.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


async def subscriptions(session: AsyncSession, tenant_id: str) -> list[tuple[str, Subscription]]:
    """The tenant's enabled endpoints with what they subscribe to (publish's one read of them:
    six columns, not whole rows)."""
    columns = readable(tenant_id).with_only_columns(
        Endpoint.id,
        Endpoint.event_types,
        Endpoint.channels,
        Endpoint.payload_filter,
        Endpoint.rate_limit_per_second,
        Endpoint.ordered,
    )
    rows = await session.execute(columns.where(Endpoint.disabled.is_(False)))
    return [
        (id_, Subscription(types, channels, filter_, rate_limited=bool(limit), ordered=ordered))
        for id_, types, channels, filter_, limit, ordered in rows
    ]


async def deleted_among(session: AsyncSession, endpoint_ids: Collection[str]) -> set[str]:
    """Which of these endpoints are deleted (how the delivery log marks their history)."""
    if not endpoint_ids:
        return set()
    query = select(Endpoint.id).where(
        Endpoint.id.in_(sorted(set(endpoint_ids))), Endpoint.deleted_at.is_not(None)
    )
    return set((await session.scalars(query)).all())

"""The delivery log's reads of messages: one message, a filtered page of them, a message's
deliveries and its attempts; all within the tenant (``repository.readable``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import repository as endpoints
from app.errors import InvalidRequest, NotFound
from app.messages import repository
from app.messages.schemas import MessageFilter
from app.models import Attempt, Delivery, Message, Tenant
from app.models.delivery import FAILED, PENDING, SUCCEEDED

DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED)


async def get(session: AsyncSession, tenant: Tenant, message_id: str) -> Message:
    found = await repository.get(session, tenant.id, message_id)
    if found is None:
        raise NotFound(f"message {message_id!r} not found", code="message_not_found")
    return found


async def payload_of(session: AsyncSession, message: Message) -> dict[str, Any] | None:
    return await repository.payload_of(session, message.id)


async def list_(
    session: AsyncSession,
    tenant: Tenant,
    filters: MessageFilter,
    *,
    cursor: str | None,
    limit: int,
) -> list[Message]:
    """A page of the tenant's messages, newest first (``repository.list_query`` says how)."""
    if filters.status is not None and filters.status not in DELIVERY_STATUSES:
        raise InvalidRequest(
            f"status must be one of {', '.join(DELIVERY_STATUSES)}", code="invalid_filter"
        )
    return await repository.page(session, tenant.id, filters, cursor=cursor, limit=limit)


async def deliveries_of(
    session: AsyncSession, tenant: Tenant, message_id: str
) -> list[tuple[Delivery, Any]]:
    """The deliveries of the tenant's message, each with how its last try ended (or None)."""
    message = await get(session, tenant, message_id)
    return await repository.deliveries_of(session, message.id)


async def attempts_of(
    session: AsyncSession,
    tenant: Tenant,
    message_id: str,
    *,
    endpoint_id: str | None,
    cursor: str | None,
    limit: int,
) -> list[Attempt]:
    """A page of the HTTP tries of the tenant's message, newest first."""
    message = await get(session, tenant, message_id)
    return await repository.attempts_of(
        session, message, endpoint_id=endpoint_id, cursor=cursor, limit=limit
    )


async def deleted_endpoints(session: AsyncSession, rows: Iterable[Delivery | Attempt]) -> set[str]:
    """The deleted endpoints among those the rows name (their history reads on, marked)."""
    return await endpoints.deleted_among(session, {row.endpoint_id for row in rows})

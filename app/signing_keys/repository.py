"""The queries of signing keys: the endpoints of one tenant that sign with ed25519."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints.repository import readable
from app.models import Endpoint


async def signing_endpoints(
    session: AsyncSession, tenant_id: str, *, endpoint_id: str | None = None
) -> list[tuple[str, list[dict[str, Any]]]]:
    """``(endpoint id, signing keys)`` of the tenant's endpoints that sign with ``v1a``, by id."""
    query = (
        readable(tenant_id)
        .with_only_columns(Endpoint.id, Endpoint.signing_keys)
        .where(Endpoint.signature_scheme != "v1", Endpoint.signing_keys.is_not(None))
        .order_by(Endpoint.id)
    )
    if endpoint_id is not None:
        query = query.where(Endpoint.id == endpoint_id)
    return [(id_, keys) for id_, keys in await session.execute(query)]

"""Every query on portal tokens. ``readable`` is what a tenant may read; lookups start there."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import paginate
from app.models import PortalToken


def readable(tenant_id: str) -> Select[PortalToken]:
    """The portal tokens of one tenant: the only way this module reads them."""
    return select(PortalToken).where(PortalToken.tenant_id == tenant_id)


async def get(session: AsyncSession, tenant_id: str, token_id: str) -> PortalToken | None:
    found: PortalToken | None = await session.scalar(
        readable(tenant_id).where(PortalToken.id == token_id)
    )
    return found


async def page(
    session: AsyncSession, tenant_id: str, *, cursor: str | None, limit: int
) -> list[PortalToken]:
    query = paginate(readable(tenant_id), PortalToken.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


async def live_link(session: AsyncSession, link_hash: str, *, now: datetime) -> PortalToken | None:
    """The live, unused link with this hash, read only (unscoped, as ``use_link``)."""
    found: PortalToken | None = await session.scalar(
        select(PortalToken).where(
            PortalToken.link_hash == link_hash,
            PortalToken.link_used_at.is_(None),
            PortalToken.revoked_at.is_(None),
            PortalToken.expires_at > now,
        )
    )
    return found


async def use_link(session: AsyncSession, link_hash: str, *, now: datetime) -> PortalToken | None:
    """Mark the live, unused link with this hash as used; its token row, or None.

    One conditional UPDATE, so two concurrent openings cannot both get the token. Unscoped: the
    link's code is the credential, and it names its tenant.
    """
    used = await session.execute(
        update(PortalToken)
        .where(
            PortalToken.link_hash == link_hash,
            PortalToken.link_used_at.is_(None),
            PortalToken.revoked_at.is_(None),
            PortalToken.expires_at > now,
        )
        .values(link_used_at=now)
        .returning(PortalToken.id)
    )
    token_id = used.scalar_one_or_none()
    return None if token_id is None else await session.get_one(PortalToken, token_id)

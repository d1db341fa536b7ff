"""Every query on credentials: admin API keys and portal tokens, found by the hash of their value.

Credentials are not tenant-owned reads: they are how a principal is found in the first place.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey, PortalToken


async def live_admin_key(session: AsyncSession, key_hash: str) -> str | None:
    """The id of the unrevoked admin key with this hash."""
    found: str | None = await session.scalar(
        select(ApiKey.id).where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
    )
    return found


async def admin_key_stored(session: AsyncSession, key_hash: str) -> bool:
    return await session.scalar(select(ApiKey.id).where(ApiKey.key_hash == key_hash)) is not None


async def any_admin_key(session: AsyncSession) -> bool:
    return bool(await session.scalar(select(func.count()).select_from(ApiKey)))


async def portal_token(session: AsyncSession, token_hash: str) -> PortalToken | None:
    found: PortalToken | None = await session.scalar(
        select(PortalToken).where(PortalToken.token_hash == token_hash)
    )
    return found


async def portal_token_by_id(session: AsyncSession, token_id: str) -> PortalToken | None:
    """A portal web session holds its token's id, not the token."""
    return await session.get(PortalToken, token_id)

"""Every query on credentials: admin API keys and portal tokens, found by the hash of their value.

Credentials are not tenant-owned reads: they are how a principal is found in the first place.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.pagination import paginate
from app.models import ApiKey, PortalToken


async def use_admin_key(session: AsyncSession, key_hash: str, *, now: datetime) -> str | None:
    """The id of the unrevoked admin key with this hash, its last use set to ``now``."""
    found: str | None = (
        await session.execute(
            update(ApiKey)
            .where(ApiKey.key_hash == key_hash, ApiKey.revoked_at.is_(None))
            .values(last_used_at=now)
            .returning(ApiKey.id)
        )
    ).scalar_one_or_none()
    return found


async def admin_keys(session: AsyncSession, *, cursor: str | None, limit: int) -> list[ApiKey]:
    query = paginate(select(ApiKey), ApiKey.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


async def admin_key_for_update(session: AsyncSession, key_id: str) -> ApiKey | None:
    return await session.get(ApiKey, key_id, with_for_update=True)


async def live_admin_keys(session: AsyncSession) -> int:
    query = select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
    return int(await session.scalar(query) or 0)


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

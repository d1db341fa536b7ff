"""Every query on tenants.

A tenant row is the scope itself: ``readable`` is what a principal may read (every tenant for the
platform's admin key, its own for a portal token), and the lookups below start from it.
"""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import Principal
from app.kit.pagination import paginate
from app.models import Tenant


def readable(principal: Principal | None) -> Select[Tenant]:
    """The tenants ``principal`` may read (None: a process of its own, such as the CLI: all)."""
    query = select(Tenant)
    if principal is not None and not principal.is_admin:
        query = query.where(Tenant.id == principal.tenant_id)
    return query


async def by_ref(session: AsyncSession, ref: str) -> Tenant | None:
    """The tenant whose id or uid is ``ref``; an id wins over another tenant's equal uid.

    Unscoped: the guard resolves a route's tenant before any principal is on the session, and the
    service checks the principal against what this finds.
    """
    rows = (
        await session.scalars(select(Tenant).where(or_(Tenant.id == ref, Tenant.uid == ref)))
    ).all()
    return next((t for t in rows if t.id == ref), rows[0] if rows else None)


async def by_uid(session: AsyncSession, uid: str) -> Tenant | None:
    found: Tenant | None = await session.scalar(select(Tenant).where(Tenant.uid == uid))
    return found


async def uid_taken(session: AsyncSession, uid: str) -> bool:
    return await session.scalar(select(Tenant.id).where(Tenant.uid == uid)) is not None


async def page(
    session: AsyncSession, principal: Principal | None, *, cursor: str | None, limit: int
) -> list[Tenant]:
    query = paginate(readable(principal), Tenant.id, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())

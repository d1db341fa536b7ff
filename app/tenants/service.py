"""Tenants: create, find by id or uid, list."""

import time

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import Conflict, NotFound
from app.kit.deps import PRINCIPAL
from app.kit.ids import new_id
from app.kit.pagination import paginate
from app.models import Tenant
from app.tenants.schemas import TenantCreate

CUSTOMER = "customer"  # Tenant.kind of the platform's customers; "source": a source's own


async def create(session: AsyncSession, data: TenantCreate) -> Tenant:
    if await session.scalar(select(Tenant.id).where(Tenant.uid == data.uid)) is not None:
        raise Conflict(f"a tenant with uid {data.uid!r} exists", code="tenant_exists")
    tenant = Tenant(id=new_id("tnt"), uid=data.uid, name=data.name, kind=CUSTOMER)
    session.add(tenant)
    await session.flush()
    return tenant


# Tenants never change their id or uid and are never deleted, and every tenant route looks its
# tenant up first: a short per-process cache saves that query on the hot publish path.
CACHE_SECONDS = 30.0
_cache: dict[str, tuple[float, Tenant]] = {}


def forget_cached() -> None:
    """Drop the cache (tests that empty the database between cases)."""
    _cache.clear()


def _snapshot(tenant: Tenant) -> Tenant:
    """A transient copy, safe to share between sessions."""
    return Tenant(
        id=tenant.id,
        uid=tenant.uid,
        name=tenant.name,
        kind=tenant.kind,
        created_at=tenant.created_at,
        updated_at=tenant.updated_at,
    )


async def get(session: AsyncSession, ref: str) -> Tenant:
    """The tenant whose id or uid is ``ref`` (an id wins over another tenant's equal uid).

    Every tenant-scoped route starts here: a request made with a portal token (its principal is on
    the session) finds only its own tenant; any other answers exactly as a missing one.
    """
    tenant = await _lookup(session, ref)
    principal = session.info.get(PRINCIPAL)
    if principal is not None and not principal.is_admin and principal.tenant_id != tenant.id:
        raise not_found(ref)
    return tenant


async def id_of(sessions: async_sessionmaker[AsyncSession], ref: str) -> str | None:
    """The id of the tenant ``ref`` names (id or uid), or None; for guards, outside a request's
    unit of work."""
    async with sessions() as session:  # connects only if the tenant is not cached
        try:
            return (await _lookup(session, ref)).id
        except NotFound:
            return None


def not_found(ref: str) -> NotFound:
    """What a missing tenant answers; another tenant's, to a portal token, answers the same."""
    return NotFound(f"tenant {ref!r} not found", code="tenant_not_found")


async def _lookup(session: AsyncSession, ref: str) -> Tenant:
    now = time.monotonic()
    cached = _cache.get(ref)
    if cached is not None and cached[0] > now:
        return cached[1]
    tenant = await _find(session, ref)
    if len(_cache) > 10_000:
        _cache.clear()
    _cache[ref] = (now + CACHE_SECONDS, _snapshot(tenant))
    return tenant


async def _find(session: AsyncSession, ref: str) -> Tenant:
    # A source's hidden tenant is not a tenant to these routes (nor to portal tokens).
    query = select(Tenant).where(or_(Tenant.id == ref, Tenant.uid == ref), Tenant.kind == CUSTOMER)
    rows = (await session.scalars(query)).all()
    for tenant in rows:
        if tenant.id == ref:
            return tenant
    if rows:
        return rows[0]
    raise not_found(ref)


async def list_(session: AsyncSession, *, cursor: str | None, limit: int) -> list[Tenant]:
    return list(
        (
            await session.scalars(
                paginate(
                    select(Tenant).where(Tenant.kind == CUSTOMER),
                    Tenant.id,
                    cursor=cursor,
                    limit=limit,
                )
            )
        ).all()
    )

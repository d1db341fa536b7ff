"""Tenants: create, find by id or uid (what the request's principal may read), list."""

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth.service import Principal
from app.errors import Conflict, NotFound
from app.kit.deps import PRINCIPAL
from app.kit.ids import new_id
from app.kit.ttl_cache import TTLCache
from app.models import Tenant
from app.tenants import repository
from app.tenants.schemas import TenantCreate


async def create(session: AsyncSession, data: TenantCreate) -> Tenant:
    if await repository.uid_taken(session, data.uid):
        raise Conflict(f"a tenant with uid {data.uid!r} exists", code="tenant_exists")
    tenant = Tenant(id=new_id("tnt"), uid=data.uid, name=data.name, kind=repository.CUSTOMER)
    session.add(tenant)
    await session.flush()
    return tenant


# Tenants never change their id or uid and are never deleted, and every tenant route looks its
# tenant up first: a short per-process cache saves that query on the hot publish path.
CACHE_SECONDS = 30.0
_cache: TTLCache[str, Tenant] = TTLCache(ttl_seconds=CACHE_SECONDS)


def forget_cached() -> None:
    """Drop the cache (tests that empty the database between cases)."""
    _cache.clear()


def cached(ref: str) -> Tenant | None:
    """The tenant ``ref`` names if this process holds it (the publish fast path reads no row)."""
    return _cache.get(ref)


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


def principal_of(session: AsyncSession) -> Principal | None:
    """The request's principal (None outside a request: the CLI, workers)."""
    principal: Principal | None = session.info.get(PRINCIPAL)
    return principal


async def get(session: AsyncSession, ref: str) -> Tenant:
    """The tenant whose id or uid is ``ref`` (an id wins over another tenant's equal uid).

    Every tenant-scoped route starts here: a request made with a portal token (its principal is on
    the session) finds only its own tenant; any other answers exactly as a missing one.
    """
    tenant = await _lookup(session, ref)
    principal = principal_of(session)
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
    cached = _cache.get(ref)
    if cached is not None:
        return cached
    tenant = await repository.by_ref(session, ref)
    if tenant is None:
        raise not_found(ref)
    _cache.put(ref, _snapshot(tenant))
    return tenant


async def list_(session: AsyncSession, *, cursor: str | None, limit: int) -> list[Tenant]:
    """The tenants the request's principal may read, newest first."""
    return await repository.page(session, principal_of(session), cursor=cursor, limit=limit)

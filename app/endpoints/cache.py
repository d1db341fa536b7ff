"""Each tenant's subscriptions, kept per process while its ``endpoints_version`` stays the same.

Reading them on every publish was a fifth of the API's CPU per publish (issue 15). The version is
bumped by database triggers on any change to what an endpoint subscribes (migration 0007), by any
process, and publish reads it in its message INSERT: a hit is exactly what a read would give, with
no staleness window across API processes. The time to live only bounds memory.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import repository
from app.kit.matching import Subscription
from app.kit.ttl_cache import TTLCache

Subscriptions = list[tuple[str, Subscription]]

_cache: TTLCache[str, tuple[int, Subscriptions]] = TTLCache(ttl_seconds=600.0, max_entries=10_000)


def forget_cached() -> None:
    """Drop the cache (tests that empty the database between cases)."""
    _cache.clear()


def cached(tenant_id: str) -> tuple[int, Subscriptions] | None:
    """The tenant's subscriptions last read, with the ``endpoints_version`` they are valid for."""
    return _cache.get(tenant_id)


async def subscriptions(session: AsyncSession, tenant_id: str, *, version: int) -> Subscriptions:
    """The tenant's enabled endpoints and what they subscribe, as of ``endpoints_version``."""
    hit = _cache.get(tenant_id)
    if hit is not None and hit[0] == version:
        return hit[1]
    found = await repository.subscriptions(session, tenant_id)
    # Read after the version was: at least as new as it, so never older than what it vouches for.
    _cache.put(tenant_id, (version, found))
    return found

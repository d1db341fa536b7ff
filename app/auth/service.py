"""Credentials: admin API keys and portal tokens (hash lookups with a short positive cache), and
the bootstrap admin key."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Literal

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.auth import repository
from app.config import Settings
from app.errors import Conflict, NotFound
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.kit.ttl_cache import TTLCache
from app.models import ApiKey, PortalToken

log = structlog.get_logger(__name__)

KEY_PREFIX = "hr_"
PORTAL_TOKEN_PREFIX = "hrp_"
CACHE_SECONDS = 30.0
PORTAL_CACHE_SECONDS = 5.0


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: the platform (an admin API key) or one tenant (a portal token)."""

    kind: Literal["admin", "portal"]
    tenant_id: str | None = None
    token_id: str | None = None  # the portal token's id, or the admin key's
    read_only: bool = False  # a read-only portal token: views everything, changes nothing
    # The portal page's look for this token's link (white-label), over the operator's.
    branding: Mapping[str, str] | None = field(default=None, compare=False)

    @property
    def is_admin(self) -> bool:
        return self.kind == "admin"


Loader = Callable[[], Awaitable[tuple[Principal, float | None] | None]]


class Authenticator:
    """Finds the principal of a bearer credential from stored hashes.

    A valid admin key is remembered for ``CACHE_SECONDS``, a portal token for
    ``PORTAL_CACHE_SECONDS`` (never past its expiry), so a revocation reaches every process within
    that bound and this process at once.
    """

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._cache: TTLCache[str, Principal] = TTLCache(ttl_seconds=CACHE_SECONDS)

    async def authenticate(self, credential: str) -> Principal | None:
        digest = hash_key(credential)
        load = self._portal if credential.startswith(PORTAL_TOKEN_PREFIX) else self._admin
        return await self._cached(digest, partial(load, digest))

    async def portal_session(self, token_id: str) -> Principal | None:
        """The principal of a portal web session, which holds its token's id (not the token):
        the same row checks and cache bound as the token, so a revocation ends the session."""
        return await self._cached("session:" + token_id, partial(self._portal_by_id, token_id))

    async def _cached(self, key: str, load: Loader) -> Principal | None:
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        found = await load()
        if found is None:
            self._cache.pop(key)
            return None
        principal, expires_at = found
        self._cache.put(key, principal, expires_at=expires_at)
        return principal

    def forget(self, token_id: str) -> None:
        """Drop a revoked portal token or admin key (by id) from this process's cache."""
        for digest, principal in self._cache.items():
            if principal.token_id == token_id:
                self._cache.pop(digest)

    async def _admin(self, digest: str) -> tuple[Principal, float | None] | None:
        # The look-up records the key's use: one statement, once per key per cache period.
        async with self._sessions() as session, session.begin():
            found = await repository.use_admin_key(session, digest, now=utc_now())
        return None if found is None else (Principal("admin", token_id=found), None)

    async def _portal(self, digest: str) -> tuple[Principal, float | None] | None:
        async with self._sessions() as session:
            return _portal_principal(await repository.portal_token(session, digest))

    async def _portal_by_id(self, token_id: str) -> tuple[Principal, float | None] | None:
        async with self._sessions() as session:
            return _portal_principal(await repository.portal_token_by_id(session, token_id))


def _portal_principal(row: PortalToken | None) -> tuple[Principal, float | None] | None:
    """The token's principal, kept no longer than ``PORTAL_CACHE_SECONDS`` nor its expiry."""
    if row is None or row.revoked_at is not None:
        return None
    left = (row.expires_at - utc_now()).total_seconds()
    if left <= 0:
        return None
    principal = Principal(
        "portal",
        tenant_id=row.tenant_id,
        token_id=row.id,
        read_only=row.read_only,
        branding=row.branding,
    )
    return principal, time.monotonic() + min(PORTAL_CACHE_SECONDS, left)


async def _store(session: AsyncSession, key: str, name: str) -> None:
    digest = hash_key(key)
    if not await repository.admin_key_stored(session, digest):
        session.add(ApiKey(id=new_id("key"), name=name, key_hash=digest))


def _read_or_create_key_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


async def ensure_admin_key(session: AsyncSession, settings: Settings) -> Path | None:
    """Make sure an admin key exists; return the file holding a generated one, if any.

    ``HOOKRELAY_ADMIN_API_KEY`` is stored (as a hash) when given. Otherwise the key is generated
    into ``DATA_DIR/admin_api_key`` (readable by its owner only): on the embedded default on every
    start, so ``hookrelay dev`` can show it; elsewhere only while no key exists at all. A key never
    goes to a log: the caller logs where the file is.
    """
    if settings.admin_api_key:
        await _store(session, settings.admin_api_key, "bootstrap (HOOKRELAY_ADMIN_API_KEY)")
        return None
    path = Path(settings.data_dir) / "admin_api_key"
    if settings.is_embedded_database:
        await _store(session, _read_or_create_key_file(path), "embedded default")
        return path
    if await repository.any_admin_key(session):
        return None
    await _store(session, _read_or_create_key_file(path), "generated on first start")
    return path


async def create_key(session: AsyncSession, name: str) -> tuple[ApiKey, str]:
    """A new admin API key: its row and its value (shown once; only its hash is kept)."""
    key = generate_key()
    row = ApiKey(id=new_id("key"), name=name, key_hash=hash_key(key))
    session.add(row)
    await session.flush()
    return row, key


async def list_keys(session: AsyncSession, *, cursor: str | None, limit: int) -> list[ApiKey]:
    """Admin API keys, newest first, revoked ones included."""
    return await repository.admin_keys(session, cursor=cursor, limit=limit)


async def revoke_key(session: AsyncSession, key_id: str) -> ApiKey:
    """Revoke an admin API key; the last active one cannot be (nothing could sign in again)."""
    row = await repository.admin_key_for_update(session, key_id)
    if row is None:
        raise NotFound(f"API key {key_id!r} not found", code="api_key_not_found")
    if row.revoked_at is None:
        if await repository.live_admin_keys(session) <= 1:
            raise Conflict("the last active API key cannot be revoked", code="last_api_key")
        row.revoked_at = utc_now()
        await session.flush()
    return row

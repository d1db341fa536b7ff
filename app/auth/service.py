"""API keys: verification (hash lookup with a short positive cache) and the bootstrap admin key."""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

import structlog
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.kit.ids import new_id
from app.models import ApiKey

log = structlog.get_logger(__name__)

KEY_PREFIX = "hr_"
CACHE_SECONDS = 30.0


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class ApiKeyVerifier:
    """Checks bearer keys against stored hashes; remembers a valid key for ``CACHE_SECONDS``."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._valid_until: dict[str, float] = {}

    async def is_valid(self, key: str) -> bool:
        digest = hash_key(key)
        now = time.monotonic()
        if self._valid_until.get(digest, 0.0) > now:
            return True
        async with self._sessions() as session:
            found = await session.scalar(
                select(ApiKey.id).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
            )
        if found is None:
            return False
        if len(self._valid_until) > 10_000:
            self._valid_until.clear()
        self._valid_until[digest] = now + CACHE_SECONDS
        return True


async def _store(session: AsyncSession, key: str, name: str) -> None:
    digest = hash_key(key)
    if await session.scalar(select(ApiKey.id).where(ApiKey.key_hash == digest)) is None:
        session.add(ApiKey(id=new_id("key"), name=name, key_hash=digest))


def _read_or_create_key_file(path: Path) -> str:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(generate_key())
        path.chmod(0o600)
    return path.read_text().strip()


async def ensure_admin_key(session: AsyncSession, settings: Settings) -> str | None:
    """Make sure an admin key exists; return a key to show the operator, if one was made here.

    ``HOOKRELAY_ADMIN_API_KEY`` is stored (as a hash) when given. The embedded default keeps its
    generated key in the data folder so ``hookrelay dev`` can print it on every start; elsewhere a
    generated key is printed once, on the first start, and only its hash is kept.
    """
    if settings.admin_api_key:
        await _store(session, settings.admin_api_key, "bootstrap (HOOKRELAY_ADMIN_API_KEY)")
        return None
    if settings.is_embedded_database:
        key = _read_or_create_key_file(Path(settings.data_dir) / "admin_api_key")
        await _store(session, key, "embedded default")
        return key
    if await session.scalar(select(func.count()).select_from(ApiKey)):
        return None
    key = generate_key()
    await _store(session, key, "generated on first start")
    return key

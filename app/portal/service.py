"""Portal tokens: tenant-scoped, expiring, revocable bearer tokens, and their one-time magic links.

A token is never stored: the row keeps the SHA-256 of the token and of its link code. The token is
derived from the code with a keyed HMAC (``HOOKRELAY_SECRET_KEY``), so that the magic link can hand
out the very same token once, and revoking the row ends both.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from app.auth.service import PORTAL_TOKEN_PREFIX, hash_key
from app.config import Settings
from app.errors import Gone, NotFound
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import PortalToken, Tenant
from app.portal import repository


def derive_token(secret_key: str, code: str) -> str:
    key = hashlib.sha256(b"hookrelay portal token\0" + secret_key.encode()).digest()
    mac = hmac.new(key, code.encode(), hashlib.sha256).digest()
    return PORTAL_TOKEN_PREFIX + base64.urlsafe_b64encode(mac).decode().rstrip("=")


@dataclass(frozen=True, slots=True)
class Minted:
    row: PortalToken
    token: str  # shown once, never stored
    magic_link: str  # hands ``token`` out once


async def mint(
    session: AsyncSession,
    tenant: Tenant,
    settings: Settings,
    *,
    lifetime_seconds: int | None = None,
    description: str = "",
    read_only: bool = False,
    branding: dict[str, str] | None = None,
) -> Minted:
    """A new token row (default lifetime ``PORTAL_TOKEN_TTL_SECONDS``), its token and magic link;
    ``branding`` (name, logo_url, primary_color, theme) is the look of this link's page."""
    code = secrets.token_urlsafe(32)
    token = derive_token(settings.secret_keys[0], code)
    lifetime = lifetime_seconds or settings.portal_token_ttl_seconds
    row = PortalToken(
        id=new_id("ptk"),
        tenant_id=tenant.id,
        token_hash=hash_key(token),
        link_hash=hash_key(code),
        description=description,
        read_only=read_only,
        branding=branding or None,
        expires_at=utc_now() + timedelta(seconds=lifetime),
        created_at=utc_now(),
    )
    session.add(row)
    await session.flush()
    return Minted(row, token, f"{settings.base_url}/portal/login?code={code}")


async def list_(
    session: AsyncSession, tenant: Tenant, *, cursor: str | None, limit: int
) -> list[PortalToken]:
    return await repository.page(session, tenant.id, cursor=cursor, limit=limit)


async def get(session: AsyncSession, tenant: Tenant, token_id: str) -> PortalToken:
    found = await repository.get(session, tenant.id, token_id)
    if found is None:
        raise NotFound(f"portal token {token_id!r} not found", code="portal_token_not_found")
    return found


async def revoke(session: AsyncSession, tenant: Tenant, token_id: str) -> PortalToken:
    found = await get(session, tenant, token_id)
    if found.revoked_at is None:
        found.revoked_at = utc_now()
        await session.flush()
    return found


async def link_branding(session: AsyncSession, code: str) -> dict[str, str] | None:
    """The branding a live magic link was minted with (None: the operator's), nothing used up:
    the sign-in page wears the link's look before any session exists."""
    row = await repository.live_link(session, hash_key(code), now=utc_now())
    return None if row is None else row.branding


async def redeem_link(
    session: AsyncSession, code: str, *, secret_keys: list[str]
) -> tuple[PortalToken, str]:
    """Use a magic link once: mark it used and return its token. Used, expired or revoked → 410.
    The token was derived with the first secret key of its day: during a key rotation that may be
    any of ``secret_keys``; the one whose token matches the stored hash is it."""
    row = await repository.use_link(session, hash_key(code), now=utc_now())
    if row is None:
        raise Gone("this link was used already, has expired or was revoked", code="link_invalid")
    for key in secret_keys:
        token = derive_token(key, code)
        if hmac.compare_digest(hash_key(token), row.token_hash):
            return row, token
    raise Gone("this link was minted under a retired secret key", code="link_invalid")

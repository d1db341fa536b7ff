"""Ed25519 signing keys of endpoints (``v1a``): make, rotate, reveal, and the public document.

An endpoint gets its first key when its scheme becomes ``v1a`` or ``both``; switching back to ``v1``
keeps the keys, so switching on again signs with the key that receivers already trust.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import InvalidRequest, NotFound
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.ids import new_id
from app.kit.signing import (
    active_signing_keys,
    check_signing_key,
    generate_signing_key,
    public_key_of,
    rotated_keys,
)
from app.models import Endpoint
from app.signing_keys import repository
from app.signing_keys.schemas import KeysDocument, SigningKeyOut, SigningKeySecretOut


def new_key(box: SecretBox, *, secret_key: str | None = None) -> dict[str, Any]:
    """A signing-key entry (the current key: no expiry) for ``secret_key`` or a generated one."""
    secret_key = secret_key or generate_signing_key()
    return {
        "id": new_id("key"),
        "secret_encrypted": box.encrypt(secret_key),
        "public_key": public_key_of(secret_key),
        "valid_from": utc_now().isoformat(),
        "expires_at": None,
    }


def ensure_key(endpoint: Endpoint, box: SecretBox, *, scheme: str) -> None:
    """Give an endpoint that is to sign with ``scheme`` its first ed25519 key if that scheme uses
    one (a no-op once it has a key)."""
    if scheme != "v1" and not endpoint.signing_keys:
        endpoint.signing_keys = [new_key(box)]


async def rotate(
    session: AsyncSession,
    endpoint: Endpoint,
    box: SecretBox,
    *,
    secret_key: str | None,
    grace_hours: float,
) -> SigningKeyOut:
    """Make ``secret_key`` (or a generated one) current; the old key signs for the grace too."""
    if secret_key is not None:
        try:
            secret_key = check_signing_key(secret_key)
        except ValueError as exc:
            raise InvalidRequest(str(exc), code="invalid_signing_key") from None
    entry = new_key(box, secret_key=secret_key)
    endpoint.signing_keys = rotated_keys(
        endpoint.signing_keys or [], entry, now=utc_now(), grace=timedelta(hours=grace_hours)
    )
    await session.flush()
    return _public(endpoint.id, entry)


def current_secret(endpoint: Endpoint, box: SecretBox) -> SigningKeySecretOut:
    """The current secret key (the reveal route: the only answer that holds one)."""
    current = _current(endpoint)
    secret_key = active_signing_keys([current], now=utc_now(), decrypt=box.decrypt)[0]
    return SigningKeySecretOut(
        id=current["id"], secret_key=secret_key, public_key=current["public_key"]
    )


def public_keys(endpoint: Endpoint) -> list[SigningKeyOut]:
    """The endpoint's keys that sign now, current first, public halves only."""
    return _unexpired(endpoint.id, endpoint.signing_keys or [], utc_now())


async def document(
    session: AsyncSession, tenant_id: str, *, endpoint_id: str | None = None
) -> KeysDocument:
    """The public keys of the tenant's ``v1a`` endpoints (or of one); 404 when there are none,
    the same for a tenant that does not exist, so the answer tells nothing about which do."""
    now = utc_now()
    keys = [
        key
        for id_, entries in await repository.signing_endpoints(
            session, tenant_id, endpoint_id=endpoint_id
        )
        for key in _unexpired(id_, entries, now)
    ]
    if not keys:
        raise NotFound("no published keys here", code="keys_not_found")
    return KeysDocument(tenant_id=tenant_id, keys=keys)


def _current(endpoint: Endpoint) -> dict[str, Any]:
    for entry in endpoint.signing_keys or ():
        if entry["expires_at"] is None:
            return entry
    raise NotFound(
        f"endpoint {endpoint.id!r} has no signing key (it signs with v1 only)",
        code="signing_key_not_found",
    )


def _unexpired(
    endpoint_id: str, entries: list[dict[str, Any]], now: datetime
) -> list[SigningKeyOut]:
    return [
        _public(endpoint_id, e)
        for e in entries
        if e["expires_at"] is None or datetime.fromisoformat(e["expires_at"]) > now
    ]


def _public(endpoint_id: str, entry: dict[str, Any]) -> SigningKeyOut:
    expires_at = entry["expires_at"]
    return SigningKeyOut(
        id=entry["id"],
        endpoint_id=endpoint_id,
        algorithm="ed25519",
        public_key=entry["public_key"],
        status="active" if expires_at is None else "rotating_out",
        valid_from=datetime.fromisoformat(entry["valid_from"]),
        valid_until=None if expires_at is None else datetime.fromisoformat(expires_at),
    )

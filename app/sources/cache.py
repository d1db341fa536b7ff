"""Sources by ingest-token hash, kept a few seconds with their secrets decrypted (ingest fast path).

A hit saves the source query and a Fernet decryption per secret on every ingest request. A change
made through this process (``PATCH``, ``DELETE``, ``rotate-token``) clears the cache at once
(``forget_all``); a change made through another API process reaches this one within
``CACHE_SECONDS``: until then a disabled, deleted or re-keyed source may still be verified and
stored here with what it was (so may it here, by a request that read the row just before the
change committed). Only found sources are kept, so a new source or token is never
refused from the cache. A rotated-out token is kept with its expiry and checked on every use.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from app.kit.crypto import SecretBox
from app.kit.ttl_cache import TTLCache
from app.models import Source
from app.sources import ingest
from app.sources.providers import SourceSecret

CACHE_SECONDS = 5.0


@dataclass(frozen=True, slots=True)
class CachedSource:
    """What ingest reads of a source, secrets in the clear (held in memory only)."""

    id: str
    tenant_id: str
    provider: str
    disabled: bool
    secrets: list[SourceSecret]
    options: dict[str, Any]  # the provider's (``ingest.provider_options``)
    dedup_window: timedelta
    token_expires_at: datetime | None  # the rotated-out token's expiry; None: the current token


_cache: TTLCache[str, CachedSource] = TTLCache(ttl_seconds=CACHE_SECONDS)


def forget_all() -> None:
    """Drop every entry: a source changed in this process (or a test emptied the database)."""
    _cache.clear()


def get(token_hash: str, *, now: datetime) -> CachedSource | None:
    found = _cache.get(token_hash)
    if found is not None and found.token_expires_at is not None and found.token_expires_at <= now:
        _cache.pop(token_hash)
        return None
    return found


def put(token_hash: str, source: Source, box: SecretBox) -> CachedSource:
    cached = CachedSource(
        id=source.id,
        tenant_id=source.tenant_id,
        provider=source.provider,
        disabled=source.disabled,
        secrets=ingest.source_secrets(source, box),
        options=ingest.provider_options(source.options),
        dedup_window=ingest.dedup_window(source),
        token_expires_at=None if source.token_hash == token_hash else source.old_token_expires_at,
    )
    _cache.put(token_hash, cached)
    return cached

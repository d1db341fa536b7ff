"""Provider presets: how each provider signs its webhooks, and what its events are called.

Pure (no I/O, no database; time is passed in). For one request the ingest path calls
``provider(name).handshake(...)``, then ``verify(...)``, then ``events(...)``; see ``base``.

Rejection causes (``Rejected.cause``): ``secret_missing`` (no unexpired secret),
``secret_invalid``, ``signature_missing``, ``signature_invalid``, ``timestamp_missing``,
``timestamp_invalid``, ``timestamp_stale``, ``timestamp_future``, ``auth_missing``,
``auth_invalid``, ``body_invalid``, ``method_invalid``.
"""

from __future__ import annotations

from collections.abc import Mapping

from app.sources.providers.base import (
    Handshake,
    InboundEvent,
    InboundRequest,
    Provider,
    Rejected,
    SourceSecret,
)
from app.sources.providers.plain import ApiKey, BasicAuth, NoVerification
from app.sources.providers.standard_webhooks import StandardWebhooks

_ALL: tuple[Provider, ...] = (
    StandardWebhooks(),
    BasicAuth(),
    ApiKey(),
    NoVerification(),
)
PROVIDERS: Mapping[str, Provider] = {p.name: p for p in _ALL}


def provider(name: str) -> Provider:
    """The preset called ``name``; KeyError when there is none (the API answers 400)."""
    return PROVIDERS[name]


__all__ = [
    "PROVIDERS",
    "Handshake",
    "InboundEvent",
    "InboundRequest",
    "Provider",
    "Rejected",
    "SourceSecret",
    "provider",
]

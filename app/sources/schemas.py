from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from app.messages.schemas import AttemptOut, DeliveryOut

Name = Annotated[str, Meta(min_length=1, max_length=256)]
ProviderName = Annotated[str, Meta(min_length=1, max_length=64)]
SecretValue = Annotated[str, Meta(min_length=1, max_length=1024)]
Options = Annotated[dict[str, Any], Meta(max_length=50)]
OverlapSeconds = Annotated[int, Meta(ge=0, le=30 * 86_400)]


class SourceSecretIn(msgspec.Struct, forbid_unknown_fields=True):
    """A provider secret as the provider shows it (prefix included, e.g. ``whsec_…``); after
    ``expires_at`` it no longer verifies (the overlap of a provider-side rotation)."""

    value: SecretValue
    expires_at: datetime | None = None


Secrets = Annotated[list[SourceSecretIn], Meta(max_length=10)]


class SourceCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new source: one provider account. ``secret`` is shorthand for one secret that does not
    expire; ``options`` are the provider's (tolerance, dedup window, generic HMAC settings, …)."""

    name: Name
    provider: ProviderName
    secret: SecretValue | None = None
    secrets: Secrets | None = None
    options: Options = msgspec.field(default_factory=dict)


class SourceUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to a source; omitted fields stay. ``secrets`` replaces the whole list."""

    name: Name | msgspec.UnsetType = msgspec.UNSET
    secrets: Secrets | msgspec.UnsetType = msgspec.UNSET
    options: Options | msgspec.UnsetType = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET


class TokenRotate(msgspec.Struct, forbid_unknown_fields=True):
    """A new ingest URL; the current one keeps working for ``overlap_seconds`` (default a day)."""

    overlap_seconds: OverlapSeconds = 86_400


class SourceSecretOut(msgspec.Struct):
    """One of a source's secrets, without its value."""

    expires_at: datetime | None


class SourceOut(msgspec.Struct):
    """A source; providers post to ``ingest_url``."""

    id: str
    name: str
    provider: str
    ingest_url: str
    previous_ingest_url_expires_at: datetime | None  # a rotated-out URL works until then
    options: dict[str, Any]
    secrets: list[SourceSecretOut]
    disabled: bool
    created_at: datetime
    updated_at: datetime


class DestinationOut(msgspec.Struct):
    """An internal service that a source's events are delivered to, signed by Hookrelay with its
    own secret (Standard Webhooks)."""

    id: str
    source_id: str
    url: str
    description: str
    event_types: list[str]
    payload_filter: dict[str, Any] | None
    headers: dict[str, str]
    rate_limit_per_second: int | None
    disabled: bool
    disabled_reason: str | None
    circuit_state: str
    failing_since: datetime | None
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class InboundEventOut(msgspec.Struct):
    """One request (or batch element) received on a source: ``outcome`` is accepted, duplicate
    or rejected (with its ``cause``)."""

    id: str
    source_id: str
    outcome: str
    cause: str | None
    event_type: str | None
    dedup_key: str | None
    message_id: str | None
    duplicate_of: str | None
    method: str
    url: str
    content_type: str
    created_at: datetime


class InboundEventDetail(msgspec.Struct):
    """An inbound event in full: the request as received, how verification ended, and where it
    went. ``body`` is text when it is UTF-8, else base64 (``body_encoding``); null once purged
    (and for a duplicate, whose body is its original's)."""

    event: InboundEventOut
    headers: dict[str, str]
    body: str | None
    body_encoding: str  # text, base64
    verification: str  # verified, unsigned (provider none), or the rejection cause
    deliveries: list[DeliveryOut]
    attempts: list[AttemptOut]

"""What a provider preset is: the request as received, its secrets, and what it turns into.

Pure: no I/O, no database, no clock (``now`` is passed in). The ingest path calls, per request,
``handshake`` (answered inline, nothing stored), then ``verify`` (raises ``Rejected``), then
``events`` (one ``InboundEvent`` per provider event: HubSpot batches several in one request).

Options are checked once when a source is saved (``check_options``: normalised, JSON-ready and
idempotent, so the stored form checks again to itself); the verifiers trust the stored form.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class InboundRequest:
    """The request exactly as received."""

    method: str  # "POST", "GET"
    url: str  # full URL as received, query string included (Twilio and HubSpot sign it)
    headers: Mapping[str, str]  # names lower-cased
    body: bytes  # raw bytes, never re-encoded


@dataclass(frozen=True, slots=True)
class SourceSecret:
    """One secret of a source; the provider's current one is listed first."""

    value: str  # plaintext, as the provider shows it (prefix included: whsec_…, pdl_ntfset_…)
    expires_at: datetime | None = None


class Rejected(Exception):
    """Verification failed; ``cause`` is a stable machine code (see the package docstring)."""

    def __init__(self, cause: str, detail: str = "") -> None:
        super().__init__(f"{cause}: {detail}" if detail else cause)
        self.cause = cause
        self.detail = detail


@dataclass(frozen=True, slots=True)
class Handshake:
    """A reply the provider expects inline (Slack, Zoom, Meta); nothing is stored."""

    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """What one verified request becomes (HubSpot's array: one per element)."""

    event_type: str
    dedup_key: str | None  # the provider's own id; None: this event is not deduplicated
    body: bytes  # byte-exact: the request body, or the element's exact bytes for a batch
    content_type: str


class Provider(Protocol):
    """A provider preset (one module per provider or family, registered in ``PROVIDERS``)."""

    @property
    def name(self) -> str:
        """ "stripe", "github", "standard_webhooks", "generic_hmac", "none", …"""
        ...

    @property
    def default_tolerance_seconds(self) -> int | None:
        """The provider's own replay window; None when it signs no time."""
        ...

    @property
    def forwarded_headers(self) -> tuple[str, ...]:
        """The provider's headers passed on to destinations (lower-case names)."""
        ...

    def check_secret(self, value: str) -> str:
        """The secret as stored, or ValueError (the API answers 400)."""
        ...

    def check_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        """The options normalised, or ValueError(message) (the API answers 400)."""
        ...

    def handshake(
        self,
        request: InboundRequest,
        secrets: Sequence[SourceSecret],
        options: Mapping[str, Any],
        *,
        now: datetime,
    ) -> Handshake | None:
        """The inline reply when ``request`` is a handshake (raises Rejected if it is forged)."""
        ...

    def verify(
        self,
        request: InboundRequest,
        secrets: Sequence[SourceSecret],
        options: Mapping[str, Any],
        *,
        now: datetime,
    ) -> None:
        """Return if the provider sent ``request``; raise Rejected otherwise."""
        ...

    def events(self, request: InboundRequest, options: Mapping[str, Any]) -> list[InboundEvent]:
        """The events of a verified request, with type and dedup key."""
        ...

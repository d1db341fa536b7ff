"""HubSpot, signature v3: ``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256 (key: the app's client
secret) of ``method + URL + body + X-HubSpot-Request-Timestamp``; the timestamp is in
milliseconds and may be 300 s old (past only). The body is a JSON array of up to 100 events: each
element becomes its own event, with its exact bytes, the type ``subscriptionType`` and the dedup
key ``eventId``.

The legacy signatures, only for a source with the option ``legacy_signatures: true`` (older
HubSpot apps send nothing else): ``X-HubSpot-Signature`` = hex SHA-256 (a plain hash, not an
HMAC) of ``client_secret + body`` when ``X-HubSpot-Signature-Version`` is ``v1``, or of
``client_secret + method + URL + body`` for ``v2``. They sign no time, so only deduplication
stands against a replay; a request carrying a v3 signature is always checked by it, and a legacy
one to a source that did not opt in is ``signature_unsupported``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sources.providers import crypto, extract
from app.sources.providers.base import InboundEvent, InboundRequest, Rejected
from app.sources.providers.preset import HmacPreset, Signed, header

LEGACY_OPTION = "legacy_signatures"
_LEGACY = crypto.Scheme(construction="hash")


class HubSpot(HmacPreset):
    name = "hubspot"
    default_tolerance_seconds = 300
    past_only = True
    scheme = crypto.Scheme(encoding="base64")
    own_options = (LEGACY_OPTION,)

    def check_own_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        if LEGACY_OPTION not in options:
            return {}
        if not isinstance(options[LEGACY_OPTION], bool):
            raise ValueError(f"{LEGACY_OPTION} is true or false")
        return {LEGACY_OPTION: options[LEGACY_OPTION]}

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        if "x-hubspot-signature-v3" not in request.headers and (
            "x-hubspot-signature" in request.headers
        ):
            return self._legacy(request, options)
        presented = header(request, "x-hubspot-signature-v3")
        timestamp = request.headers.get("x-hubspot-request-timestamp")
        seconds = crypto.parse_timestamp(timestamp, unit_ms=True)
        message = b"%s%s%s%s" % (
            request.method.encode(),
            request.url.encode(),
            request.body,
            str(timestamp).strip().encode(),
        )
        return Signed((message,), (presented,), seconds)

    def _legacy(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        version = request.headers.get("x-hubspot-signature-version", "").strip().lower()
        if not options.get(LEGACY_OPTION):
            raise Rejected(
                "signature_unsupported",
                f"a {version or 'legacy'} signature; the source takes v3 only "
                f"unless its option {LEGACY_OPTION} is true",
            )
        if version == "v1":
            message = request.body
        elif version == "v2":
            message = b"%s%s%s" % (request.method.encode(), request.url.encode(), request.body)
        else:
            raise Rejected("signature_unsupported", "X-HubSpot-Signature-Version is not v1 or v2")
        return Signed((message,), (header(request, "x-hubspot-signature"),), scheme=_LEGACY)

    def events(self, request: InboundRequest, options: Mapping[str, Any]) -> list[InboundEvent]:
        elements = extract.array_elements(request.body)
        if elements is None:  # not the documented array: kept whole, as one event
            return super().events(request, options)
        return [self.event(request, options, doc=doc, body=raw) for raw, doc in elements]

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("subscriptionType")) if isinstance(doc, dict) else None

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("eventId")) if isinstance(doc, dict) else None

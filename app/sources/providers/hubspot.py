"""HubSpot, signature v3: ``X-HubSpot-Signature-v3`` = base64 HMAC-SHA256 (key: the app's client
secret) of ``method + URL + body + X-HubSpot-Request-Timestamp``; the timestamp is in
milliseconds and may be 300 s old (past only). The body is a JSON array of up to 100 events: each
element becomes its own event, with its exact bytes, the type ``subscriptionType`` and the dedup
key ``eventId``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.sources.providers import crypto, extract
from app.sources.providers.base import InboundEvent, InboundRequest
from app.sources.providers.preset import HmacPreset, Signed, header


class HubSpot(HmacPreset):
    name = "hubspot"
    default_tolerance_seconds = 300
    past_only = True
    scheme = crypto.Scheme(encoding="base64")

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
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

    def events(self, request: InboundRequest, options: Mapping[str, Any]) -> list[InboundEvent]:
        elements = extract.array_elements(request.body)
        if elements is None:  # not the documented array: kept whole, as one event
            return super().events(request, options)
        return [self.event(request, options, doc=doc, body=raw) for raw, doc in elements]

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("subscriptionType")) if isinstance(doc, dict) else None

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("eventId")) if isinstance(doc, dict) else None

"""Standard Webhooks, and Svix (``svix-*`` headers): every provider built on Svix.

``webhook-signature`` lists ``v1,<base64>`` entries, space-separated, over
``{id}.{timestamp}.{body}`` with the key base64-decoded from after ``whsec_``; the HMAC is the
outbound signer's own (``app.kit.signing``), so both directions compute it in one place.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from app.kit import signing
from app.sources.providers import crypto
from app.sources.providers.base import InboundRequest, Rejected
from app.sources.providers.preset import Preset, header


class StandardWebhooks(Preset):
    name = "standard_webhooks"
    default_tolerance_seconds = 300
    forwarded_headers = ("webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp")

    def check_secret(self, value: str) -> str:
        crypto.decode_base64_key(super().check_secret(value))
        return value

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        prefix = "webhook-" if "webhook-signature" in request.headers else "svix-"
        presented = header(request, prefix + "signature").split()
        msg_id = header(request, prefix + "id")
        seconds = crypto.parse_timestamp(request.headers.get(prefix + "timestamp"))
        timestamp = datetime.fromtimestamp(seconds, UTC)
        for value in values:
            crypto.key(value, "base64")  # a stored secret that is not base64 fails closed
            expected = signing.signature_headers(
                [value], msg_id=msg_id, timestamp=timestamp, body=request.body
            )["webhook-signature"]
            if crypto.any_equal(expected, presented):
                crypto.check_timestamp(
                    seconds, now=now, tolerance_seconds=self.tolerance_seconds(options)
                )
                return value
        raise Rejected("signature_invalid", "no secret of the source produced a v1 signature")

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return request.headers.get("webhook-id") or request.headers.get("svix-id")

"""Standard Webhooks, and Svix (``svix-*`` headers): every provider built on Svix.

``webhook-signature`` lists ``v1,<base64>`` entries, space-separated, over
``{id}.{timestamp}.{body}`` with the key base64-decoded from after ``whsec_``; the HMAC is the
outbound signer's own (``app.kit.signing``), so both directions compute it in one place. A secret
that is a sender's ``whpk_`` ed25519 public key checks its ``v1a,<base64>`` entries instead
(asymmetric: the source holds no secret at all); a source may list both kinds during a sender's
move from one to the other.
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
        value = super().check_secret(value)
        if value.startswith(signing.PUBLIC_KEY_PREFIX):
            return signing.check_public_key(value)
        crypto.decode_base64_key(value)
        return value

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        prefix = "webhook-" if "webhook-signature" in request.headers else "svix-"
        presented = header(request, prefix + "signature").split()
        msg_id = header(request, prefix + "id")
        seconds = crypto.parse_timestamp(request.headers.get(prefix + "timestamp"))
        for value in values:
            if self._signed_by(value, presented, msg_id, seconds, request.body):
                crypto.check_timestamp(
                    seconds, now=now, tolerance_seconds=self.tolerance_seconds(options)
                )
                return value
        raise Rejected("signature_invalid", "no secret of the source produced a signature")

    def _signed_by(
        self, value: str, presented: list[str], msg_id: str, seconds: float, body: bytes
    ) -> bool:
        if value.startswith(signing.PUBLIC_KEY_PREFIX):
            try:  # refused when saved; a stored one that is not a key fails closed
                key = signing.check_public_key(value)
            except ValueError as exc:
                raise Rejected("secret_invalid", str(exc)) from None
            return signing.verifies_v1a(
                key, presented, msg_id=msg_id, timestamp_seconds=int(seconds), body=body
            )
        crypto.key(value, "base64")  # a stored secret that is not base64 fails closed
        timestamp = datetime.fromtimestamp(seconds, UTC)
        expected = signing.signature_headers(
            [value], msg_id=msg_id, timestamp=timestamp, body=body
        )["webhook-signature"]
        return crypto.any_equal(expected, presented)

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return request.headers.get("webhook-id") or request.headers.get("svix-id")

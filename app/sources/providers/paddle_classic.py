"""Paddle Classic (the Paddle before Billing): a form POST whose field ``p_signature`` is the
base64 RSA signature (PKCS#1 v1.5, SHA-1) of every other field, sorted by name and serialized as
PHP's ``serialize()`` writes an array of strings, under the vendor's public key.

The secret is that public key as Paddle shows it (PEM, ``-----BEGIN PUBLIC KEY-----``): nothing
secret is stored. Paddle Classic signs no time (``event_time`` is a field, not a window), so only
deduplication stands against a replay. Event type: ``alert_name`` (fulfillment webhooks carry
none: ``webhook``); dedup key: ``alert_id``.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from app.sources.providers import crypto, extract
from app.sources.providers.base import InboundRequest, Rejected
from app.sources.providers.preset import Preset

SIGNATURE_FIELD = "p_signature"


def php_serialized(fields: Mapping[str, str]) -> bytes:
    """``serialize()`` of a PHP array of strings, keys in sorted order (what Paddle signs)."""
    items = b"".join(_php_string(k) + _php_string(v) for k, v in sorted(fields.items()))
    return b"a:%d:{%s}" % (len(fields), items)


def _php_string(text: str) -> bytes:
    raw = text.encode()
    return b's:%d:"%s";' % (len(raw), raw)


class PaddleClassic(Preset):
    name = "paddle_classic"

    def check_secret(self, value: str) -> str:
        crypto.rsa_public_key(super().check_secret(value))
        return value

    def check(
        self, request: InboundRequest, values: list[str], options: Mapping[str, Any], now: datetime
    ) -> str:
        fields = dict(extract.form_fields(request.body))  # the last of a repeated name, as PHP
        presented = fields.pop(SIGNATURE_FIELD, None)
        if not presented:
            raise Rejected("signature_missing", f"the form has no {SIGNATURE_FIELD} field")
        try:
            signature = base64.b64decode(presented, validate=True)
        except binascii.Error:
            raise Rejected("signature_invalid", f"{SIGNATURE_FIELD} is not base64") from None
        message = php_serialized(fields)
        for value in values:
            if crypto.rsa_sha1_verifies(value, signature, message):
                return value
        raise Rejected("signature_invalid", "no public key of the source verifies this signature")

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.first(extract.form_fields(request.body), "alert_name") or None

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.first(extract.form_fields(request.body), "alert_id") or None

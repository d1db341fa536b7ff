"""Providers that sign a timestamp in a header: Stripe, Paddle, Slack and Zoom.

Each uses its secret whole, as the provider shows it (``whsec_…``, ``pdl_ntfset_…``), and hex
HMAC-SHA256:

- Stripe ``Stripe-Signature: t=…,v1=…[,v1=…]`` over ``{t}.{body}``; 300 s into the past;
- Paddle ``Paddle-Signature: ts=…;h1=…[;h1=…]`` over ``{ts}:{body}``; 5 s both ways (its SDK's
  ``Verifier`` default since it also refuses times ahead);
- Slack ``X-Slack-Signature: v0=…`` over ``v0:{X-Slack-Request-Timestamp}:{body}``; 300 s both ways;
  its ``url_verification`` is answered with the challenge once the request verifies;
- Zoom ``x-zm-signature: v0=…`` over ``v0:{x-zm-request-timestamp}:{body}``; 300 s both ways
  (Zoom publishes none); ``endpoint.url_validation`` is answered with ``encryptedToken`` = hex
  HMAC-SHA256 of ``plainToken`` under the secret that verified the request.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Mapping
from typing import Any

from app.sources.providers import crypto, extract
from app.sources.providers.base import Handshake, InboundRequest, Rejected
from app.sources.providers.preset import HmacPreset, Signed, header


def _listed(request: InboundRequest, name: str, separator: str, ts: str, sig: str) -> Signed:
    """Stripe's and Paddle's header: a timestamp and one signature per active secret."""
    items = crypto.pairs(header(request, name), separator)
    timestamp = extract.first(items, ts)
    signatures = tuple(value for key, value in items if key == sig)
    if not signatures:
        raise Rejected("signature_missing", f"{name} carries no {sig} signature")
    seconds = crypto.parse_timestamp(timestamp)
    glue = b"." if sig == "v1" else b":"
    return Signed((b"%d%s%s" % (seconds, glue, request.body),), signatures, seconds)


class Stripe(HmacPreset):
    name = "stripe"
    default_tolerance_seconds = 300
    past_only = True

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        return _listed(request, "stripe-signature", ",", "t", "v1")

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("id")) if isinstance(doc, dict) else None


class Paddle(HmacPreset):
    name = "paddle"
    default_tolerance_seconds = 5

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        return _listed(request, "paddle-signature", ";", "ts", "h1")

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("event_type")) if isinstance(doc, dict) else None

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("notification_id")) if isinstance(doc, dict) else None


class _V0(HmacPreset):
    """Slack's scheme, which Zoom copied: ``v0=`` + hex HMAC of ``v0:{timestamp}:{body}``."""

    default_tolerance_seconds = 300
    scheme = crypto.Scheme(prefix="v0=")
    signature_header = ""
    timestamp_header = ""

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        presented = header(request, self.signature_header)
        timestamp = request.headers.get(self.timestamp_header)
        seconds = crypto.parse_timestamp(timestamp)
        message = b"v0:%s:%s" % (str(timestamp).strip().encode(), request.body)
        return Signed((message,), (presented,), seconds)

    handshake_field = ""  # the body field naming a handshake, and its value
    handshake_value = ""

    def handshake_reply(self, doc: dict[str, Any], secret: str) -> Handshake:
        raise NotImplementedError

    def challenge(
        self, request: InboundRequest, options: Mapping[str, Any]
    ) -> Callable[[str], Handshake] | None:
        doc = extract.json_body(request.body) if request.method == "POST" else None
        if not isinstance(doc, dict) or doc.get(self.handshake_field) != self.handshake_value:
            return None
        return functools.partial(self.handshake_reply, doc)


def _json(status: int, doc: dict[str, Any]) -> Handshake:
    return Handshake(status, json.dumps(doc).encode(), "application/json")


class Slack(_V0):
    name = "slack"
    signature_header = "x-slack-signature"
    timestamp_header = "x-slack-request-timestamp"
    forwarded_headers = ("x-slack-retry-num", "x-slack-retry-reason")

    handshake_field = "type"
    handshake_value = "url_verification"

    def handshake_reply(self, doc: dict[str, Any], secret: str) -> Handshake:
        challenge = doc.get("challenge")
        if not isinstance(challenge, str):
            raise Rejected("body_invalid", "url_verification without a challenge")
        return _json(200, {"challenge": challenge})

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        if doc is None:  # a form: interactivity (payload=<json>) or a slash command
            fields = extract.form_fields(request.body)
            if extract.first(fields, "command") is not None:
                return "slash_command"
            doc = extract.json_body(str(extract.first(fields, "payload")).encode())
        if not isinstance(doc, dict):
            return None
        inner = doc.get("event")
        if doc.get("type") == "event_callback" and isinstance(inner, dict):
            return extract.scalar(inner.get("type"))
        return extract.scalar(doc.get("type"))

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("event_id")) if isinstance(doc, dict) else None


class Zoom(_V0):
    name = "zoom"
    signature_header = "x-zm-signature"
    timestamp_header = "x-zm-request-timestamp"
    forwarded_headers = ("x-zm-trackingid",)

    handshake_field = "event"
    handshake_value = "endpoint.url_validation"

    def handshake_reply(self, doc: dict[str, Any], secret: str) -> Handshake:
        payload = doc.get("payload")
        plain = payload.get("plainToken") if isinstance(payload, dict) else None
        if not isinstance(plain, str) or not plain:
            raise Rejected("body_invalid", "endpoint.url_validation without a plainToken")
        encrypted = crypto.Scheme().sign(secret, plain.encode())
        return _json(200, {"plainToken": plain, "encryptedToken": encrypted})

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        return extract.scalar(doc.get("event")) if isinstance(doc, dict) else None

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        # Zoom sends no delivery id; a retry repeats the same bytes, another event never does.
        return "sha256:" + crypto.sha256_hex(request.body)

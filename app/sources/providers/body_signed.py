"""Providers that sign the raw body alone with the secret string: GitHub, Meta, Shopify, Linear.

- GitHub ``X-Hub-Signature-256: sha256=<hex>`` (the legacy SHA-1 header is not accepted: a
  downgrade); no timestamp. Event type ``X-GitHub-Event`` + ``.`` + the body's ``action``.
- Meta ``X-Hub-Signature-256`` likewise, over the escaped-unicode bytes as sent; the subscription
  GET (``hub.mode=subscribe``) is answered with ``hub.challenge`` when ``hub.verify_token``
  equals the option ``verify_token``.
- Shopify ``X-Shopify-Hmac-Sha256`` (or the Events preview's ``Shopify-Hmac-Sha256``): base64, no
  prefix; no timestamp.
- Linear ``Linear-Signature``: hex, no prefix; the time is the body's ``webhookTimestamp`` (ms,
  covered by the signature), 60 s both ways.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from app.sources.providers import crypto, extract
from app.sources.providers.base import Handshake, InboundRequest, Rejected
from app.sources.providers.preset import HmacPreset, Signed, header


class GitHub(HmacPreset):
    name = "github"
    scheme = crypto.Scheme(prefix="sha256=")
    forwarded_headers: tuple[str, ...] = (
        "x-github-event",
        "x-github-delivery",
        "x-github-hook-id",
        "x-github-hook-installation-target-type",
        "x-github-hook-installation-target-id",
    )

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        return Signed((request.body,), (header(request, "x-hub-signature-256"),))

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        event = request.headers.get("x-github-event")
        if doc is None:  # the form content type: payload=<json>
            payload = extract.first(extract.form_fields(request.body), "payload")
            doc = extract.json_body(payload.encode()) if payload else None
        action = extract.scalar(doc.get("action")) if isinstance(doc, dict) else None
        return f"{event}.{action}" if event and action else event

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return request.headers.get("x-github-delivery")


class Meta(GitHub):
    name = "meta"
    forwarded_headers = ()
    own_options = ("verify_token",)

    def check_own_options(self, options: Mapping[str, Any]) -> dict[str, Any]:
        token = options.get("verify_token")
        if token is None:
            return {}
        if not isinstance(token, str) or not token:
            raise ValueError("verify_token is the string you gave Meta for the subscription")
        return {"verify_token": token}

    signed_challenge = False  # Meta's GET carries no signature: the verify token is the check

    def challenge(
        self, request: InboundRequest, options: Mapping[str, Any]
    ) -> Callable[[str], Handshake] | None:
        query = extract.query(request.url)
        if request.method != "GET" or extract.first(query, "hub.mode") != "subscribe":
            return None
        expected = options.get("verify_token")
        presented = extract.first(query, "hub.verify_token") or ""
        if not expected or not crypto.any_equal(expected, [presented]):
            raise Rejected("auth_invalid", "hub.verify_token is not the source's verify_token")
        challenge = (extract.first(query, "hub.challenge") or "").encode()
        return lambda _secret: Handshake(200, challenge, "text/plain")

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        if not isinstance(doc, dict):
            return None
        kind = extract.scalar(doc.get("object"))
        field = extract.scalar(extract.at_path(doc, "$.entry[0].changes[0].field"))
        return f"{kind}.{field}" if kind and field else kind

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        # Meta sends no delivery id; a retry repeats the same bytes, another event never does.
        return "sha256:" + crypto.sha256_hex(request.body)


class Shopify(HmacPreset):
    name = "shopify"
    scheme = crypto.Scheme(encoding="base64")
    forwarded_headers = (
        "x-shopify-topic",
        "x-shopify-shop-domain",
        "x-shopify-api-version",
        "x-shopify-webhook-id",
        "x-shopify-event-id",
        "x-shopify-triggered-at",
    )

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        name = "x-shopify-hmac-sha256"
        if name not in request.headers and "shopify-hmac-sha256" in request.headers:
            name = "shopify-hmac-sha256"
        return Signed((request.body,), (header(request, name),))

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        topic = request.headers.get("x-shopify-topic")
        return topic.replace("/", ".") if topic else None  # orders/create → orders.create

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return request.headers.get("x-shopify-webhook-id")


class Linear(HmacPreset):
    name = "linear"
    default_tolerance_seconds = 60
    forwarded_headers = ("linear-delivery", "linear-event")

    def signed(self, request: InboundRequest, options: Mapping[str, Any]) -> Signed:
        presented = header(request, "linear-signature")
        doc = extract.json_body(request.body)
        stamp = doc.get("webhookTimestamp") if isinstance(doc, dict) else None
        if stamp is not None and not isinstance(stamp, int | str):
            raise Rejected("timestamp_invalid", "webhookTimestamp is not an integer")
        seconds = crypto.parse_timestamp(None if stamp is None else str(stamp), unit_ms=True)
        return Signed((request.body,), (presented,), seconds)

    def event_type(self, request: InboundRequest, doc: Any) -> str | None:
        if not isinstance(doc, dict):
            return None
        kind, action = extract.scalar(doc.get("type")), extract.scalar(doc.get("action"))
        return f"{kind.lower()}.{action}" if kind and action else kind and kind.lower()

    def dedup_key(self, request: InboundRequest, doc: Any) -> str | None:
        return request.headers.get("linear-delivery")

"""Provider presets: how each provider signs its webhooks, and what its events are called.

Pure (no I/O, no database; time is passed in). For one request the ingest path calls
``provider(name).handshake(...)`` (a reply to send inline, nothing stored), then ``verify(...)``
(raises ``Rejected``), then ``events(...)``; see ``base``. Secrets are listed current first; an
expired one never verifies, and no unexpired one is ``secret_missing`` (only ``none`` needs none).

| preset | verifies | key | time, default window | event type | dedup key |
|---|---|---|---|---|---|
| ``stripe`` | ``Stripe-Signature`` ``v1`` hex over ``{t}.{body}`` | whole string | ``t`` s, 300 past | body ``type`` | body ``id`` |
| ``github`` | ``X-Hub-Signature-256`` ``sha256=`` hex over body | whole string | none | ``X-GitHub-Event`` + ``.`` + ``action`` | ``X-GitHub-Delivery`` |
| ``shopify`` | ``X-Shopify-Hmac-Sha256`` base64 over body | whole string | none | ``X-Shopify-Topic``, ``/`` → ``.`` | ``X-Shopify-Webhook-Id`` |
| ``slack`` | ``X-Slack-Signature`` ``v0=`` hex over ``v0:{ts}:{body}`` | whole string | header s, 300 both | ``event.type`` (Events API), ``type``, ``slash_command`` | ``event_id`` |
| ``twilio`` | ``X-Twilio-Signature`` base64 SHA-1 over URL + sorted params (JSON: ``bodySHA256``) | auth token | none | ``message.<status>``, ``call.<status>``, ``twilio`` | ``I-Twilio-Idempotency-Token`` |
| ``standard_webhooks`` | ``webhook-*`` or ``svix-*``, ``v1,`` base64 over ``{id}.{ts}.{body}`` | base64 after ``whsec_`` | header s, 300 both | body ``type`` | ``webhook-id`` / ``svix-id`` |
| ``standard_webhooks`` with a ``whpk_`` secret | ``webhook-*`` or ``svix-*``, ``v1a,`` base64 ed25519 over ``{id}.{ts}.{body}`` | the sender's public key | header s, 300 both | body ``type`` | ``webhook-id`` / ``svix-id`` |
| ``zoom`` | ``x-zm-signature`` ``v0=`` hex over ``v0:{ts}:{body}`` | whole string | header s, 300 both | body ``event`` | SHA-256 of the body |
| ``paddle`` | ``Paddle-Signature`` ``h1`` hex over ``{ts}:{body}`` | whole string | ``ts`` s, 5 both | body ``event_type`` | body ``notification_id`` |
| ``paddle_classic`` | form field ``p_signature``: base64 RSA SHA-1 over the other fields, sorted, PHP-serialized | RSA public key (PEM) | none | ``alert_name`` | ``alert_id`` |
| ``linear`` | ``Linear-Signature`` hex over body | whole string | body ``webhookTimestamp`` ms, 60 both | body ``type`` (lower) + ``.`` + ``action`` | ``Linear-Delivery`` |
| ``hubspot`` | ``X-HubSpot-Signature-v3`` base64 over method + URL + body + ts | whole string | header ms, 300 past | per element ``subscriptionType`` | per element ``eventId`` |
| ``hubspot``, option ``legacy_signatures`` | ``X-HubSpot-Signature`` hex SHA-256 (no HMAC) of secret + body (``X-HubSpot-Signature-Version: v1``) or secret + method + URL + body (``v2``) | whole string | none | per element ``subscriptionType`` | per element ``eventId`` |
| ``meta`` | ``X-Hub-Signature-256`` ``sha256=`` hex over body | app secret | none | ``object`` + ``.`` + first change ``field`` | SHA-256 of the body |
| ``generic_hmac`` | configured (``generic``) | utf8 or base64 | configured | body ``type`` | none |
| ``basic_auth`` | ``Authorization: Basic``, secret ``user:password`` | — | none | body ``type`` | none |
| ``api_key`` | the secret in header ``header`` (``x-api-key``) after ``prefix`` | — | none | body ``type`` | none |
| ``none`` | nothing (an explicit choice) | — | none | body ``type`` | none |

A type that cannot be read is ``webhook``. Past-only windows still refuse a time more than
300 s ahead (``crypto.FUTURE_SKEW_SECONDS``). Every preset takes the options ``dedup`` (a locator,
or ``"off"``) and ``event_type`` (a locator) — see ``preset`` — and the timed ones
``tolerance_seconds``; ``meta`` takes ``verify_token``, ``api_key`` ``header`` and ``prefix``,
``hubspot`` ``legacy_signatures`` (a v3 signature is checked whenever one is sent; a legacy one
without the option is ``signature_unsupported``). A Standard Webhooks source may hold ``whsec_``
secrets and ``whpk_`` keys side by side, for a sender moving from ``v1`` to ``v1a``.

Handshakes: Slack ``url_verification`` (POST, signed: answered ``{"challenge": …}``), Zoom
``endpoint.url_validation`` (POST, signed: ``{"plainToken", "encryptedToken"}``), Meta's GET
``hub.mode=subscribe`` (``hub.verify_token`` must equal the option: answered with
``hub.challenge`` as text). GitHub's ``ping`` is an ordinary event (type ``ping``).

Rejection causes (``Rejected.cause``): ``secret_missing``, ``secret_invalid``,
``signature_missing``, ``signature_invalid``, ``signature_unsupported``, ``timestamp_missing``, ``timestamp_invalid``,
``timestamp_stale``, ``timestamp_future``, ``auth_missing``, ``auth_invalid``, ``body_invalid``.
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
from app.sources.providers.body_signed import GitHub, Linear, Meta, Shopify
from app.sources.providers.generic import GenericHmac
from app.sources.providers.hubspot import HubSpot
from app.sources.providers.paddle_classic import PaddleClassic
from app.sources.providers.plain import ApiKey, BasicAuth, NoVerification
from app.sources.providers.standard_webhooks import StandardWebhooks
from app.sources.providers.timestamped import Paddle, Slack, Stripe, Zoom
from app.sources.providers.twilio import Twilio

_ALL: tuple[Provider, ...] = (
    Stripe(),
    GitHub(),
    Shopify(),
    Slack(),
    Twilio(),
    StandardWebhooks(),
    Zoom(),
    Paddle(),
    PaddleClassic(),
    Linear(),
    HubSpot(),
    Meta(),
    GenericHmac(),
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

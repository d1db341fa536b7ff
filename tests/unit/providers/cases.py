"""One signed request per preset, made with the provider's own code where it publishes one.

Standard Webhooks ``v1a`` (ed25519) is signed with PyNaCl. Stripe publishes no signing helper:
the request is signed with the standard library and ``stripe.Webhook.construct_event`` is
asserted to accept it. GitHub, Shopify, Zoom, Linear and
Meta publish no Python code: the standard library signs (their published vectors are checked in
``test_vectors``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

import nacl.signing
import phpserialize
import standardwebhooks
import stripe
import svix.webhooks
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from hubspot.utils.signature import Signature
from paddle_billing.Notifications import Secret, Verifier
from paddle_billing.Notifications.PaddleSignature import PaddleSignature
from slack_sdk.signature import SignatureVerifier
from twilio.request_validator import RequestValidator

from app.sources.providers import InboundRequest

URL = "https://hooks.example.com/in/tok_abc"
Sign = Callable[[str, datetime], InboundRequest]


@dataclass(frozen=True)
class Case:
    id: str
    preset: str
    secret: str
    other_secret: str  # another valid secret of the same shape: the rotation's new one
    sign: Sign  # (secret, signed at) → the request as the provider sends it
    signature_header: str  # removed for the "missing" test
    event: tuple[str, str | None]  # (event type, dedup key) of the signed request
    past_seconds: int | None = None  # the window into the past; None: no signed time
    future_seconds: int | None = None
    missing_cause: str = "signature_missing"
    wrong_cause: str = "signature_invalid"
    signs_body: bool = True
    options: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.id


def _seconds(at: datetime) -> int:
    return int(at.timestamp())


def _hex(secret: str, message: bytes, algorithm: str = "sha256") -> str:
    return hmac.new(secret.encode(), message, algorithm).hexdigest()


def _b64(secret: str, message: bytes, algorithm: str = "sha256") -> str:
    return base64.b64encode(hmac.new(secret.encode(), message, algorithm).digest()).decode()


def _json(doc: Any) -> bytes:
    return json.dumps(doc).encode()


def _request(headers: dict[str, str], body: bytes, *, url: str = URL) -> InboundRequest:
    return InboundRequest("POST", url, headers, body)


STRIPE_BODY = _json({"id": "evt_1", "object": "event", "type": "invoice.paid"})


def stripe_sign(secret: str, at: datetime) -> InboundRequest:
    t = _seconds(at)
    header = f"t={t},v1={_hex(secret, b'%d.%s' % (t, STRIPE_BODY))}"
    event = stripe.Webhook.construct_event(STRIPE_BODY, header, secret, tolerance=None)
    assert event["id"] == "evt_1"  # Stripe's own verifier accepts what the test signed
    return _request({"stripe-signature": header, "content-type": "application/json"}, STRIPE_BODY)


PADDLE_BODY = _json({"event_id": "evt_p", "notification_id": "ntf_1", "event_type": "x.created"})


def paddle_sign(secret: str, at: datetime) -> InboundRequest:
    ts = _seconds(at)
    digest = PaddleSignature.calculate_hmac(secret, b"%d:%s" % (ts, PADDLE_BODY)).hexdigest()
    header = f"ts={ts};h1={digest}"
    sent = SimpleNamespace(headers={"Paddle-Signature": header}, body=PADDLE_BODY)
    # Paddle's own verifier accepts it (its clock check is the real clock's: the presets' is tested)
    assert Verifier().verify(sent, Secret(secret), verify_time_drift=False) is True
    return _request({"paddle-signature": header}, PADDLE_BODY)


SLACK_BODY = _json({"type": "event_callback", "event_id": "Ev1", "event": {"type": "app_mention"}})


def slack_sign(secret: str, at: datetime) -> InboundRequest:
    ts = str(_seconds(at))
    signature = SignatureVerifier(secret).generate_signature(timestamp=ts, body=SLACK_BODY)
    assert signature is not None
    headers = {"x-slack-signature": signature, "x-slack-request-timestamp": ts}
    return _request(headers, SLACK_BODY)


ZOOM_BODY = _json({"event": "meeting.started", "event_ts": 1, "payload": {"object": {"id": 5}}})


def zoom_sign(secret: str, at: datetime) -> InboundRequest:
    ts = str(_seconds(at))
    signature = "v0=" + _hex(secret, f"v0:{ts}:".encode() + ZOOM_BODY)
    return _request({"x-zm-signature": signature, "x-zm-request-timestamp": ts}, ZOOM_BODY)


TWILIO_FORM = {"MessageSid": "SM1", "MessageStatus": "delivered", "To": "+15550001", "Body": "é&="}


def twilio_form_sign(secret: str, at: datetime) -> InboundRequest:
    signature = RequestValidator(secret).compute_signature(URL + "?x=1", TWILIO_FORM)
    headers = {"x-twilio-signature": signature, "i-twilio-idempotency-token": "idem-1"}
    return _request(headers, urlencode(TWILIO_FORM).encode(), url=URL + "?x=1")


TWILIO_JSON = _json({"type": "com.twilio.messaging.inbound", "sid": "SM2"})


def twilio_json_sign(secret: str, at: datetime) -> InboundRequest:
    validator = RequestValidator(secret)
    url = URL + "?bodySHA256=" + validator.compute_hash(TWILIO_JSON.decode())
    headers = {"x-twilio-signature": validator.compute_signature(url, {})}
    return _request(headers, TWILIO_JSON, url=url)


def twilio_sha256_sign(secret: str, at: datetime) -> InboundRequest:
    signature = RequestValidator(secret).compute_signature(URL, TWILIO_FORM, "HMAC_SHA256")
    headers = {
        "x-twilio-signature": signature,
        "x-twilio-webhooks-signature-settings": "key=KS1,algorithm=HMAC_SHA256",
    }
    return _request(headers, urlencode(TWILIO_FORM).encode())


SW_BODY = _json({"type": "user.created", "data": {"id": "u1"}})


def standard_sign(secret: str, at: datetime) -> InboundRequest:
    signature = standardwebhooks.Webhook(secret).sign("msg_1", at, SW_BODY.decode())
    headers = {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(_seconds(at)),
        "webhook-signature": signature,
    }
    return _request(headers, SW_BODY)


def svix_sign(secret: str, at: datetime) -> InboundRequest:
    signature = svix.webhooks.Webhook(secret).sign("msg_2", at, SW_BODY.decode())
    headers = {"svix-id": "msg_2", "svix-timestamp": str(_seconds(at)), "svix-signature": signature}
    return _request(headers, SW_BODY)


def _ed25519(seed: bytes) -> tuple[str, nacl.signing.SigningKey]:
    """A ``whpk_`` public key and its signing key, made by PyNaCl (libsodium): independent of
    the ``cryptography`` (OpenSSL) code that verifies."""
    signing_key = nacl.signing.SigningKey(seed)
    return "whpk_" + base64.b64encode(bytes(signing_key.verify_key)).decode(), signing_key


V1A_KEYS = dict(_ed25519(bytes([n]) * 32) for n in (1, 2))
WHPK, WHPK_2 = V1A_KEYS


def v1a_sign(public_key: str, at: datetime) -> InboundRequest:
    """A sender signing with ed25519 (``v1a``), after a stale ``v1`` entry it also sends."""
    ts = _seconds(at)
    signed = V1A_KEYS[public_key].sign(b"msg_3.%d.%s" % (ts, SW_BODY)).signature
    signature = "v1,bm90IGEgc2lnbmF0dXJl v1a," + base64.b64encode(signed).decode()
    headers = {"webhook-id": "msg_3", "webhook-timestamp": str(ts), "webhook-signature": signature}
    return _request(headers, SW_BODY)


GITHUB_BODY = _json({"action": "opened", "number": 1})


def github_sign(secret: str, at: datetime) -> InboundRequest:
    headers = {
        "x-hub-signature-256": "sha256=" + _hex(secret, GITHUB_BODY),
        "x-github-event": "pull_request",
        "x-github-delivery": "72d3162e-cc78-11e3-81ab-4c9367dc0958",
    }
    return _request(headers, GITHUB_BODY)


# Meta signs an escaped-unicode JSON; a re-encoded body would not verify.
META_BODY = b'{"object":"page","entry":[{"changes":[{"field":"feed","value":"\\u00e4"}]}]}'


def meta_sign(secret: str, at: datetime) -> InboundRequest:
    return _request({"x-hub-signature-256": "sha256=" + _hex(secret, META_BODY)}, META_BODY)


SHOPIFY_BODY = _json({"id": 820982911946154508, "email": "jon@example.com"})


def shopify_sign(secret: str, at: datetime) -> InboundRequest:
    headers = {
        "x-shopify-hmac-sha256": _b64(secret, SHOPIFY_BODY),
        "x-shopify-topic": "orders/create",
        "x-shopify-webhook-id": "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043",
    }
    return _request(headers, SHOPIFY_BODY)


def linear_sign(secret: str, at: datetime) -> InboundRequest:
    ms = int(at.timestamp() * 1000)
    body = _json({"type": "Issue", "action": "create", "webhookTimestamp": ms})
    headers = {"linear-signature": _hex(secret, body), "linear-delivery": "d-1"}
    return _request(headers, body)


HUBSPOT_BODY = b'[{"eventId": 11, "subscriptionType": "contact.creation"},{"eventId":12}]'


def hubspot_sign(secret: str, at: datetime) -> InboundRequest:
    ms = str(int(at.timestamp() * 1000))
    signature = Signature.get_signature(secret, HUBSPOT_BODY.decode(), "v3", URL, "POST", ms)
    headers = {"x-hubspot-signature-v3": signature, "x-hubspot-request-timestamp": ms}
    return _request(headers, HUBSPOT_BODY)


def hubspot_legacy_sign(version: str) -> Sign:
    """HubSpot's v1 or v2 signature, made by its own ``Signature.get_signature``."""

    def sign(secret: str, at: datetime) -> InboundRequest:
        signature = Signature.get_signature(secret, HUBSPOT_BODY.decode(), version, URL, "POST")
        assert Signature.is_valid(signature, secret, HUBSPOT_BODY.decode(), URL, "POST", version)
        headers = {"x-hubspot-signature": signature, "x-hubspot-signature-version": version}
        return _request(headers, HUBSPOT_BODY)

    return sign


PADDLE_CLASSIC_KEYS = [rsa.generate_private_key(public_exponent=65537, key_size=2048) for _ in "ab"]
PADDLE_CLASSIC_PEMS = [
    k.public_key()
    .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    .decode()
    for k in PADDLE_CLASSIC_KEYS
]


def paddle_classic_form(
    fields: dict[str, str], *, key: rsa.RSAPrivateKey = PADDLE_CLASSIC_KEYS[0]
) -> bytes:
    """The form body Paddle Classic posts: the fields and ``p_signature``, an RSA SHA-1
    signature (``cryptography``'s private key) over their sorted PHP serialization as
    ``phpserialize`` (the serializer of Paddle's own sample verifier) writes it."""
    serialized = phpserialize.dumps(dict(sorted(fields.items())))
    signature = key.sign(serialized, padding.PKCS1v15(), hashes.SHA1())
    return urlencode({**fields, "p_signature": base64.b64encode(signature).decode()}).encode()


GENERIC_OPTIONS = {
    "header": "X-Signature",
    "algorithm": "sha512",
    "encoding": "base64",
    "prefix": "t1=",
    "separator": " ",
    "signed": "{method} {url}|{timestamp}|{body}",
    "timestamp": {"header": "X-Timestamp"},
    "timestamp_unit": "ms",
    "tolerance_seconds": 120,
}
GENERIC_BODY = _json({"kind": "thing.done", "ref": "r-1"})


def generic_sign(secret: str, at: datetime) -> InboundRequest:
    ms = str(int(at.timestamp() * 1000))
    message = f"POST {URL}|{ms}|".encode() + GENERIC_BODY
    signature = "t1=" + _b64(secret, message, "sha512")
    headers = {"x-signature": f"t1=b2xk {signature}", "x-timestamp": ms, "x-ref": "r-1"}
    return _request(headers, GENERIC_BODY)


def generic_body_sign(secret: str, at: datetime) -> InboundRequest:
    headers = {"x-sig": _hex(secret, SW_BODY, "sha1")}
    return _request(headers, SW_BODY)


def basic_sign(secret: str, at: datetime) -> InboundRequest:
    token = base64.b64encode(secret.encode()).decode()
    return _request({"authorization": f"Basic {token}"}, SW_BODY)


def api_key_sign(secret: str, at: datetime) -> InboundRequest:
    return _request({"authorization": f"Bearer {secret}"}, SW_BODY)


WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
WHSEC_2 = "whsec_" + base64.b64encode(b"another key, 24 bytes ok").decode()


def _timed(past: int, future: int) -> dict[str, int]:
    return {"past_seconds": past, "future_seconds": future}


CASES = [
    Case("stripe", "stripe", WHSEC, "whsec_new", stripe_sign, "stripe-signature",
         ("invoice.paid", "evt_1"), **_timed(300, 300)),
    Case("paddle", "paddle", "pdl_ntfset_01_a", "pdl_ntfset_02_b", paddle_sign, "paddle-signature",
         ("x.created", "ntf_1"), **_timed(5, 5)),
    Case("slack", "slack", "8f742231b10e8888abcd99yyyzzz85a5", "s2", slack_sign,
         "x-slack-signature", ("app_mention", "Ev1"), **_timed(300, 300)),
    Case("zoom", "zoom", "zoom-secret-token", "zoom-new", zoom_sign, "x-zm-signature",
         ("meeting.started", "sha256:" + hashlib.sha256(ZOOM_BODY).hexdigest()),
         **_timed(300, 300)),
    Case("twilio_form", "twilio", "12345", "67890", twilio_form_sign, "x-twilio-signature",
         ("message.delivered", "idem-1")),
    Case("twilio_json", "twilio", "12345", "67890", twilio_json_sign, "x-twilio-signature",
         ("com.twilio.messaging.inbound", None)),
    Case("twilio_sha256", "twilio", "sharedkey", "sharedkey2", twilio_sha256_sign,
         "x-twilio-signature", ("message.delivered", None)),
    Case("standard_webhooks", "standard_webhooks", WHSEC, WHSEC_2, standard_sign,
         "webhook-signature", ("user.created", "msg_1"), **_timed(300, 300)),
    Case("svix", "standard_webhooks", WHSEC, WHSEC_2, svix_sign, "svix-signature",
         ("user.created", "msg_2"), **_timed(300, 300)),
    Case("standard_webhooks_v1a", "standard_webhooks", WHPK, WHPK_2, v1a_sign,
         "webhook-signature", ("user.created", "msg_3"), **_timed(300, 300)),
    Case("github", "github", "It's a Secret to Everybody", "s2", github_sign,
         "x-hub-signature-256",
         ("pull_request.opened", "72d3162e-cc78-11e3-81ab-4c9367dc0958")),
    Case("meta", "meta", "app-secret", "app-secret-2", meta_sign, "x-hub-signature-256",
         ("page.feed", "sha256:" + hashlib.sha256(META_BODY).hexdigest())),
    Case("shopify", "shopify", "shpss_secret", "shpss_new", shopify_sign, "x-shopify-hmac-sha256",
         ("orders.create", "b54557e4-bdd9-4b37-8a5f-bf7d70bcd043")),
    Case("linear", "linear", "lin_wh_secret", "lin_wh_new", linear_sign, "linear-signature",
         ("issue.create", "d-1"), **_timed(60, 60)),
    Case("hubspot", "hubspot", "client-secret", "client-secret-2", hubspot_sign,
         "x-hubspot-signature-v3", ("contact.creation", "11"), **_timed(300, 300)),
    Case("hubspot_v1", "hubspot", "client-secret", "client-secret-2", hubspot_legacy_sign("v1"),
         "x-hubspot-signature", ("contact.creation", "11"), options={"legacy_signatures": True}),
    Case("hubspot_v2", "hubspot", "client-secret", "client-secret-2", hubspot_legacy_sign("v2"),
         "x-hubspot-signature", ("contact.creation", "11"), options={"legacy_signatures": True}),
    Case("generic_hmac", "generic_hmac", "g-secret", "g-secret-2", generic_sign, "x-signature",
         ("webhook", "r-1"), options={**GENERIC_OPTIONS, "dedup": {"json_path": "$.ref"}},
         **_timed(120, 120)),
    Case("generic_hmac_body", "generic_hmac", "g-secret", "g-secret-2", generic_body_sign,
         "x-sig", ("user.created", None), options={"header": "x-sig", "algorithm": "sha1"}),
    Case("basic_auth", "basic_auth", "user:pw", "user:pw2", basic_sign, "authorization",
         ("user.created", None), missing_cause="auth_missing", wrong_cause="auth_invalid",
         signs_body=False),
    Case("api_key", "api_key", "key-1", "key-2", api_key_sign, "authorization",
         ("user.created", None), missing_cause="auth_missing", wrong_cause="auth_invalid",
         signs_body=False, options={"header": "Authorization", "prefix": "Bearer "}),
]  # fmt: skip

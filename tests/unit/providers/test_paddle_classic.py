"""Paddle Classic: ``p_signature`` is an RSA SHA-1 signature of the other form fields, sorted and
PHP-serialized. Requests are signed with ``cryptography``'s RSA private key over what
``phpserialize`` (the serializer of Paddle's own sample verifier) writes (``cases``), apart from
the code that verifies and serializes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

import phpserialize
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519 as ed25519_key
from cryptography.hazmat.primitives.asymmetric import rsa

from app.sources.providers import InboundRequest, Rejected, SourceSecret, provider
from app.sources.providers.paddle_classic import php_serialized
from tests.unit.providers.cases import PADDLE_CLASSIC_KEYS, PADDLE_CLASSIC_PEMS, paddle_classic_form

NOW = datetime(2026, 12, 1, 12, 0, 0, tzinfo=UTC)
PRESET = provider("paddle_classic")
KEYS, PEMS = PADDLE_CLASSIC_KEYS, PADDLE_CLASSIC_PEMS
FIELDS = {
    "alert_name": "subscription_created",
    "alert_id": "1865742209",
    "event_time": "2026-12-01 11:59:58",
    "passthrough": '{"user": "ü&=;"}',
    "status": "active",
    "unit_price": "12.00",
}


def signed(fields: dict[str, str] = FIELDS, *, key: rsa.RSAPrivateKey = KEYS[0]) -> InboundRequest:
    headers = {"content-type": "application/x-www-form-urlencoded"}
    body = paddle_classic_form(fields, key=key)
    return InboundRequest("POST", "https://hooks.example.com/in/t", headers, body)


def cause(request: InboundRequest, *secrets: SourceSecret) -> str:
    with pytest.raises(Rejected) as rejected:
        PRESET.verify(request, list(secrets), {}, now=NOW)
    return rejected.value.cause


class TestPaddleClassic:
    def test_the_serialization_is_phps(self) -> None:
        assert php_serialized(FIELDS) == phpserialize.dumps(dict(sorted(FIELDS.items())))
        assert php_serialized({}) == phpserialize.dumps({})

    def test_signed_by_the_vendor_key_is_accepted_with_its_type_and_dedup_key(self) -> None:
        request = signed()
        PRESET.verify(request, [SourceSecret(PEMS[0])], {}, now=NOW)
        (event,) = PRESET.events(request, {})
        assert (event.event_type, event.dedup_key) == ("subscription_created", "1865742209")

    def test_a_changed_added_or_removed_field_is_rejected(self) -> None:
        base = signed().body
        secret = SourceSecret(PEMS[0])
        for body in (
            base.replace(b"active", b"paused"),
            base + b"&extra=1",
            base.replace(b"status=active&", b""),
        ):
            changed = InboundRequest("POST", "u", {}, body)
            assert cause(changed, secret) == "signature_invalid"

    def test_another_key_missing_or_bad_signature_and_no_key_are_rejected(self) -> None:
        assert cause(signed(key=KEYS[1]), SourceSecret(PEMS[0])) == "signature_invalid"
        unsigned = InboundRequest("POST", "u", {}, urlencode(FIELDS).encode())
        assert cause(unsigned, SourceSecret(PEMS[0])) == "signature_missing"
        garbled = InboundRequest("POST", "u", {}, urlencode({"p_signature": "!!"}).encode())
        assert cause(garbled, SourceSecret(PEMS[0])) == "signature_invalid"
        assert cause(signed()) == "secret_missing"

    def test_keys_rotate_with_an_overlap_and_an_expired_one_never_verifies(self) -> None:
        old = SourceSecret(PEMS[0], expires_at=NOW + timedelta(hours=1))
        PRESET.verify(signed(), [SourceSecret(PEMS[1]), old], {}, now=NOW)
        PRESET.verify(signed(key=KEYS[1]), [SourceSecret(PEMS[1]), old], {}, now=NOW)
        expired = SourceSecret(PEMS[0], expires_at=NOW - timedelta(seconds=1))
        assert cause(signed(), SourceSecret(PEMS[1]), expired) == "signature_invalid"

    def test_a_secret_that_is_no_rsa_public_key_is_refused_when_saved(self) -> None:
        ed25519 = (
            ed25519_key.Ed25519PrivateKey.generate()
            .public_key()
            .public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
            .decode()
        )
        for secret in ("pdl_ntfset_01", ed25519, PEMS[0][:-40]):
            with pytest.raises(ValueError, match="RSA public key"):
                PRESET.check_secret(secret)
        assert PRESET.check_secret(PEMS[0]) == PEMS[0]

    def test_it_signs_no_time(self) -> None:
        with pytest.raises(ValueError, match="signs no timestamp"):
            PRESET.check_options({"tolerance_seconds": 10})

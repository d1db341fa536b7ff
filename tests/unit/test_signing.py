import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.kit.signing import (
    MAX_OLD_SECRETS,
    active_secrets,
    active_signing_keys,
    check_secret,
    check_signing_key,
    generate_secret,
    generate_signing_key,
    public_key_of,
    rotated_keys,
    rotated_out,
    signature_headers,
)

BODY = b'{"invoice":"in_1","amount":4200,"note":"caf\xc3\xa9"}'


class TestSignatureHeaders:
    def test_signature_verifies_with_standardwebhooks(self) -> None:
        secret = generate_secret()
        headers = signature_headers(
            [secret], msg_id="msg_1", timestamp=datetime.now(UTC), body=BODY
        )
        assert Webhook(secret).verify(BODY, headers) == {
            "invoice": "in_1",
            "amount": 4200,
            "note": "café",
        }

    @pytest.mark.parametrize(
        "body", [BODY, b"", b"{}", '["\u2603", 1e400]'.encode(), b'{"a":"' + b"x" * 100_000 + b'"}']
    )
    def test_signature_is_byte_for_byte_what_standardwebhooks_signs(self, body: bytes) -> None:
        secrets_ = [generate_secret(), "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"]
        at = datetime(2026, 11, 23, 9, 30, 15, 999_999, tzinfo=UTC)
        headers = signature_headers(secrets_, msg_id="msg_2abc", timestamp=at, body=body)
        expected = " ".join(Webhook(s).sign("msg_2abc", at, body.decode()) for s in secrets_)
        assert headers["webhook-signature"] == expected
        assert headers["webhook-timestamp"] == str(int(at.timestamp()))

    def test_every_secret_signs_during_rotation(self) -> None:
        old, new = generate_secret(), generate_secret()
        headers = signature_headers(
            [new, old], msg_id="msg_1", timestamp=datetime.now(UTC), body=BODY
        )
        assert len(headers["webhook-signature"].split(" ")) == 2
        Webhook(old).verify(BODY, headers)
        Webhook(new).verify(BODY, headers)

    def test_other_secret_does_not_verify(self) -> None:
        headers = signature_headers(
            [generate_secret()], msg_id="msg_1", timestamp=datetime.now(UTC), body=BODY
        )
        with pytest.raises(WebhookVerificationError):
            Webhook(generate_secret()).verify(BODY, headers)

    def test_changed_body_does_not_verify(self) -> None:
        secret = generate_secret()
        headers = signature_headers(
            [secret], msg_id="msg_1", timestamp=datetime.now(UTC), body=BODY
        )
        with pytest.raises(WebhookVerificationError):
            Webhook(secret).verify(BODY.replace(b"4200", b"4201"), headers)

    def test_timestamp_in_another_zone_is_signed_as_utc(self) -> None:
        secret = generate_secret()
        local = datetime.now(timezone(timedelta(hours=5)))
        headers = signature_headers([secret], msg_id="msg_1", timestamp=local, body=BODY)
        assert headers["webhook-timestamp"] == str(int(local.timestamp()))
        Webhook(secret).verify(BODY, headers)

    def test_webhook_id_is_the_message_id(self) -> None:
        headers = signature_headers(
            [generate_secret()], msg_id="msg_abc", timestamp=datetime.now(UTC), body=BODY
        )
        assert headers["webhook-id"] == "msg_abc"


class TestGenerateSecret:
    def test_secret_has_prefix_and_24_random_bytes(self) -> None:
        secret = generate_secret()
        assert secret.startswith("whsec_")
        assert len(secret) == len("whsec_") + 32
        assert secret != generate_secret()


class TestCheckSecret:
    def test_generated_secret_passes(self) -> None:
        secret = generate_secret()
        assert check_secret(secret) == secret

    @pytest.mark.parametrize(
        "secret",
        [
            "sk_" + "A" * 32,
            "whsec_" + "A" * 8,  # 6 bytes
            "whsec_" + "A" * 100,  # 75 bytes
            "whsec_not base64!",
        ],
    )
    def test_bad_secret_is_refused(self, secret: str) -> None:
        with pytest.raises(ValueError):
            check_secret(secret)


NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


class TestRotation:
    def test_current_secret_goes_first_with_the_grace(self) -> None:
        old = rotated_out("c1", [], now=NOW, grace=timedelta(hours=24))
        assert old == [{"secret_encrypted": "c1", "expires_at": "2026-11-24T12:00:00+00:00"}]

    def test_expired_dropped_and_at_most_ten_kept(self) -> None:
        live = [
            {"secret_encrypted": f"s{i}", "expires_at": "2026-11-24T00:00:00+00:00"}
            for i in range(12)
        ]
        expired = {"secret_encrypted": "gone", "expires_at": "2026-11-23T11:59:59+00:00"}
        old = rotated_out("c", [expired, *live], now=NOW, grace=timedelta(hours=1))
        assert [s["secret_encrypted"] for s in old] == ["c", *(f"s{i}" for i in range(9))]

    def test_active_secrets_are_current_and_unexpired(self) -> None:
        old = [
            {"secret_encrypted": "a", "expires_at": "2026-11-23T12:00:01+00:00"},
            {"secret_encrypted": "b", "expires_at": "2026-11-23T12:00:00+00:00"},
        ]
        assert active_secrets("c", old, now=NOW, decrypt=str.upper) == ["C", "A"]
        assert active_secrets("c", None, now=NOW, decrypt=str.upper) == ["C"]


class TestAsymmetricSignatures:
    """v1a: checked with PyNaCl (libsodium), not with the OpenSSL code that signs."""

    def test_v1a_signature_verifies_with_pynacl(self) -> None:
        secret_key = generate_signing_key()
        at = datetime(2026, 11, 23, 9, 30, 15, tzinfo=UTC)
        headers = signature_headers(
            [], msg_id="msg_2abc", timestamp=at, body=BODY, signing_keys=[secret_key]
        )
        version, _, signature = headers["webhook-signature"].partition(",")
        verify_key = nacl.signing.VerifyKey(_raw(public_key_of(secret_key)))
        signed = b"msg_2abc.%d.%s" % (int(at.timestamp()), BODY)
        assert version == "v1a"
        assert verify_key.verify(signed, base64.b64decode(signature)) == signed

    def test_v1a_is_byte_for_byte_what_libsodium_signs(self) -> None:
        # ed25519 is deterministic: the same key and bytes give the same signature anywhere.
        seed = nacl.signing.SigningKey.generate()
        secret_key = check_signing_key("whsk_" + base64.b64encode(bytes(seed)).decode())
        headers = signature_headers(
            [],
            msg_id="msg_1",
            timestamp=datetime.fromtimestamp(7, UTC),
            body=b"{}",
            signing_keys=[secret_key],
        )
        expected = base64.b64encode(seed.sign(b"msg_1.7.{}").signature).decode()
        assert headers["webhook-signature"] == f"v1a,{expected}"

    def test_both_schemes_list_v1_then_v1a_and_each_verifies(self) -> None:
        secret, secret_key = generate_secret(), generate_signing_key()
        headers = signature_headers(
            [secret],
            msg_id="msg_1",
            timestamp=datetime.now(UTC),
            body=BODY,
            signing_keys=[secret_key],
        )
        v1, v1a = headers["webhook-signature"].split(" ")
        assert v1.startswith("v1,") and v1a.startswith("v1a,")
        Webhook(secret).verify(BODY, headers)  # a v1 receiver ignores the v1a entry
        signed = b"%s.%s.%s" % (b"msg_1", headers["webhook-timestamp"].encode(), BODY)
        nacl.signing.VerifyKey(_raw(public_key_of(secret_key))).verify(
            signed, base64.b64decode(v1a[4:])
        )

    def test_another_key_does_not_verify(self) -> None:
        headers = signature_headers(
            [],
            msg_id="msg_1",
            timestamp=datetime.now(UTC),
            body=BODY,
            signing_keys=[generate_signing_key()],
        )
        other = nacl.signing.VerifyKey(_raw(public_key_of(generate_signing_key())))
        signed = b"msg_1.%s.%s" % (headers["webhook-timestamp"].encode(), BODY)
        with pytest.raises(nacl.exceptions.BadSignatureError):
            other.verify(signed, base64.b64decode(headers["webhook-signature"][4:]))

    def test_keys_are_the_spec_encodings(self) -> None:
        secret_key = generate_signing_key()
        raw = _raw(secret_key)
        assert secret_key.startswith("whsk_") and len(raw) == 64  # seed, then public key
        public = nacl.signing.SigningKey(raw[:32]).verify_key
        assert public_key_of(secret_key) == "whpk_" + base64.b64encode(bytes(public)).decode()
        assert raw[32:] == bytes(public)

    @pytest.mark.parametrize(
        ("given", "message"),
        [
            ("whsec_" + "A" * 44, "starts with"),
            ("whsk_***", "base64"),
            ("whsk_" + base64.b64encode(b"k" * 40).decode(), "64 bytes"),
            ("whsk_" + base64.b64encode(b"s" * 32 + b"p" * 32).decode(), "public half"),
        ],
    )
    def test_bad_keys_are_refused(self, given: str, message: str) -> None:
        with pytest.raises(ValueError, match=message):
            check_signing_key(given)

    def test_a_seed_is_completed_and_a_full_key_kept(self) -> None:
        full = generate_signing_key()
        seed_only = "whsk_" + base64.b64encode(_raw(full)[:32]).decode()
        assert check_signing_key(seed_only) == full
        assert check_signing_key(full) == full


class TestSigningKeyRotation:
    NOW = datetime(2026, 11, 23, 12, tzinfo=UTC)

    @staticmethod
    def entry(name: str, expires_at: datetime | None) -> dict[str, Any]:
        return {
            "id": name,
            "secret_encrypted": name,
            "expires_at": None if expires_at is None else expires_at.isoformat(),
        }

    def test_current_key_expires_after_the_grace_and_the_new_one_comes_first(self) -> None:
        keys = rotated_keys(
            [self.entry("old", None)],
            self.entry("new", None),
            now=self.NOW,
            grace=timedelta(hours=24),
        )
        assert [(k["id"], k["expires_at"]) for k in keys] == [
            ("new", None),
            ("old", (self.NOW + timedelta(hours=24)).isoformat()),
        ]

    def test_expired_keys_are_dropped_and_the_list_is_bounded(self) -> None:
        expired = self.entry("expired", self.NOW - timedelta(seconds=1))
        old = [self.entry(f"o{i}", self.NOW + timedelta(hours=1)) for i in range(12)]
        keys = rotated_keys(
            [expired, *old], self.entry("new", None), now=self.NOW, grace=timedelta(hours=24)
        )
        assert "expired" not in [k["id"] for k in keys]
        assert len(keys) == MAX_OLD_SECRETS + 1 and keys[0]["id"] == "new"

    def test_only_unexpired_keys_sign(self) -> None:
        keys = [
            self.entry("current", None),
            self.entry("rotating", self.NOW + timedelta(seconds=1)),
            self.entry("expired", self.NOW),
        ]
        assert active_signing_keys(keys, now=self.NOW, decrypt=str.upper) == ["CURRENT", "ROTATING"]
        assert active_signing_keys(None, now=self.NOW, decrypt=str.upper) == []


def _raw(key: str) -> bytes:
    return base64.b64decode(key.partition("_")[2])

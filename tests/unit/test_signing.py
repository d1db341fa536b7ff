from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.kit.signing import (
    active_secrets,
    check_secret,
    generate_secret,
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

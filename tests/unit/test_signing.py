from datetime import UTC, datetime, timedelta, timezone

import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from app.kit.signing import generate_secret, signature_headers

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

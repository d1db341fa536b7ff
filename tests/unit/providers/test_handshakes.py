"""Handshakes answered inline, and only to the provider."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
from slack_sdk.signature import SignatureVerifier

from app.sources.providers import InboundRequest, Rejected, SourceSecret, provider

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TS = str(int(NOW.timestamp()))


def slack_request(body: bytes, secret: str) -> InboundRequest:
    signature = SignatureVerifier(secret).generate_signature(timestamp=TS, body=body)
    assert signature is not None
    headers = {"x-slack-signature": signature, "x-slack-request-timestamp": TS}
    return InboundRequest("POST", "https://h/in/t", headers, body)


def zoom_request(body: bytes, secret: str) -> InboundRequest:
    digest = hmac.new(secret.encode(), f"v0:{TS}:".encode() + body, hashlib.sha256).hexdigest()
    headers = {"x-zm-signature": "v0=" + digest, "x-zm-request-timestamp": TS}
    return InboundRequest("POST", "https://h/in/t", headers, body)


class TestSlackUrlVerification:
    BODY = b'{"token": "t", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"}'

    def test_signed_challenge_is_echoed(self) -> None:
        reply = provider("slack").handshake(
            slack_request(self.BODY, "s1"), [SourceSecret("s1")], {}, now=NOW
        )
        assert reply is not None
        assert (reply.status, reply.content_type) == (200, "application/json")
        assert json.loads(reply.body) == {"challenge": json.loads(self.BODY)["challenge"]}

    def test_forged_challenge_is_rejected(self) -> None:
        with pytest.raises(Rejected, match="signature_invalid"):
            provider("slack").handshake(
                slack_request(self.BODY, "other"), [SourceSecret("s1")], {}, now=NOW
            )

    def test_an_event_is_not_a_handshake(self) -> None:
        body = b'{"type": "event_callback", "event": {"type": "message"}}'
        request = slack_request(body, "s1")
        assert provider("slack").handshake(request, [SourceSecret("s1")], {}, now=NOW) is None


class TestZoomUrlValidation:
    BODY = b'{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}'

    def test_reply_is_the_token_hmac_under_the_secret_that_verified(self) -> None:
        # Given a rotation overlap, Zoom signing with the old secret
        secrets = [SourceSecret("new"), SourceSecret("old", expires_at=NOW + timedelta(hours=1))]
        reply = provider("zoom").handshake(zoom_request(self.BODY, "old"), secrets, {}, now=NOW)
        assert reply is not None and reply.status == 200
        expected = hmac.new(b"old", b"qgg8vlvZRS6UYooatFL8Aw", hashlib.sha256).hexdigest()
        assert json.loads(reply.body) == {
            "plainToken": "qgg8vlvZRS6UYooatFL8Aw",
            "encryptedToken": expected,
        }

    def test_forged_validation_is_rejected(self) -> None:
        with pytest.raises(Rejected, match="signature_invalid"):
            provider("zoom").handshake(
                zoom_request(self.BODY, "x"), [SourceSecret("s")], {}, now=NOW
            )

    def test_validation_without_plain_token_is_rejected(self) -> None:
        body = b'{"event":"endpoint.url_validation","payload":{}}'
        with pytest.raises(Rejected, match="body_invalid"):
            provider("zoom").handshake(zoom_request(body, "s"), [SourceSecret("s")], {}, now=NOW)


class TestMetaSubscription:
    OPTIONS = provider("meta").check_options({"verify_token": "tok-42"})

    def get(self, token: str) -> InboundRequest:
        url = f"https://h/in/t?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444"
        return InboundRequest("GET", url, {}, b"")

    def test_right_token_gets_the_challenge(self) -> None:
        reply = provider("meta").handshake(self.get("tok-42"), [], self.OPTIONS, now=NOW)
        assert reply is not None
        assert (reply.status, reply.body, reply.content_type) == (200, b"1158201444", "text/plain")

    @pytest.mark.parametrize("options", [OPTIONS, {}], ids=["wrong token", "no token configured"])
    def test_wrong_or_unconfigured_token_is_rejected(self, options: dict[str, str]) -> None:
        with pytest.raises(Rejected, match="auth_invalid"):
            provider("meta").handshake(self.get("tok-41"), [], options, now=NOW)

    def test_a_post_is_not_a_handshake(self) -> None:
        request = InboundRequest("POST", "https://h/in/t?hub.mode=subscribe", {}, b"{}")
        assert provider("meta").handshake(request, [], self.OPTIONS, now=NOW) is None


def test_presets_without_a_handshake_answer_none() -> None:
    request = InboundRequest("POST", "https://h/in/t", {}, b'{"type": "url_verification"}')
    for name in ("stripe", "github", "standard_webhooks", "none"):
        assert provider(name).handshake(request, [], {}, now=NOW) is None

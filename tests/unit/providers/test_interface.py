"""The registry and the interface the ingest path builds on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import standardwebhooks

from app.sources.providers import PROVIDERS, InboundRequest, Rejected, SourceSecret, provider

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)


class TestRegistry:
    def test_unknown_provider_is_a_key_error(self) -> None:
        with pytest.raises(KeyError):
            provider("nope")

    def test_every_preset_is_registered_under_its_name(self) -> None:
        assert all(p.name == name for name, p in PROVIDERS.items())
        assert {"none", "standard_webhooks", "basic_auth", "api_key"} <= set(PROVIDERS)


class TestNone:
    def test_accepts_anything_and_reads_the_json_type(self) -> None:
        request = InboundRequest("POST", "https://h/in/t", {}, b'{"type": "a.b", "id": 1}')
        provider("none").verify(request, [], {}, now=NOW)
        (event,) = provider("none").events(request, {})
        assert (event.event_type, event.dedup_key) == ("a.b", None)
        assert event.content_type == "application/octet-stream"

    def test_options_override_type_and_dedup(self) -> None:
        options = provider("none").check_options(
            {"dedup": {"json_path": "$.id"}, "event_type": {"header": "X-Kind"}}
        )
        request = InboundRequest("POST", "https://h/in/t", {"x-kind": "k"}, b'{"id": 7}')
        (event,) = provider("none").events(request, options)
        assert (event.event_type, event.dedup_key) == ("k", "7")
        assert provider("none").check_options(options) == options


class TestStandardWebhooksSmoke:
    def test_signed_by_the_library_is_accepted_and_keyed_by_webhook_id(self) -> None:
        secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        body = b'{"type": "invoice.paid"}'
        signature = standardwebhooks.Webhook(secret).sign("msg_1", NOW, body.decode())
        headers = {
            "webhook-id": "msg_1",
            "webhook-timestamp": str(int(NOW.timestamp())),
            "webhook-signature": signature,
        }
        request = InboundRequest("POST", "https://h/in/t", headers, body)
        preset = provider("standard_webhooks")
        preset.verify(request, [SourceSecret(secret, None)], {}, now=NOW)
        assert [(e.event_type, e.dedup_key) for e in preset.events(request, {})] == [
            ("invoice.paid", "msg_1")
        ]
        with pytest.raises(Rejected) as stale:
            preset.verify(request, [SourceSecret(secret)], {}, now=NOW + timedelta(minutes=6))
        assert stale.value.cause == "timestamp_stale"

"""What a verified request becomes: event types, dedup keys, HubSpot's batch split byte-exact."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from app.sources.providers import InboundRequest, provider


def request(
    body: bytes, headers: dict[str, str] | None = None, url: str = "https://h/in/t"
) -> InboundRequest:
    return InboundRequest("POST", url, headers or {}, body)


class TestHubSpotBatch:
    def test_each_element_is_an_event_with_its_exact_bytes_and_own_id(self) -> None:
        # Given odd spacing, nesting and escaped and raw unicode that a re-encoding would change
        body = (
            ' \n[ {"eventId": 1, "subscriptionType": "contact.creation", "n": {"a": [1, "]"]}} ,\n'
            '{"eventId":2,"subscriptionType":"deal.propertyChange","v":"\\u00e9 é"}]\n'
        ).encode()
        events = provider("hubspot").events(request(body, {"content-type": "application/json"}), {})
        assert [(e.event_type, e.dedup_key) for e in events] == [
            ("contact.creation", "1"),
            ("deal.propertyChange", "2"),
        ]
        assert (
            events[0].body
            == b'{"eventId": 1, "subscriptionType": "contact.creation", "n": {"a": [1, "]"]}}'
        )
        assert (
            events[1].body
            == '{"eventId":2,"subscriptionType":"deal.propertyChange","v":"\\u00e9 é"}'.encode()
        )
        assert all(e.content_type == "application/json" for e in events)

    def test_an_empty_batch_is_no_event(self) -> None:
        assert provider("hubspot").events(request(b" [ ] "), {}) == []

    @pytest.mark.parametrize("body", [b'{"eventId": 3}', b"[1, 2", b"[1] x", b"\xff"])
    def test_a_body_that_is_not_an_array_is_one_event_kept_whole(self, body: bytes) -> None:
        (event,) = provider("hubspot").events(request(body), {})
        assert event.body == body

    def test_a_configured_dedup_path_reads_each_element(self) -> None:
        options = provider("hubspot").check_options({"dedup": {"json_path": "$.objectId"}})
        body = b'[{"objectId": 7}, {"objectId": 8}]'
        assert [e.dedup_key for e in provider("hubspot").events(request(body), options)] == [
            "7",
            "8",
        ]


class TestEventTypes:
    def test_github_ping_and_form_payloads(self) -> None:
        github = provider("github")
        ping = request(b'{"zen": "x", "hook_id": 1}', {"x-github-event": "ping"})
        assert github.events(ping, {})[0].event_type == "ping"
        form = urlencode({"payload": json.dumps({"action": "created"})}).encode()
        assert (
            github.events(request(form, {"x-github-event": "issues"}), {})[0].event_type
            == "issues.created"
        )

    def test_slack_interactivity_payload(self) -> None:
        body = urlencode({"payload": json.dumps({"type": "block_actions"})}).encode()
        (event,) = provider("slack").events(request(body), {})
        assert (event.event_type, event.dedup_key) == ("block_actions", None)

    def test_twilio_call_status(self) -> None:
        body = urlencode({"CallSid": "CA1", "CallStatus": "completed"}).encode()
        assert provider("twilio").events(request(body), {})[0].event_type == "call.completed"

    def test_untyped_body_is_a_webhook(self) -> None:
        (event,) = provider("none").events(request(b"plain text"), {})
        assert (event.event_type, event.content_type) == ("webhook", "application/octet-stream")


class TestOverrides:
    def test_dedup_from_a_query_parameter_and_type_from_a_header(self) -> None:
        stripe = provider("stripe")
        options = stripe.check_options({"dedup": {"query": "d"}, "event_type": {"header": "X-T"}})
        (event,) = stripe.events(
            request(b'{"id": "evt_1", "type": "a"}', {"x-t": "b.c"}, "https://h/in/t?d=42"), options
        )
        assert (event.event_type, event.dedup_key) == ("b.c", "42")

    def test_dedup_off(self) -> None:
        options = provider("stripe").check_options({"dedup": "off"})
        (event,) = provider("stripe").events(request(b'{"id": "evt_1", "type": "a"}'), options)
        assert event.dedup_key is None

    def test_a_locator_that_finds_nothing_falls_back_to_no_key_and_the_preset_type(self) -> None:
        options = provider("stripe").check_options(
            {"dedup": {"json_path": "$.data[3].id"}, "event_type": {"header": "x-none"}}
        )
        (event,) = provider("stripe").events(
            request(b'{"id": "evt_1", "type": "a", "data": []}'), options
        )
        assert (event.event_type, event.dedup_key) == ("a", None)

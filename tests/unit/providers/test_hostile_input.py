"""Whatever arrives, a preset answers with Rejected or an event, never another exception (the
ingest path would turn one into a 500 and the provider into a retry storm)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.sources.providers import PROVIDERS, InboundRequest, Rejected, SourceSecret, provider
from tests.unit.providers.cases import CASES, GENERIC_OPTIONS

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
NUMBERISH = st.one_of(TEXT, st.integers().map(str), st.just("99999999999999999999"))
HEADER_NAMES = sorted({c.signature_header for c in CASES} | {
    "x-slack-request-timestamp", "x-zm-request-timestamp", "x-hubspot-request-timestamp",
    "webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp", "x-timestamp",
    "x-twilio-webhooks-signature-settings", "x-github-event", "x-shopify-topic",
})  # fmt: skip
BODIES = st.one_of(
    st.binary(max_size=200),
    st.just(b"[" * 5000),
    st.just(b'{"webhookTimestamp": 1e400, "type": {}, "event": [], "payload": 3}'),
    st.just(b'[{"eventId": null}, 1, "x", [], {"eventId": 1.5}]'),
)
URLS = st.one_of(
    st.just("https://h:99999/in/t"),
    st.just("https://h:x/in/t?bodySHA256=zz"),
    TEXT.map(lambda t: "https://h/in/t?" + t),
)
OPTIONS = {"generic_hmac": GENERIC_OPTIONS, "meta": {"verify_token": "t"}}


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    name=st.sampled_from(sorted(PROVIDERS)),
    method=st.sampled_from(["POST", "GET"]),
    url=URLS,
    headers=st.dictionaries(st.sampled_from(HEADER_NAMES), NUMBERISH, max_size=6),
    body=BODIES,
    secret=st.sampled_from(["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "not base64!", "u:p"]),
)
def test_any_request_is_rejected_or_read_never_crashes(
    name: str, method: str, url: str, headers: dict[str, str], body: bytes, secret: str
) -> None:
    preset = provider(name)
    options = preset.check_options(OPTIONS.get(name, {}))
    request = InboundRequest(method, url, headers, body)
    secrets = [SourceSecret(secret)]
    try:
        preset.handshake(request, secrets, options, now=NOW)
        preset.verify(request, secrets, options, now=NOW)
    except Rejected as rejected:
        assert rejected.cause
    events = preset.events(request, options)
    assert all(isinstance(e.event_type, str) and e.event_type for e in events)

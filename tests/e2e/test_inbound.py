"""Inbound end to end (guarantee 9): real ``hookrelay`` processes on both runtime shapes, a
provider signing as Stripe does, and the real receiver as two internal destinations that verify
Hookrelay's Standard Webhooks signature, each with its own secret."""

from __future__ import annotations

import hashlib
import secrets
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import stripe

from tests.e2e.harness import (
    PublishStream,
    Receiver,
    Service,
    Stack,
    assert_all_delivered,
    duplicates,
    start_embedded,
    start_production,
    start_receiver,
    wait_mid_stream,
    wait_ready,
    wait_until,
)
from tests.e2e.harness.inbound import (
    DESTINATIONS_ON_LOOPBACK,
    InboundSetup,
    inbound_log,
    ingest_stream,
    message_ids_by_dedup_key,
    set_up_stripe_source,
    stripe_event,
    stripe_secret,
    stripe_signed,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

Summary = Callable[[str, object], None]

# Retries a second apart and a circuit that cools down in a second: destinations that come back
# are tried again at once.
SHORT_RETRIES = {
    "HOOKRELAY_RETRY_SCHEDULE": ",".join(["1"] * 10),
    "HOOKRELAY_RETRY_JITTER": "0",
    "HOOKRELAY_SCHEDULER_INTERVAL_SECONDS": "0.2",
    "HOOKRELAY_CIRCUIT_COOLDOWN_SECONDS": "1",
    "HOOKRELAY_CIRCUIT_MAX_COOLDOWN_SECONDS": "2",
    "HOOKRELAY_REQUEST_TIMEOUT_SECONDS": "2",
    "HOOKRELAY_CONNECT_TIMEOUT_SECONDS": "1",
    "HOOKRELAY_STUCK_AFTER_SECONDS": "3",
}


def start_shape(request: pytest.FixtureRequest, stack: Stack, shape: str) -> Service:
    """``hookrelay dev`` (loopback destinations need no setting there), or the production
    processes on a fresh database and vhost with loopback allowed for destinations."""
    if shape == "embedded":
        return start_embedded(stack, settings=SHORT_RETRIES)
    return start_production(
        stack,
        database_url=request.getfixturevalue("database_url"),
        broker_url=request.getfixturevalue("broker_url"),
        settings=SHORT_RETRIES | DESTINATIONS_ON_LOOPBACK,
    )


def post_signed(setup: InboundSetup, body: bytes, *, secret: str | None = None) -> httpx.Response:
    """POST ``body`` to the ingest URL as Stripe would, signed with ``secret`` (the source's)."""
    headers = stripe_signed(body, secret or setup.secret)
    return httpx.post(setup.ingest_url, content=body, headers=headers, timeout=30)


def outcome_of(answer: httpx.Response) -> str:
    assert answer.status_code == 200, answer.text
    (event,) = answer.json()["events"]
    return str(event["outcome"])


def wait_tried(service: Service, setup: InboundSetup, event_id: str, *, stack: Stack) -> None:
    """Until the inbound event shows a failed try at each destination (they are down)."""
    path = f"/api/v1/sources/{setup.source_id}/events/{event_id}"

    def failed_everywhere() -> bool:
        with service.client() as api:
            detail = api.get(path).json()
        failed = {a["endpoint_id"] for a in detail["attempts"] if a["status"] == "failed"}
        return failed == set(setup.destination_ids)

    wait_until(failed_everywhere, timeout_seconds=30, stack=stack, what="a failed try at each")


def received_bodies(receiver: Receiver, path: str) -> Counter[tuple[str, str]]:
    """(content type, body SHA-256) of every 2xx, verified receipt at ``path``."""
    return Counter(
        (r["content_type"], r["body_sha256"])
        for r in receiver.records()
        if r["path"] == path and r["verified"] and 200 <= r["status"] < 300
    )


@pytest.mark.parametrize("shape", ["embedded", "production"])
def test_guarantee_9_a_stripe_event_reaches_both_destinations_once_byte_exact(
    request: pytest.FixtureRequest, stack: Stack, shape: str, summary: Summary
) -> None:
    # Given a Stripe source with two destinations on a receiver that verifies Hookrelay's
    # signature with each destination's own secret
    receiver = start_receiver(stack)
    service = start_shape(request, stack, shape)
    setup = set_up_stripe_source(service, receiver, destinations=2)
    run = secrets.token_hex(4)
    first = stripe_event(f"evt_{run}_0")
    content_type = stripe_signed(first, setup.secret)["content-type"]
    signature = stripe_signed(first, setup.secret)["stripe-signature"]
    assert stripe.Webhook.construct_event(first, signature, setup.secret)["id"] == f"evt_{run}_0"

    # When the event is posted, then posted again (Stripe's retry, signed anew), and a forged
    # event (another secret) and a tampered one (the first signature on another body) follow
    assert outcome_of(post_signed(setup, first)) == "accepted"
    assert outcome_of(post_signed(setup, first)) == "duplicate"
    forged = stripe_event(f"evt_{run}_forged")
    forged_answer = post_signed(setup, forged, secret=stripe_secret())
    tampered = first.replace(b"4200", b"9999")
    tampered_answer = httpx.post(
        setup.ingest_url,
        content=tampered,
        headers={"stripe-signature": signature, "content-type": content_type},
    )

    # Then the forgeries are refused with their cause
    assert (forged_answer.status_code, forged_answer.json()["code"]) == (401, "signature_invalid")
    assert (tampered_answer.status_code, tampered_answer.json()["code"]) == (
        401,
        "signature_invalid",
    )
    # And the event reaches each destination, verified, byte-exact with its content type
    expected = Counter({(content_type, hashlib.sha256(first).hexdigest()): 1})
    for path in setup.paths:
        wait_until(
            lambda path=path: received_bodies(receiver, path) == expected,
            timeout_seconds=30,
            stack=stack,
            what=f"the event at {path}",
        )

    # When the destinations go down and five more events are posted
    receiver.stop()
    later = [stripe_event(f"evt_{run}_{n}") for n in range(1, 6)]
    ack_seconds, answers = [], []
    for body in later:
        began = time.monotonic()
        answers.append(post_signed(setup, body))
        ack_seconds.append(time.monotonic() - began)

    # Then each is acknowledged at once, as before
    summary(f"{shape}: acks with destinations down (ms)", [round(s * 1000) for s in ack_seconds])
    assert [outcome_of(a) for a in answers] == ["accepted"] * 5
    assert max(ack_seconds) < 2.0
    # And once tried and failed at both, and the destinations back, everything arrives, once
    wait_tried(service, setup, answers[-1].json()["events"][0]["id"], stack=stack)
    receiver.start_again(stack)
    expected += Counter((content_type, hashlib.sha256(b).hexdigest()) for b in later)
    for path in setup.paths:
        wait_until(
            lambda path=path: received_bodies(receiver, path) == expected,
            timeout_seconds=60,
            stack=stack,
            what=lambda path=path: f"six events at {path}, have {received_bodies(receiver, path)}",
        )
    assert duplicates([r for r in receiver.records() if 200 <= r["status"] < 300]) == {}
    assert [r for r in receiver.records() if r["status"] < 300 and not r["verified"]] == []
    # And the inbound log holds six accepted events, the retry as a duplicate, two rejections
    outcomes = Counter(e["outcome"] for e in inbound_log(service, setup.source_id))
    assert outcomes == {"accepted": 6, "duplicate": 1, "rejected": 2}


@pytest.mark.timeout(180)
def test_guarantee_9_api_killed_during_a_signed_stream_loses_and_repeats_nothing(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes and a Stripe source with two destinations on a receiver
    receiver = start_receiver(stack)
    service = start_production(
        stack,
        database_url=database_url,
        broker_url=broker_url,
        settings=SHORT_RETRIES | DESTINATIONS_ON_LOOPBACK,
    )
    setup = set_up_stripe_source(service, receiver, destinations=2)
    stream = PublishStream(events=400, prefix="evt_" + secrets.token_hex(4))

    # When 400 Stripe-signed events are posted at 100/s, each retried until a 2xx, and the API
    # is killed (SIGKILL) once a quarter were acknowledged, while a request has been out for
    # 20 ms, then started again
    with ThreadPoolExecutor(1) as pool:
        streaming = pool.submit(ingest_stream, setup, stream)
        wait_mid_stream(stream, stack=stack, what="acknowledged")
        killed_at = time.time()
        stack.kill("api")
        stack.start_again("api")
        wait_ready(service, stack)
        summary("api ready again after the kill (s)", round(time.time() - killed_at, 2))
        streaming.result()

    # Then every event was acknowledged in the end, and stored as exactly one accepted event
    # (a try stored before the kill whose answer was lost is acknowledged as a duplicate)
    no_answer = sum(t.status is None for t in stream.tries)
    summary("requests with no answer (retried)", no_answer)
    summary("acknowledged as: ", dict(Counter(stream.ids_by_event.values())))
    assert no_answer > 0
    assert len(stream.ids_by_event) == stream.events
    stored = message_ids_by_dedup_key(inbound_log(service, setup.source_id))
    assert sorted(stored) == sorted(stream.event_id(n) for n in range(stream.events))
    assert {len(messages) for messages in stored.values()} == {1}
    # And each reached both destinations, verified, once
    message_ids = [messages[0] for messages in stored.values()]
    tally = assert_all_delivered(
        receiver, setup.as_setup(), message_ids, stack=stack, database_url=database_url
    )
    summary("counts", tally)
    assert tally.duplicates == 0

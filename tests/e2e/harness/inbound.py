"""Inbound as the tests and the bench use it: a Stripe source with destinations on the receiver,
Stripe-signed events, and a stream of signed requests that rides out an API restart."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from tests.e2e.harness.api import (
    PublishStream,
    Setup,
    create_with_secret,
    post_once,
    run_stream,
    send_until_2xx,
)
from tests.e2e.harness.processes import Receiver
from tests.e2e.harness.services import Service

# Destinations are internal services: outside `hookrelay dev` they need this to reach loopback.
DESTINATIONS_ON_LOOPBACK = {"HOOKRELAY_DESTINATION_ALLOW": "127.0.0.0/8"}


def stripe_secret() -> str:
    """A Stripe endpoint secret as Stripe shows it (Stripe keys its HMAC with the whole string)."""
    return "whsec_" + secrets.token_urlsafe(24)


def stripe_event(event_id: str, *, size_bytes: int = 0) -> bytes:
    """A Stripe event body, written the way no JSON encoder would (spacing, a raw UTF-8 and an
    escaped character), so that a body re-encoded anywhere on the way no longer matches;
    ``size_bytes`` pads it to about that size."""
    head = (
        '{"id": "' + event_id + '",  "object":"event", "type":"invoice.paid",\n'
        ' "data": {"object": {"amount": 4200, "note": "caf\u00e9 \\u00e9", "pad": "'
    )
    tail = '"}}}'
    pad = max(0, size_bytes - len(head.encode()) - len(tail))
    return (head + "x" * pad + tail).encode()


def stripe_signed(body: bytes, secret: str, *, timestamp: int | None = None) -> dict[str, str]:
    """The headers Stripe sends with ``body``: ``Stripe-Signature: t=…,v1=…``, the HMAC-SHA256 of
    ``{t}.{body}`` keyed with the whole secret (what ``stripe.Webhook.construct_event`` checks)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), b"%d.%s" % (t, body), hashlib.sha256).hexdigest()
    return {
        "stripe-signature": f"t={t},v1={mac}",
        "content-type": "application/json; charset=utf-8",
    }


@dataclass(frozen=True)
class InboundSetup:
    """A Stripe source and its destinations on the receiver, one path each."""

    source_id: str
    ingest_url: str
    secret: str
    destination_ids: list[str]
    paths: list[str]

    def as_setup(self) -> Setup:
        """The destinations as the outbound checks see endpoints (the source's hidden tenant)."""
        return Setup(self.source_id, self.destination_ids, self.paths)


def set_up_stripe_source(
    service: Service, receiver: Receiver | str, *, destinations: int, prefix: str = "/dst"
) -> InboundSetup:
    """A Stripe source with ``destinations`` destinations on the receiver (``{prefix}/0``, …),
    and the receiver told each destination's own secret; ``receiver`` may instead be a base URL
    where nothing verifies (a destination that is down)."""
    secret = stripe_secret()
    ids, paths, secrets_by_path = [], [], {}
    with service.client() as api:
        answer = api.post(
            "/api/v1/sources", json={"name": "stripe", "provider": "stripe", "secret": secret}
        )
        assert answer.status_code == 201, answer.text
        source = answer.json()
        base = f"/api/v1/sources/{source['id']}/destinations"
        for n in range(destinations):
            path = f"{prefix}/{n}"
            url = receiver + path if isinstance(receiver, str) else receiver.url(path)
            body = {"url": url, "event_types": ["invoice.*"]}
            destination_id, secrets_by_path[path] = create_with_secret(api, base, body)
            ids.append(destination_id)
            paths.append(path)
    if not isinstance(receiver, str):
        receiver.set_secrets(secrets_by_path)
    return InboundSetup(source["id"], source["ingest_url"], secret, ids, paths)


def inbound_log(
    service: Service, source_id: str, *, outcome: str | None = None
) -> list[dict[str, Any]]:
    """Every event of the source's inbound log (every page), newest first."""
    events: list[dict[str, Any]] = []
    params: dict[str, Any] = {"limit": 100} | ({"outcome": outcome} if outcome else {})
    with service.client() as api:
        while True:
            answer = api.get(f"/api/v1/sources/{source_id}/events", params=params)
            assert answer.status_code == 200, answer.text
            page = answer.json()
            events.extend(page["data"])
            if not page.get("next_cursor"):
                return events
            params["cursor"] = page["next_cursor"]


def message_ids_by_dedup_key(events: Sequence[dict[str, Any]]) -> dict[str, list[str]]:
    """The messages of the accepted events, per dedup key (the provider's event id)."""
    found: dict[str, list[str]] = {}
    for event in events:
        if event["outcome"] == "accepted":
            found.setdefault(event["dedup_key"], []).append(event["message_id"])
    return found


async def _ingest_stream(
    setup: InboundSetup, stream: PublishStream, *, concurrency: int, rate: float
) -> None:
    async def send(session: aiohttp.ClientSession, n: int) -> None:
        body = stripe_event(stream.event_id(n))

        def post() -> Awaitable[tuple[int | None, str]]:
            # Signed anew on every try, as Stripe does when it retries.
            headers = stripe_signed(body, setup.secret)
            return post_once(session, setup.ingest_url, headers, data=body)

        answered = await send_until_2xx(stream, n, post, retry=True, give_up_seconds=90)
        assert answered is not None
        times, text = answered
        (event,) = json.loads(text)["events"]
        stream.ids_by_event[stream.event_id(n)] = event["outcome"]
        stream.published.append(times)

    await run_stream(stream, send, batch_size=1, concurrency=concurrency, rate=rate)


def ingest_stream(
    setup: InboundSetup, stream: PublishStream, *, concurrency: int = 8, rate: float = 100.0
) -> PublishStream:
    """Post ``stream.events`` Stripe-signed events (ids ``stream.event_id(n)``) at ``rate`` a
    second, each retried until it is answered 2xx, as Stripe does; ``stream.ids_by_event`` holds
    the outcome of each event's answering request (accepted, or duplicate when an earlier try
    was stored but its answer lost)."""
    asyncio.run(_ingest_stream(setup, stream, concurrency=concurrency, rate=rate))
    return stream

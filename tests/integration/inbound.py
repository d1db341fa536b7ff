"""Helpers of the inbound tests: sources, destinations and Standard Webhooks-signed requests."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from standardwebhooks import Webhook

from app.sources.controllers import handoff
from tests.integration.conftest import queued_delivery_ids

Client = AsyncTestClient[Any]
PROVIDER_SECRET = "whsec_" + base64.b64encode(b"provider-signing-key-0123456789ab").decode()


async def create_source(client: Client, **fields: Any) -> dict[str, Any]:
    body = {"name": "payments", "provider": "standard_webhooks", "secret": PROVIDER_SECRET}
    response = await client.post("/api/v1/sources", json=body | fields)
    assert response.status_code == 201, response.text
    return dict(response.json())


async def create_destination(
    client: Client, source: dict[str, Any], url: str, **fields: Any
) -> dict[str, Any]:
    response = await client.post(
        f"/api/v1/sources/{source['id']}/destinations", json={"url": url} | fields
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def handed_over(client: Client, broker: StubBroker) -> list[str]:
    """The delivery ids queued on the broker once the ingest path's handoff, which sends them
    after the answer, has sent what it was given so far."""
    await handoff(client.app.state).wait_sent()
    return queued_delivery_ids(broker)


def ingest_path(source: dict[str, Any]) -> str:
    return "/in/" + str(source["ingest_url"]).rsplit("/in/", 1)[1]


def signed(
    body: bytes,
    *,
    msg_id: str = "msg_provider_1",
    secret: str = PROVIDER_SECRET,
    at: datetime | None = None,
    content_type: str = "application/json; charset=utf-8",
) -> dict[str, str]:
    """Headers that the provider's own Standard Webhooks library signs ``body`` with."""
    timestamp = at or datetime.now(UTC)
    signature = Webhook(secret).sign(msg_id, timestamp, body.decode())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp.timestamp())),
        "webhook-signature": signature,
        "content-type": content_type,
    }

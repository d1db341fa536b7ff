"""Inbound Standard Webhooks ``v1a`` (ed25519, signed by PyNaCl), HubSpot's legacy v1/v2
signatures (signed by ``hubspot-api-client``) and Paddle Classic (RSA over PHP-serialized fields,
serialized by ``phpserialize``) through the ingest URL, on both databases."""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import nacl.signing
from dramatiq.brokers.stub import StubBroker
from hubspot.utils.signature import Signature
from sqlalchemy import select

from app.models import InboundEvent
from tests.factories import send_deliveries
from tests.integration.inbound import (
    Client,
    create_destination,
    create_source,
    handed_over,
    ingest_path,
)
from tests.integration.receiver import Receiver
from tests.unit.providers.cases import PADDLE_CLASSIC_KEYS, PADDLE_CLASSIC_PEMS, paddle_classic_form
from workers.delivery import DeliveryContext

BODY = b'{"type":"invoice.paid","data":{"id":"in_1"}}'
SIGNING_KEY = nacl.signing.SigningKey(b"\x07" * 32)
PUBLIC_KEY = "whpk_" + base64.b64encode(bytes(SIGNING_KEY.verify_key)).decode()
HUBSPOT_SECRET = "hubspot-client-secret"
HUBSPOT_BODY = b'[{"eventId":21,"subscriptionType":"deal.creation"},{"eventId":22}]'
PADDLE_FIELDS = {
    "alert_name": "subscription_created",
    "alert_id": "1865742209",
    "status": "active",
    "passthrough": "ü&=",
}


def v1a_signed(
    body: bytes, *, msg_id: str, key: nacl.signing.SigningKey = SIGNING_KEY
) -> dict[str, str]:
    ts = int(datetime.now(UTC).timestamp())
    signature = key.sign(b"%s.%d.%s" % (msg_id.encode(), ts, body)).signature
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": "v1a," + base64.b64encode(signature).decode(),
        "content-type": "application/json",
    }


def hubspot_signed(source: dict[str, Any], version: str) -> dict[str, str]:
    url = source["ingest_url"]
    signature = Signature.get_signature(HUBSPOT_SECRET, HUBSPOT_BODY.decode(), version, url, "POST")
    return {
        "x-hubspot-signature": signature,
        "x-hubspot-signature-version": version,
        "content-type": "application/json",
    }


async def causes(sessions: Any) -> list[str | None]:
    async with sessions() as session:
        return list(await session.scalars(select(InboundEvent.cause).order_by(InboundEvent.id)))


class TestStandardWebhooksV1a:
    async def test_a_source_holding_a_public_key_takes_v1a_and_delivers_it(
        self,
        client: Client,
        sessions: Any,
        broker: StubBroker,
        receiver: Receiver,
        ctx: DeliveryContext,
    ) -> None:
        # Given a source whose secret is the sender's ed25519 public key, with a destination
        source = await create_source(client, secret=PUBLIC_KEY)
        await create_destination(client, source, receiver.url("/d"))

        # When the sender posts a v1a-signed event, then one signed by another key
        path = ingest_path(source)
        good = await client.post(path, content=BODY, headers=v1a_signed(BODY, msg_id="msg_a"))
        other_key = nacl.signing.SigningKey(b"\x08" * 32)
        forged_headers = v1a_signed(BODY, msg_id="msg_b", key=other_key)
        forged = await client.post(path, content=BODY, headers=forged_headers)

        # Then the first is accepted and delivered byte-exact, the forged one refused and kept
        assert good.json()["events"][0]["outcome"] == "accepted", good.text
        assert (forged.status_code, forged.json()["code"]) == (401, "signature_invalid")
        assert await send_deliveries(ctx, await handed_over(client, broker)) == 1
        assert [r.body for r in receiver.requests] == [BODY]
        assert await causes(sessions) == [None, "signature_invalid"]

    async def test_a_malformed_public_key_is_refused_when_saved(self, client: Client) -> None:
        for secret in ("whpk_!!", "whpk_" + base64.b64encode(b"too short").decode()):
            body = {"name": "x", "provider": "standard_webhooks", "secret": secret}
            response = await client.post("/api/v1/sources", json=body)
            assert (response.status_code, response.json()["code"]) == (400, "invalid_secret")
        assert (await client.get("/api/v1/sources")).json()["data"] == []


class TestHubSpotLegacy:
    async def test_legacy_signatures_are_refused_until_the_source_opts_in(
        self, client: Client, sessions: Any
    ) -> None:
        # Given a HubSpot source that has not opted in
        source = await create_source(client, provider="hubspot", secret=HUBSPOT_SECRET)
        path = ingest_path(source)

        # When HubSpot posts a v1-signed batch: refused, recorded with its cause
        refused = await client.post(
            path, content=HUBSPOT_BODY, headers=hubspot_signed(source, "v1")
        )
        assert (refused.status_code, refused.json()["code"]) == (401, "signature_unsupported")
        assert await causes(sessions) == ["signature_unsupported"]

        # When the source opts in (a bad value is a 400 that changes nothing)
        base = f"/api/v1/sources/{source['id']}"
        bad = await client.patch(base, json={"options": {"legacy_signatures": "yes"}})
        assert (bad.status_code, bad.json()["code"]) == (400, "invalid_options")
        assert (await client.get(base)).json()["options"] == {}
        opted = await client.patch(base, json={"options": {"legacy_signatures": True}})
        assert opted.json()["options"] == {"legacy_signatures": True}

        # Then v1 and v2 both verify, one event per element, and the second copy is a duplicate
        v1 = await client.post(path, content=HUBSPOT_BODY, headers=hubspot_signed(source, "v1"))
        v2 = await client.post(path, content=HUBSPOT_BODY, headers=hubspot_signed(source, "v2"))
        assert [e["outcome"] for e in v1.json()["events"]] == ["accepted", "accepted"]
        assert [e["outcome"] for e in v2.json()["events"]] == ["duplicate", "duplicate"]
        # And a v2 signature made for another URL is refused
        elsewhere = dict(source, ingest_url=source["ingest_url"] + "x")
        moved = await client.post(
            path, content=HUBSPOT_BODY, headers=hubspot_signed(elsewhere, "v2")
        )
        assert (moved.status_code, moved.json()["code"]) == (401, "signature_invalid")


class TestPaddleClassic:
    async def test_a_signed_form_is_accepted_once_and_a_forged_one_refused(
        self,
        client: Client,
        sessions: Any,
        broker: StubBroker,
        receiver: Receiver,
        ctx: DeliveryContext,
    ) -> None:
        # Given a Paddle Classic source holding the vendor's public key, and two destinations
        # (one selects active subscriptions by a form field, the other another alert)
        refused = await client.post(
            "/api/v1/sources",
            json={"name": "p", "provider": "paddle_classic", "secret": "pdl_ntfset_01"},
        )
        assert (refused.status_code, refused.json()["code"]) == (400, "invalid_secret")
        source = await create_source(
            client, provider="paddle_classic", secret=PADDLE_CLASSIC_PEMS[0]
        )
        active = {"path": "$.status", "op": "eq", "value": "active"}
        await create_destination(
            client,
            source,
            receiver.url("/subs"),
            event_types=["subscription_created"],
            payload_filter=active,
        )
        await create_destination(
            client, source, receiver.url("/refunds"), event_types=["payment_refunded"]
        )

        # When Paddle posts a signed alert twice, then one signed by another key
        body = paddle_classic_form(PADDLE_FIELDS)
        form = {"content-type": "application/x-www-form-urlencoded"}
        first = await client.post(ingest_path(source), content=body, headers=form)
        again = await client.post(ingest_path(source), content=body, headers=form)
        forged = await client.post(
            ingest_path(source),
            content=paddle_classic_form(PADDLE_FIELDS, key=PADDLE_CLASSIC_KEYS[1]),
            headers=form,
        )

        # Then the first is accepted and reaches the one destination that selects it, byte-exact
        assert [first.json()["events"][0]["outcome"], again.json()["events"][0]["outcome"]] == [
            "accepted",
            "duplicate",
        ]
        assert (forged.status_code, forged.json()["code"]) == (401, "signature_invalid")
        assert await send_deliveries(ctx, await handed_over(client, broker)) == 1
        assert [(r.path, r.body) for r in receiver.requests] == [("/subs", body)]
        async with sessions() as session:
            accepted = await session.scalar(
                select(InboundEvent).where(InboundEvent.outcome == "accepted")
            )
        assert accepted is not None
        assert (accepted.event_type, accepted.dedup_key) == ("subscription_created", "1865742209")

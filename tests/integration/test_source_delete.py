"""A source's soft delete on both databases: one short UPDATE (with its destinations'), gone at once
for every route and its ingest URL, nothing sent to its destinations again, and its history
purged later by retention in short batches, through the scheduler's own ``purge_once``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, insert, select

from app.config import Settings
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import (
    Attempt,
    Delivery,
    Endpoint,
    InboundDedup,
    InboundEvent,
    Message,
    MessagePayload,
    Source,
    Tenant,
)
from tests.factories import send_deliveries
from tests.integration.inbound import (
    Client,
    create_destination,
    create_source,
    handed_over,
    ingest_path,
    signed,
)
from tests.integration.receiver import Receiver
from tests.integration.test_retention import insert_history, statements_run
from workers.delivery import DeliveryContext
from workers.scheduler import purge_once

BODY = b'{"type":"invoice.paid","data":{"id":"in_1"}}'
HISTORY = (Message, MessagePayload, Delivery, Attempt, InboundEvent, InboundDedup)


async def rows(sessions: Any, model: Any, *where: Any) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(model).where(*where)
        return int(await session.scalar(query) or 0)


async def source_row(sessions: Any, source_id: str) -> Source | None:
    async with sessions() as session:
        found: Source | None = await session.get(Source, source_id)
        return found


async def insert_inbound_history(
    sessions: Any, source: dict[str, Any], endpoint_id: str, *, count: int
) -> None:
    """``count`` accepted events of ``source`` (each a message with payload, a delivered
    delivery, one attempt and a dedup key) and as many rejected requests, inserted in bulk as a
    long-lived source accumulates them."""
    async with sessions() as session:
        tenant_id = (await session.get_one(Source, source["id"])).tenant_id
    message_ids = await insert_history(sessions, tenant_id, endpoint_id, count=count)
    at = utc_now() - timedelta(hours=1)
    event = {"source_id": source["id"], "method": "POST", "url": "u", "headers": {}}
    accepted = [
        event | {"id": new_id("iev"), "outcome": "accepted", "message_id": m, "created_at": at}
        for m in message_ids
    ]
    rejected = [
        event | {"id": new_id("iev"), "outcome": "rejected", "cause": "x", "created_at": at}
        for _ in message_ids
    ]
    keys = [
        {
            "source_id": source["id"],
            "dedup_key": f"key-{n}",
            "event_id": item["id"],
            "expires_at": at + timedelta(days=7),
        }
        for n, item in enumerate(accepted)
    ]
    async with sessions() as session:
        await session.execute(
            insert(MessagePayload),
            [{"message_id": m, "body": b"{}", "headers": {}} for m in message_ids],
        )
        await session.execute(insert(InboundEvent), accepted + rejected)
        await session.execute(insert(InboundDedup), keys)
        await session.commit()


class TestSourceDelete:
    async def test_delete_runs_in_a_bounded_number_of_statements_whatever_the_history(
        self, client: Client, sessions: Any
    ) -> None:
        # Given a source with two destinations and a history of 3,000 events
        source = await create_source(client)
        destinations = [
            await create_destination(client, source, f"http://127.0.0.1:9/{n}") for n in range(2)
        ]
        await insert_inbound_history(sessions, source, destinations[0]["id"], count=3_000)

        # When it is deleted
        with statements_run() as statements:
            response = await client.delete(f"/api/v1/sources/{source['id']}")

        # Then the request ran a few statements, none on the history and no DELETE at all
        assert response.status_code == 204, response.text
        assert len(statements) <= 12, statements
        assert not [s for s in statements if s.lstrip().upper().startswith("DELETE")]
        writes = [s.split()[1:3] for s in statements if s.lstrip().startswith("UPDATE")]
        # (the admin key's last use aside)
        assert [w for w in writes if w[0] != "api_keys"] == [
            ["sources", "SET"],
            ["endpoints", "SET"],
        ]
        # And the history is all still there, for retention
        assert await rows(sessions, InboundEvent) == 6_000
        assert await rows(sessions, Attempt) == 3_000

    async def test_a_deleted_source_is_gone_at_once_everywhere(
        self, client: Client, sessions: Any
    ) -> None:
        # Given two sources, one of them with a destination, an event and a rejection
        source = await create_source(client)
        other = await create_source(client, name="other")
        destination = await create_destination(client, source, "http://127.0.0.1:9/d")
        path = ingest_path(source)
        assert (await client.post(path, content=BODY, headers=signed(BODY))).status_code == 200
        accepted = (await client.get(f"/api/v1/sources/{source['id']}/events")).json()["data"][0]

        # When it is deleted
        assert (await client.delete(f"/api/v1/sources/{source['id']}")).status_code == 204

        # Then every route of it answers 404 source_not_found, and it is not listed
        base = f"/api/v1/sources/{source['id']}"
        gone = [
            await client.get(base),
            await client.patch(base, json={"name": "again"}),
            await client.delete(base),
            await client.post(f"{base}/rotate-token", json={}),
            await client.get(f"{base}/destinations"),
            await client.post(f"{base}/destinations", json={"url": "http://127.0.0.1:9/x"}),
            await client.get(f"{base}/destinations/{destination['id']}"),
            await client.get(f"{base}/destinations/{destination['id']}/secret"),
            await client.post(
                f"{base}/destinations/{destination['id']}/recover",
                json={"since": "2026-01-01T00:00:00Z"},
            ),
            await client.get(f"{base}/events"),
            await client.get(f"{base}/events/{accepted['id']}"),
            await client.post(f"{base}/events/{accepted['id']}/replay"),
        ]
        assert [(r.status_code, r.json()["code"]) for r in gone] == [
            (404, "source_not_found")
        ] * len(gone)
        listed = (await client.get("/api/v1/sources")).json()["data"]
        assert [s["id"] for s in listed] == [other["id"]]
        # And its ingest URL answers 404 and stores nothing, even a request signed right
        before = await rows(sessions, InboundEvent)
        again = await client.post(path, content=BODY, headers=signed(BODY, msg_id="msg_new"))
        assert (again.status_code, again.json()["code"]) == (404, "source_not_found")
        assert await rows(sessions, InboundEvent) == before
        # And its destinations are deleted as endpoints are: disabled with the same reason
        async with sessions() as session:
            row = await session.get_one(Endpoint, destination["id"])
            assert (row.disabled, row.disabled_reason) == (True, "endpoint deleted")
            assert row.deleted_at is not None

    async def test_pending_deliveries_are_never_sent_and_retention_purges_everything(
        self,
        client: Client,
        sessions: Any,
        settings: Settings,
        broker: StubBroker,
        receiver: Receiver,
        ctx: DeliveryContext,
    ) -> None:
        # Given a source with a destination, a pending delivery and a history of 1,200 events,
        # and another source that stays, with an event of its own
        source = await create_source(client)
        destination = await create_destination(client, source, receiver.url("/d"))
        await insert_inbound_history(sessions, source, destination["id"], count=1_200)
        headers = signed(BODY, msg_id="msg_pending")
        assert (await client.post(ingest_path(source), content=BODY, headers=headers)).is_success
        pending = await handed_over(client, broker)
        assert len(pending) == 1
        kept = await create_source(client, name="kept")
        await create_destination(client, kept, receiver.url("/kept"))
        kept_body = b'{"type":"kept"}'
        kept_headers = signed(kept_body, msg_id="msg_kept")
        assert (
            await client.post(ingest_path(kept), content=kept_body, headers=kept_headers)
        ).is_success
        broker.flush_all()
        before = {model: await rows(sessions, model) for model in HISTORY}

        # When it is deleted and its pending delivery's task comes
        assert (await client.delete(f"/api/v1/sources/{source['id']}")).status_code == 204
        await send_deliveries(ctx, pending)

        # Then nothing was sent to its destination
        assert receiver.requests == []

        # When retention runs in batches of 500
        batches = msgspec.structs.replace(settings, retention_batch_size=500)
        purged = await purge_once(batches, sessions)

        # Then all of its history went, then its row and its hidden tenant
        assert purged >= 6 * 1_200
        assert await source_row(sessions, source["id"]) is None
        async with sessions() as session:
            tenants = set(await session.scalars(select(Tenant.uid)))
            endpoints = set(await session.scalars(select(Endpoint.id)))
        assert source["id"] not in tenants
        assert kept["id"] in tenants
        assert destination["id"] not in endpoints
        # And the other source kept all of its own (one event: message, payload, delivery, key)
        after = {model: await rows(sessions, model) for model in HISTORY}
        assert after == {
            Message: 1,
            MessagePayload: 1,
            Delivery: 1,
            Attempt: 0,
            InboundEvent: 1,
            InboundDedup: 1,
        }
        assert before[InboundEvent] == 2 * 1_200 + 2
        assert (await client.get(f"/api/v1/sources/{kept['id']}")).status_code == 200
        # And a second round finds nothing more to do
        assert await purge_once(batches, sessions) == 0

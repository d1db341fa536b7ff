"""The delivery path as production runs it: publish through the API, the task on RabbitMQ after
the commit, the real actor in a Dramatiq worker, the try, the record; retries through the scheduler
and operational events through the same pipeline. The other delivery tests drive the dispatcher
directly; these show that the pieces are wired together."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import dramatiq
import msgspec
import pytest
from sqlalchemy import select
from standardwebhooks import Webhook

from app.config import Settings
from app.kit.crypto import SecretBox
from app.kit.jobs import JobQueue
from app.models import Attempt, Delivery, Endpoint
from app.ops import service as ops
from tests.conftest import Clock
from tests.factories import BOX
from tests.integration.receiver import Receiver
from workers.scheduler import run_once


@pytest.fixture
def broker(rabbitmq_worker: dramatiq.Broker) -> dramatiq.Broker:
    """The API of these tests enqueues on the worker's RabbitMQ broker."""
    return rabbitmq_worker


async def until(check: Callable[[], Awaitable[bool]], *, timeout_seconds: float = 15.0) -> None:
    """Wait until ``check()`` holds (the worker runs on its own threads)."""
    deadline = time.monotonic() + timeout_seconds
    while not await check():
        assert time.monotonic() < deadline, "the condition did not hold in time"
        await asyncio.sleep(0.02)


async def deliveries(sessions: Any) -> list[Delivery]:
    async with sessions() as session:
        return list(await session.scalars(select(Delivery).order_by(Delivery.id)))


async def attempts(sessions: Any) -> list[Attempt]:
    async with sessions() as session:
        return list(await session.scalars(select(Attempt).order_by(Attempt.id)))


async def publish_to(client: Any, url: str) -> dict[str, Any]:
    """Given a tenant with an endpoint at ``url``: publish one message through the API."""
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    response = await client.post(
        "/api/v1/tenants/acme/endpoints", json={"url": url, "event_types": ["invoice.*"]}
    )
    assert response.status_code == 201, response.text
    published = await client.post(
        "/api/v1/tenants/acme/messages",
        json={"event_type": "invoice.paid", "payload": {"invoice": "in_1"}},
    )
    assert published.status_code == 202, published.text
    endpoint: dict[str, Any] = response.json()
    return endpoint


async def _statuses_are(sessions: Any, statuses: list[str]) -> bool:
    return [d.status for d in await deliveries(sessions)] == statuses


class TestActorOnRabbitmq:
    async def test_a_published_message_is_delivered_by_the_actor_and_recorded(
        self, client: Any, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint = await publish_to(client, receiver.url("/hook"))

        await until(lambda: _statuses_are(sessions, ["succeeded"]))
        (request,) = receiver.requests
        async with sessions() as session:
            row = await session.get(Endpoint, endpoint["id"])
            assert row is not None
            secret = BOX.decrypt(row.secret_encrypted)
        assert Webhook(secret).verify(request.body, request.headers) == {"invoice": "in_1"}
        (attempt,) = await attempts(sessions)
        assert (attempt.status, attempt.status_code, attempt.trigger) == (
            "succeeded",
            200,
            "scheduled",
        )

    async def test_guarantee_2_a_retry_through_the_scheduler_keeps_the_webhook_id(
        self,
        client: Any,
        sessions: Any,
        receiver: Receiver,
        settings: Settings,
        broker: dramatiq.Broker,
        clock: Clock,
    ) -> None:
        receiver.on("/hook", 500)
        await publish_to(client, receiver.url("/hook"))

        async def tried_once() -> bool:
            return [(d.status, d.attempt_count) for d in await deliveries(sessions)] == [
                ("pending", 1)
            ]

        await until(tried_once)
        # When: the retry's time comes, and the scheduler enqueues it on RabbitMQ.
        clock.advance(max(settings.retry_schedule))
        assert await run_once(settings, sessions, JobQueue(broker)) == 1

        await until(lambda: _statuses_are(sessions, ["succeeded"]))
        assert [r.headers["webhook-id"] for r in receiver.requests] == [
            receiver.requests[0].headers["webhook-id"]
        ] * 2
        assert [a.status_code for a in await attempts(sessions)] == [500, 200]

    async def test_a_resend_reaches_the_actor_as_a_manual_try(
        self, client: Any, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint = await publish_to(client, receiver.url("/hook"))
        await until(lambda: _statuses_are(sessions, ["succeeded"]))
        (message,) = (await client.get("/api/v1/tenants/acme/messages")).json()["data"]

        response = await client.post(
            f"/api/v1/tenants/acme/messages/{message['id']}/endpoints/{endpoint['id']}/resend"
        )
        assert response.status_code == 202, response.text

        async def tried_twice() -> bool:
            return len(await attempts(sessions)) == 2

        await until(tried_twice)
        assert [a.trigger for a in await attempts(sessions)] == ["scheduled", "manual"]
        assert len(receiver.requests) == 2

    async def test_an_operational_event_raised_by_recording_reaches_the_operator(
        self, client: Any, sessions: Any, receiver: Receiver, settings: Settings
    ) -> None:
        operator_settings = msgspec.structs.replace(
            settings, operator_webhook_url=receiver.url("/ops")
        )
        async with sessions() as session:
            await ops.ensure_operator_endpoint(
                session, operator_settings, SecretBox(settings.secret_key)
            )
            await session.commit()
        receiver.on("/hook", 410)

        await publish_to(client, receiver.url("/hook"))

        # The event's task leaves after the recording commits, and the actor sends it.
        async def told() -> bool:
            return any(r.path == "/ops" for r in receiver.requests)

        await until(told)
        (event,) = [msgspec.json.decode(r.body) for r in receiver.requests if r.path == "/ops"]
        assert event["type"] == "endpoint.disabled"

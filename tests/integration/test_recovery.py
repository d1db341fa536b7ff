"""Recovery: resend one delivery, recover an endpoint's failures in the background, the
undelivered report; against a real receiver, driving the workers' real functions."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import dramatiq
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from app.config import Settings
from app.deliveries import service as recoveries
from app.kit.clock import utc_now
from app.kit.jobs import JobQueue
from app.models import Attempt, Delivery, Recovery
from tests.factories import create_endpoint, create_tenant, send_deliveries
from tests.factories import publish as factories_publish
from tests.integration.receiver import Receiver
from workers.actors import declare_actors
from workers.broker import build_broker
from workers.contracts import DELIVERY_QUEUE, RunRecovery, SendDeliveries
from workers.delivery import DeliveryContext
from workers.recovery import run_recovery
from workers.resources import Resources
from workers.scheduler import run_once

Client = AsyncTestClient[Any]
TENANT = "/api/v1/tenants/acme"


async def drive(broker: StubBroker, ctx: DeliveryContext, *, batch_size: int = 500) -> list[str]:
    """Run every task on the in-process broker's queue as the worker's actors would, until none
    is left; return the actor names run."""
    queue = broker.queues[DELIVERY_QUEUE]
    ran: list[str] = []
    while queue.qsize():
        message = json.loads(queue.get_nowait())
        ran.append(message["actor_name"])
        kwargs = message["kwargs"]
        if message["actor_name"] == SendDeliveries.actor_name:
            await send_deliveries(ctx, kwargs["delivery_ids"], trigger=kwargs["trigger"])
        elif message["actor_name"] == RunRecovery.actor_name:
            await run_recovery(ctx.sessions, ctx.jobs, kwargs["recovery_id"], batch_size=batch_size)
    return ran


async def set_up(client: Client, receiver: Receiver, *paths: str) -> list[str]:
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    ids = []
    for path in paths:
        response = await client.post(f"{TENANT}/endpoints", json={"url": receiver.url(path)})
        ids.append(response.json()["id"])
    return ids


async def publish(client: Client, n: int = 1) -> str:
    response = await client.post(
        f"{TENANT}/messages", json={"event_type": "invoice.paid", "payload": {"n": n}}
    )
    assert response.status_code == 202
    return str(response.json()["id"])


async def fail_all(sessions: Any, *, tries: int = 4) -> None:
    """Make every delivery as the retry schedule leaves it when every try failed."""
    async with sessions() as session:
        await session.execute(
            update(Delivery).values(
                status="failed", attempt_count=tries, next_attempt_at=None, enqueued_at=None
            )
        )
        await session.commit()


async def delivery_of(client: Client, message: str) -> dict[str, Any]:
    (delivery,) = (await client.get(f"{TENANT}/messages/{message}/deliveries")).json()["data"]
    return dict(delivery)


class TestResend:
    async def test_resend_of_a_failed_delivery_is_one_manual_try_recorded_with_headers(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        (endpoint,) = await set_up(client, receiver, "/a")
        message = await publish(client)
        receiver.on("/a", 500)
        receiver.headers = {"x-receiver": "r1"}
        await drive(broker, ctx)
        await fail_all(ctx.sessions)

        response = await client.post(f"{TENANT}/messages/{message}/endpoints/{endpoint}/resend")
        assert response.status_code == 202
        assert response.json()["status"] == "pending"
        assert response.json()["trigger"] == "manual"
        await drive(broker, ctx)

        assert len(receiver.requests) == 2
        delivery = await delivery_of(client, message)
        assert delivery["status"] == "succeeded"
        assert delivery["last_status_code"] == 200
        assert delivery["trigger"] == "scheduled"  # the manual try is spent
        attempts = (await client.get(f"{TENANT}/endpoints/{endpoint}/attempts")).json()["data"]
        assert [(a["trigger"], a["status_code"]) for a in attempts] == [
            ("manual", 200),
            ("scheduled", 500),
        ]
        sent = receiver.requests[-1].headers
        assert sent["webhook-signature"].startswith("v1,")
        headers = attempts[0]["request_headers"]
        assert headers["webhook-signature"] == "[redacted]"
        assert headers["webhook-id"] == message
        assert attempts[0]["response_headers"]["x-receiver"] == "r1"
        one = await client.get(f"{TENANT}/endpoints/{endpoint}/attempts/{attempts[0]['id']}")
        assert one.json()["id"] == attempts[0]["id"]

    async def test_failed_manual_try_leaves_the_delivery_failed_without_a_new_schedule(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        (endpoint,) = await set_up(client, receiver, "/a")
        message = await publish(client)
        receiver.default_status = 500
        await drive(broker, ctx)
        await fail_all(ctx.sessions, tries=1)  # fewer tries than the schedule allows

        await client.post(f"{TENANT}/messages/{message}/endpoints/{endpoint}/resend")
        await drive(broker, ctx)

        delivery = await delivery_of(client, message)
        assert delivery["status"] == "failed"
        assert delivery["next_attempt_at"] is None
        assert delivery["attempt_count"] == 2
        assert delivery["last_status_code"] == 500

    async def test_resend_of_a_pending_delivery_tries_now_and_keeps_its_schedule(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        (endpoint,) = await set_up(client, receiver, "/a")
        message = await publish(client)
        receiver.default_status = 500
        await drive(broker, ctx)  # first try fails; the retry is a second away

        await client.post(f"{TENANT}/messages/{message}/endpoints/{endpoint}/resend")
        await drive(broker, ctx)

        delivery = await delivery_of(client, message)
        assert delivery["status"] == "pending"
        assert delivery["attempt_count"] == 2
        assert delivery["next_attempt_at"] is not None
        async with ctx.sessions() as session:
            triggers = list(await session.scalars(select(Attempt.trigger).order_by(Attempt.id)))
        assert triggers == ["scheduled", "manual"]

    async def test_resend_refuses_what_it_cannot_do(
        self, client: Client, broker: StubBroker, receiver: Receiver
    ) -> None:
        first, second = await set_up(client, receiver, "/a", "/b")
        message = await publish(client)
        resend = f"{TENANT}/messages/{message}/endpoints/{{}}/resend"

        unknown = await client.post(resend.format("ep_nope"))
        assert unknown.status_code == 404
        assert unknown.json()["code"] == "endpoint_not_found"
        await client.patch(f"{TENANT}/endpoints/{second}", json={"disabled": True})
        disabled = await client.post(resend.format(second))
        assert disabled.status_code == 409
        assert disabled.json()["code"] == "endpoint_disabled"
        other = await client.post(f"{TENANT}/messages/msg_nope/endpoints/{first}/resend")
        assert other.status_code == 404
        assert other.json()["code"] == "delivery_not_found"


class TestRecovery:
    async def test_recovery_requeues_failed_deliveries_since_a_time_in_batches(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        (endpoint,) = await set_up(client, receiver, "/a")
        old = await publish(client, 0)
        since = utc_now()
        recent = [await publish(client, n) for n in range(1, 4)]
        receiver.default_status = 500
        await drive(broker, ctx)
        await fail_all(ctx.sessions)
        receiver.default_status = 200
        receiver.requests.clear()

        response = await client.post(
            f"{TENANT}/endpoints/{endpoint}/recover", json={"since": since.isoformat()}
        )
        assert response.status_code == 202
        recovery = response.json()
        assert recovery["status"] == "running"
        assert recovery["total"] == 3
        assert recovery["requeued"] == 0

        ran = await drive(broker, ctx, batch_size=2)

        assert ran[0] == RunRecovery.actor_name
        assert ran.count(SendDeliveries.actor_name) == 2  # one per batch
        done = await client.get(f"{TENANT}/endpoints/{endpoint}/recoveries/{recovery['id']}")
        assert done.json()["status"] == "done"
        assert done.json()["requeued"] == 3
        assert done.json()["finished_at"] is not None
        assert sorted(json.loads(r.body)["n"] for r in receiver.requests) == [1, 2, 3]
        for message in recent:
            assert (await delivery_of(client, message))["status"] == "succeeded"
        assert (await delivery_of(client, old))["status"] == "failed"
        attempts = (await client.get(f"{TENANT}/endpoints/{endpoint}/attempts")).json()["data"]
        assert [a["trigger"] for a in attempts[:3]] == ["manual"] * 3

    async def test_recovery_bounded_by_until_and_bad_bodies_refused(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        (endpoint,) = await set_up(client, receiver, "/a")
        await publish(client)
        await fail_all(ctx.sessions)
        path = f"{TENANT}/endpoints/{endpoint}/recover"
        now = utc_now()

        later = await client.post(path, json={"since": (now + timedelta(hours=1)).isoformat()})
        assert later.json()["total"] == 0
        window = {"since": (now - timedelta(hours=1)).isoformat(), "until": now.isoformat()}
        assert (await client.post(path, json=window)).json()["total"] == 1

        backwards = {"since": now.isoformat(), "until": (now - timedelta(1)).isoformat()}
        bad = await client.post(path, json=backwards)
        assert bad.status_code == 422
        assert bad.json()["code"] == "invalid_time_range"
        assert (await client.post(path, json={"since": "soon"})).status_code == 400
        assert (await client.post(path, json={"since": now.isoformat(), "x": 1})).status_code == 400
        missing = await client.get(f"{TENANT}/endpoints/{endpoint}/recoveries/rcv_nope")
        assert missing.status_code == 404

    async def test_a_lost_recovery_task_is_resumed_and_tries_nothing_twice(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        # Given a recovery whose deliveries were tried once and failed again, then its task lost
        (endpoint,) = await set_up(client, receiver, "/a")
        since = utc_now()
        await publish(client)
        receiver.default_status = 500
        await drive(broker, ctx)
        await fail_all(ctx.sessions)
        path = f"{TENANT}/endpoints/{endpoint}/recover"
        recovery = (await client.post(path, json={"since": since.isoformat()})).json()
        await drive(broker, ctx)
        assert len(receiver.requests) == 2
        async with ctx.sessions() as session:
            await session.execute(
                update(Recovery).values(status="running", updated_at=utc_now() - timedelta(hours=1))
            )
            await session.commit()

        # When the scheduler finds it stale and its task runs again
        await run_once(ctx.settings, ctx.sessions, JobQueue(broker))
        ran = await drive(broker, ctx)

        # Then it finishes without a second manual try of the delivery that failed again
        assert ran == [RunRecovery.actor_name]
        assert len(receiver.requests) == 2
        done = await client.get(f"{TENANT}/endpoints/{endpoint}/recoveries/{recovery['id']}")
        assert done.json()["status"] == "done"


class TestUndeliveredReport:
    async def test_failed_and_parked_on_a_disabled_endpoint_are_undelivered(
        self, client: Client, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        a, b, c = await set_up(client, receiver, "/a", "/b", "/c")
        first = await publish(client, 1)
        middle = utc_now()
        second = await publish(client, 2)
        async with ctx.sessions() as session:
            await session.execute(
                update(Delivery).where(Delivery.endpoint_id == a).values(status="failed")
            )
            await session.execute(
                update(Delivery).where(Delivery.endpoint_id == c).values(status="succeeded")
            )
            await session.commit()
        await client.patch(f"{TENANT}/endpoints/{b}", json={"disabled": True})

        report = (await client.get(f"{TENANT}/undelivered")).json()
        pairs = [(r["message_id"], r["endpoint_id"], r["status"]) for r in report["data"]]
        assert sorted(pairs) == sorted(
            [
                (first, a, "failed"),
                (first, b, "pending"),
                (second, a, "failed"),
                (second, b, "pending"),
            ]
        )
        assert [p[0] for p in pairs] == [second, second, first, first]  # newest first
        assert report["data"][0]["event_type"] == "invoice.paid"

        recent = await client.get(f"{TENANT}/undelivered", params={"after": middle.isoformat()})
        assert {r["message_id"] for r in recent.json()["data"]} == {second}
        only_b = await client.get(f"{TENANT}/undelivered", params={"endpoint_id": b})
        assert {r["endpoint_id"] for r in only_b.json()["data"]} == {b}
        seen = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 1, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(f"{TENANT}/undelivered", params=params)).json()
            seen += [(r["message_id"], r["endpoint_id"], r["status"]) for r in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == pairs

    async def test_bad_report_parameters_are_4xx(self, client: Client, receiver: Receiver) -> None:
        await set_up(client, receiver, "/a")
        bad_time = await client.get(f"{TENANT}/undelivered", params={"before": "noon"})
        assert bad_time.status_code == 422
        bad_cursor = await client.get(f"{TENANT}/undelivered", params={"cursor": "nonsense"})
        assert bad_cursor.status_code == 422
        assert bad_cursor.json()["code"] == "invalid_cursor"


class TestRecoveryActor:
    async def test_recovery_runs_on_a_real_worker_and_its_deliveries_arrive(
        self, settings: Settings, sessions: Any, receiver: Receiver
    ) -> None:
        # Given two failed deliveries and a running recovery, committed
        async with sessions() as session:
            tenant = await create_tenant(session)
            endpoint = await create_endpoint(session, tenant, url=receiver.url("/a"))
            since = utc_now() - timedelta(minutes=1)
            for n in range(2):
                await factories_publish(session, tenant, payload={"n": n})
            await session.commit()
        await fail_all(sessions)
        async with sessions() as session:
            recovery = await recoveries.start_recovery(
                session, tenant, endpoint.id, since=since, until=None
            )
            await session.commit()

        # When a real Dramatiq worker (in-process broker) runs the actor
        broker = build_broker("memory://")
        broker.add_middleware(Resources(settings))
        declare_actors(broker)
        worker = dramatiq.Worker(broker, queues={DELIVERY_QUEUE}, worker_threads=1)
        worker.start()
        try:
            broker.enqueue(RunRecovery(recovery_id=recovery.id).to_message())
            await asyncio.to_thread(broker.join, DELIVERY_QUEUE, timeout=20_000)
            for _ in range(100):
                if len(receiver.requests) == 2:
                    break
                await asyncio.sleep(0.1)
        finally:
            await asyncio.to_thread(worker.stop)

        # Then the recovery is done and both deliveries arrived and succeeded
        assert sorted(json.loads(r.body)["n"] for r in receiver.requests) == [0, 1]
        async with sessions() as session:
            done = await session.get(Recovery, recovery.id)
            assert done is not None
            assert (done.status, done.total, done.requeued) == ("done", 2, 2)
            statuses = list(await session.scalars(select(Delivery.status)))
            assert statuses == ["succeeded", "succeeded"]
            triggers = set(await session.scalars(select(Attempt.trigger)))
            assert triggers == {"manual"}

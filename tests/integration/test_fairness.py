"""Fair between tenants (issue 15): one tenant's backlog does not hold up another tenant's
deliveries. Production's pieces: the API enqueues on RabbitMQ or Redis after the commit, a
Dramatiq worker consumes every lane with the real actor and dispatcher, and the tries reach a
real receiver on 127.0.0.1."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.config import Settings
from app.kit.jobs import JobQueue
from app.models import Delivery
from tests.conftest import RABBITMQ_URL
from tests.e2e.harness.services import fresh_rabbitmq_vhost, reset_redis
from tests.integration.receiver import Receiver
from tests.integration.test_scheduler import seed
from workers.actors import declare_actors
from workers.broker import build_broker, build_worker
from workers.contracts import DELIVERY_LANES, delivery_queues, lane_queue
from workers.resources import Resources
from workers.scheduler import run_forever, run_once

REDIS_DB = 11  # this module's own: integration 15, e2e 12, bench 14
BACKLOG = 5_000  # tenant A's deliveries (4 endpoints, as production's shape), queued before B's
A_ENDPOINTS = 4
B_MESSAGES = 20
BATCH = 100  # the batch route's most


@pytest.fixture(params=["rabbitmq", "redis"])
def broker(request: pytest.FixtureRequest) -> Iterator[dramatiq.Broker]:
    """The networked broker the API (``app`` fixture) enqueues on and the worker consumes."""
    if request.param == "redis":
        broker = build_broker(reset_redis(REDIS_DB))
        yield broker
        broker.close()
        return
    with fresh_rabbitmq_vhost(RABBITMQ_URL) as url:
        broker = build_broker(url)
        yield broker
        broker.close()


@asynccontextmanager
async def running_worker(
    settings: Settings, sessions: Any, broker: dramatiq.Broker
) -> AsyncIterator[None]:
    """A worker as ``hookrelay worker`` runs it (every lane, 8 threads), and the scheduler (it
    enqueues again what the dispatcher gave back to the database), in this process."""
    broker.add_middleware(Resources(settings))
    declare_actors(broker)
    worker = build_worker(broker, worker_threads=8, worker_timeout=50)
    worker.start()
    stop = asyncio.Event()
    scheduler = asyncio.create_task(run_forever(settings, sessions, JobQueue(broker), stop))
    try:
        yield
    finally:
        stop.set()
        await scheduler
        await asyncio.to_thread(worker.stop)


async def until(check: Any, *, what: str, timeout_seconds: float = 120.0) -> None:
    deadline = time.monotonic() + timeout_seconds
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.02)


async def tenant_with_endpoints(
    client: AsyncTestClient[Litestar], uid: str, urls: list[str]
) -> str:
    """A tenant with an endpoint at each of ``urls``; returns its id."""
    response = await client.post("/api/v1/tenants", json={"uid": uid, "name": uid})
    assert response.status_code == 201, response.text
    tenant_id = str(response.json()["id"])
    for url in urls:
        response = await client.post(
            f"/api/v1/tenants/{uid}/endpoints", json={"url": url, "event_types": ["invoice.*"]}
        )
        assert response.status_code == 201, response.text
    return tenant_id


async def publish(client: AsyncTestClient[Litestar], uid: str, count: int) -> None:
    for start in range(0, count, BATCH):
        messages = [
            {"event_type": "invoice.paid", "payload": {"n": n}}
            for n in range(start, min(start + BATCH, count))
        ]
        response = await client.post(
            f"/api/v1/tenants/{uid}/messages/batch", json={"messages": messages}
        )
        assert response.status_code == 202, response.text


async def other_lane_tenant(client: AsyncTestClient[Litestar], lane_of_a: str) -> str:
    """A tenant whose lane is not ``lane_of_a``: ids are random, and tenants sharing a lane are
    served in their lane's order (the lanes' limit, said in README)."""
    for n in range(4 * DELIVERY_LANES):
        uid = f"tenant-b-{n}"
        response = await client.post("/api/v1/tenants", json={"uid": uid, "name": uid})
        if lane_queue(response.json()["id"], DELIVERY_LANES) != lane_of_a:
            return uid
    raise AssertionError("no tenant in another lane")


class TestFairBetweenTenants:
    async def test_a_second_tenant_is_not_stuck_behind_a_first_tenants_backlog(
        self,
        client: AsyncTestClient[Litestar],
        app: Litestar,
        broker: dramatiq.Broker,
        settings: Settings,
        sessions: Any,
        receiver: Receiver,
    ) -> None:
        # Given tenant A's backlog of 5,000 deliveries queued on the broker, then tenant B's 20
        a_urls = [receiver.url(f"/a{n}") for n in range(A_ENDPOINTS)]
        tenant_a = await tenant_with_endpoints(client, "tenant-a", a_urls)
        uid_b = await other_lane_tenant(client, lane_queue(tenant_a, DELIVERY_LANES))
        response = await client.post(
            f"/api/v1/tenants/{uid_b}/endpoints",
            json={"url": receiver.url("/b"), "event_types": ["invoice.*"]},
        )
        assert response.status_code == 201, response.text
        await publish(client, "tenant-a", BACKLOG // A_ENDPOINTS)
        await publish(client, uid_b, B_MESSAGES)
        await asyncio.to_thread(app.state.jobs.close)  # every task handed over is on the broker

        def arrived(prefix: str) -> int:
            return sum(1 for r in receiver.requests if r.path.startswith(prefix))

        # When a worker starts on every lane
        async with running_worker(settings, sessions, broker):
            # Then all of B's deliveries arrive before half of A's backlog is done
            await until(lambda: arrived("/b") == B_MESSAGES, what="tenant B's deliveries")
            a_when_b_done = arrived("/a")
            assert a_when_b_done < BACKLOG // 2, (
                f"{a_when_b_done} of A's {BACKLOG} arrived before B's {B_MESSAGES}"
            )
            # And A's backlog arrives too, every delivery
            await until(
                lambda: len({_id(r) for r in receiver.requests}) == BACKLOG + B_MESSAGES,
                what="every delivery",
            )


def _id(received: Any) -> tuple[str, str]:
    return received.path, received.headers["webhook-id"]


class TestSchedulerLanes:
    async def test_the_scheduler_enqueues_each_tenants_due_deliveries_in_its_own_lane(
        self, settings: Settings, sessions: Any
    ) -> None:
        # Given due deliveries of two tenants, and a job queue spreading tasks over 8 lanes
        first, second = await seed(sessions, 3), await seed(sessions, 2)
        broker = StubBroker()
        for queue_name in delivery_queues(DELIVERY_LANES):
            broker.declare_queue(queue_name)
        jobs = JobQueue(broker)
        jobs.lanes = DELIVERY_LANES

        # When the scheduler runs a round
        assert await run_once(settings, sessions, jobs) == 5

        # Then each delivery is in exactly one task, in its tenant's lane
        async with sessions() as session:
            rows = await session.execute(select(Delivery.id, Delivery.tenant_id))
            tenant_of = {row.id: row.tenant_id for row in rows}
        queued = {
            delivery_id: queue_name
            for queue_name, queue in broker.queues.items()
            for encoded in list(queue.queue)
            for delivery_id in json.loads(encoded)["kwargs"]["delivery_ids"]
        }
        assert sorted(queued) == sorted(first + second)
        assert all(
            queue == lane_queue(tenant_of[delivery_id], DELIVERY_LANES)
            for delivery_id, queue in queued.items()
        )

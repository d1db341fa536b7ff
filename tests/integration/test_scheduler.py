"""The scheduler finds due and lost deliveries in the database and enqueues each exactly once."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import msgspec
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import insert, select, update

from app.config import Settings
from app.db import create_engine, session_factory
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.kit.jobs import JobQueue
from app.kit.uow import unit_of_work
from app.models import Delivery
from tests.factories import create_endpoint, create_tenant, publish
from workers.contracts import DELIVERY_QUEUE
from workers.scheduler import run_once


def stub_broker() -> StubBroker:
    broker = StubBroker()
    broker.declare_queue(DELIVERY_QUEUE)
    return broker


def take_ids(broker: StubBroker) -> list[str]:
    queue = broker.queues[DELIVERY_QUEUE]
    ids: list[str] = []
    for _ in range(queue.qsize()):
        ids.extend(json.loads(queue.get_nowait())["kwargs"]["delivery_ids"])
    return ids


async def seed(sessions: Any, count: int, **values: Any) -> list[str]:
    """``count`` pending deliveries of one message, with the given column values."""
    async with sessions() as session:
        tenant = await create_tenant(session, uid=new_id("uid"))
        endpoint = await create_endpoint(session, tenant, event_types=["nothing.matches"])
        message = await publish(session, tenant)
        now = utc_now()
        rows = [
            {
                "id": new_id("dlv"),
                "tenant_id": tenant.id,
                "message_id": message.id,
                "endpoint_id": endpoint.id,
                "status": "pending",
                "attempt_count": 0,
                "next_attempt_at": now,
                "enqueued_at": None,
                "created_at": now,
                "updated_at": now,
                **values,
            }
            for _ in range(count)
        ]
        await session.execute(insert(Delivery), rows)
        await session.commit()
    return [row["id"] for row in rows]


class TestSchedulerRound:
    async def test_due_deliveries_are_enqueued_once(
        self, settings: Settings, sessions: Any
    ) -> None:
        ids = await seed(sessions, 120)
        broker = stub_broker()

        assert await run_once(settings, sessions, JobQueue(broker)) == 120
        assert await run_once(settings, sessions, JobQueue(broker)) == 0

        enqueued = take_ids(broker)
        assert sorted(enqueued) == sorted(ids)
        assert broker.queues[DELIVERY_QUEUE].qsize() == 0

    async def test_tasks_carry_at_most_deliveries_per_task(
        self, settings: Settings, sessions: Any
    ) -> None:
        await seed(sessions, 120)
        broker = stub_broker()
        fifty = msgspec.structs.replace(settings, deliveries_per_task=50)
        await run_once(fifty, sessions, JobQueue(broker))
        sizes = [
            len(json.loads(m)["kwargs"]["delivery_ids"])
            for m in broker.queues[DELIVERY_QUEUE].queue
        ]
        assert sizes == [50, 50, 20]

    async def test_future_leased_and_finished_deliveries_are_left_alone(
        self, settings: Settings, sessions: Any
    ) -> None:
        now = utc_now()
        await seed(sessions, 2, next_attempt_at=now + timedelta(minutes=5))
        await seed(sessions, 2, lease_until=now + timedelta(minutes=1))
        await seed(sessions, 2, status="succeeded")
        await seed(sessions, 2, status="failed")
        await seed(sessions, 2, next_attempt_at=None)  # parked: endpoint disabled
        await seed(sessions, 2, enqueued_at=now)  # a live task exists

        assert await run_once(settings, sessions, JobQueue(stub_broker())) == 0

    async def test_a_task_that_looks_lost_is_enqueued_again(
        self, settings: Settings, sessions: Any
    ) -> None:
        stuck_at = utc_now() - timedelta(seconds=settings.stuck_after_seconds + 1)
        ids = await seed(sessions, 3, enqueued_at=stuck_at)
        broker = stub_broker()

        assert await run_once(settings, sessions, JobQueue(broker)) == 3
        assert sorted(take_ids(broker)) == sorted(ids)

    async def test_two_schedulers_never_enqueue_the_same_delivery(
        self, settings: Settings, sessions: Any, database_url: str
    ) -> None:
        ids = await seed(sessions, 3000)
        small_batches = msgspec.structs.replace(settings, scheduler_batch_size=100)
        brokers = [stub_broker() for _ in range(3)]
        engines = [create_engine(database_url) for _ in brokers]

        async def drain(broker: StubBroker, engine: Any) -> None:
            while await run_once(small_batches, session_factory(engine), JobQueue(broker)):
                pass

        await asyncio.gather(*(drain(b, e) for b, e in zip(brokers, engines, strict=True)))
        for engine in engines:
            await engine.dispose()

        per_scheduler = [take_ids(b) for b in brokers]
        everything = [i for batch in per_scheduler for i in batch]
        assert len(everything) == len(set(everything)) == 3000
        assert set(everything) == set(ids)


class TestGuarantee1NeverLost:
    async def test_guarantee_1_tasks_lost_by_the_broker_are_found_again(
        self, settings: Settings, sessions: Any
    ) -> None:
        # Given a publish whose tasks the broker lost (purged queue, restart, crash after commit)
        lost_broker = stub_broker()
        async with unit_of_work(sessions, JobQueue(lost_broker)) as session:
            tenant = await create_tenant(session)
            for _ in range(3):
                await create_endpoint(session, tenant)
            message = await publish(session, tenant)
        lost_broker.flush_all()
        async with sessions() as session:
            ids = list(
                await session.scalars(select(Delivery.id).where(Delivery.message_id == message.id))
            )

        # When the stuck bound has passed
        broker = stub_broker()
        assert await run_once(settings, sessions, JobQueue(broker)) == 0
        async with sessions() as session:
            await session.execute(
                update(Delivery).values(
                    enqueued_at=utc_now() - timedelta(seconds=settings.stuck_after_seconds + 1)
                )
            )
            await session.commit()

        # Then the scheduler enqueues every one of them again
        assert await run_once(settings, sessions, JobQueue(broker)) == 3
        assert sorted(take_ids(broker)) == sorted(ids)

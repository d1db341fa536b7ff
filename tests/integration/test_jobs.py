"""Enqueue after commit, both halves, on every broker the service supports."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import dramatiq
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.brokers.redis import RedisBroker
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from app.config import Settings
from app.kit.jobs import BackgroundJobQueue, JobQueue, enqueue
from app.kit.uow import unit_of_work
from app.models import Delivery, Tenant
from tests.conftest import RABBITMQ_URL, REDIS_URL, Clock
from tests.factories import create_endpoint, create_tenant, publish
from workers.contracts import DELIVERY_QUEUE, Task
from workers.scheduler import run_once

PROBE_QUEUE = f"hookrelay-test-{secrets.token_hex(4)}"


class Probe(Task, frozen=True, kw_only=True):
    actor_name: ClassVar[str] = "test.probe"
    queue_name: ClassVar[str] = PROBE_QUEUE

    value: str


def queued(broker: dramatiq.Broker, *, expect: int = 0) -> list[dict[str, Any]]:
    """Take the messages waiting on the probe queue, read from the broker itself.

    RabbitMQ routes publishes asynchronously (no publisher confirms), so wait up to two seconds
    for ``expect`` messages to show up there.
    """
    if isinstance(broker, StubBroker):
        queue = broker.queues[PROBE_QUEUE]
        return [json.loads(queue.get_nowait()) for _ in range(queue.qsize())]
    if isinstance(broker, RedisBroker):
        keys = (f"dramatiq:{PROBE_QUEUE}", f"dramatiq:{PROBE_QUEUE}.msgs")
        ids = broker.client.lrange(keys[0], 0, -1)
        raw = [broker.client.hget(keys[1], i) for i in ids]
        broker.client.delete(*keys)
        return [json.loads(m) for m in raw]
    found: list[dict[str, Any]] = []
    deadline = time.monotonic() + 2
    while True:
        method, _props, body = broker.channel.basic_get(PROBE_QUEUE, auto_ack=True)
        if method is not None:
            found.append(json.loads(body))
        elif len(found) >= expect or time.monotonic() > deadline:
            return found
        else:
            time.sleep(0.05)


@pytest.fixture(params=["memory", "rabbitmq", "redis"])
def broker(request: pytest.FixtureRequest) -> Iterator[dramatiq.Broker]:
    broker: dramatiq.Broker
    if request.param == "memory":
        broker = StubBroker()
    elif request.param == "rabbitmq":
        broker = RabbitmqBroker(url=RABBITMQ_URL)
    else:
        broker = RedisBroker(url=REDIS_URL)
    broker.declare_queue(PROBE_QUEUE)
    # RabbitMQ declares a queue on first use: send one message through Dramatiq, then drain.
    broker.enqueue(Probe(value="warm-up").to_message())
    queued(broker, expect=1)
    yield broker
    if isinstance(broker, RabbitmqBroker):
        broker.channel.queue_delete(PROBE_QUEUE)
    elif isinstance(broker, RedisBroker):
        broker.client.delete(f"dramatiq:{PROBE_QUEUE}", f"dramatiq:{PROBE_QUEUE}.msgs")
    broker.close()


async def tenant_count(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Tenant)) or 0)


class TestEnqueueAfterCommit:
    async def test_committed_unit_of_work_sends_its_jobs(
        self, sessions: Any, broker: dramatiq.Broker
    ) -> None:
        jobs = JobQueue(broker)
        async with unit_of_work(sessions, jobs) as session:
            await create_tenant(session)
            enqueue(session, Probe(value="a"))
            enqueue(session, Probe(value="b"))
            # Nothing leaves before the commit.
            assert queued(broker) == []

        messages = queued(broker, expect=2)
        assert [m["kwargs"] for m in messages] == [{"value": "a"}, {"value": "b"}]
        assert {m["actor_name"] for m in messages} == {"test.probe"}
        assert await tenant_count(sessions) == 1

    async def test_rolled_back_unit_of_work_drops_its_jobs(
        self, sessions: Any, broker: dramatiq.Broker
    ) -> None:
        jobs = JobQueue(broker)
        with pytest.raises(RuntimeError, match="boom"):
            async with unit_of_work(sessions, jobs) as session:
                await create_tenant(session)
                enqueue(session, Probe(value="a"))
                raise RuntimeError("boom")

        # Give a wrongly sent message every chance to show up.
        assert queued(broker, expect=1) == []
        assert await tenant_count(sessions) == 0

    async def test_broker_failure_after_commit_keeps_the_rows(self, sessions: Any) -> None:
        class DownBroker(StubBroker):
            def enqueue(self, message: Any, *, delay: Any = None) -> Any:
                raise ConnectionError("broker is down")

        async with unit_of_work(sessions, JobQueue(DownBroker())) as session:
            await create_tenant(session)
            enqueue(session, Probe(value="a"))

        # The request still succeeds; the scheduler re-enqueues from the database later.
        assert await tenant_count(sessions) == 1


class TestBackgroundJobQueue:
    """The API's queue sends from a thread of its own, after the commit, without the request."""

    async def test_committed_tasks_are_sent_in_the_background(
        self, sessions: Any, broker: dramatiq.Broker
    ) -> None:
        jobs = BackgroundJobQueue(broker)
        async with unit_of_work(sessions, jobs) as session:
            await create_tenant(session)
            enqueue(session, Probe(value="a"))
            assert queued(broker) == []
        async with unit_of_work(sessions, jobs) as session:
            enqueue(session, Probe(value="b"))
        jobs.close()  # a clean stop sends what was handed over first

        messages = queued(broker, expect=2)
        assert [m["kwargs"] for m in messages] == [{"value": "a"}, {"value": "b"}]

    async def test_guarantee_1_a_crash_before_the_background_send_loses_nothing(
        self, settings: Settings, sessions: Any, clock: Clock
    ) -> None:
        # Given a publish committed (so answered 202) whose tasks were handed to the background
        # sender of a process that died before sending them
        class DiesBeforeSending(BackgroundJobQueue):
            def _run(self) -> None:
                return

        lost = StubBroker()
        lost.declare_queue(DELIVERY_QUEUE)
        async with unit_of_work(sessions, DiesBeforeSending(lost)) as session:
            tenant = await create_tenant(session)
            for _ in range(3):
                await create_endpoint(session, tenant)
            message = await publish(session, tenant)
        assert lost.queues[DELIVERY_QUEUE].qsize() == 0
        async with sessions() as session:
            ids = set(
                await session.scalars(select(Delivery.id).where(Delivery.message_id == message.id))
            )
        assert len(ids) == 3

        # When the scheduler looks, before and after its stuck bound
        found = StubBroker()
        found.declare_queue(DELIVERY_QUEUE)
        assert await run_once(settings, sessions, JobQueue(found)) == 0
        clock.advance(settings.stuck_after_seconds + 1)

        # Then it enqueues every one of them again
        assert await run_once(settings, sessions, JobQueue(found)) == 3
        queue = found.queues[DELIVERY_QUEUE]
        sent = [json.loads(queue.get_nowait()) for _ in range(queue.qsize())]
        assert {i for m in sent for i in m["kwargs"]["delivery_ids"]} == ids

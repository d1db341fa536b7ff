"""Guarantee 11, measured where the customer measures it: at a real receiver on 127.0.0.1.

Two dispatchers (two worker processes' worth: each its own slots, queues and HTTP client) share
one database and take turns at the tasks, as two workers on one queue do; the scheduler brings
back what the rate limit held in the database. The receiver stamps each request as it arrives,
and no sliding second, from the first delivery on, may hold more than the limit plus one.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import json
from collections.abc import Sequence
from typing import Any

from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select

from app.kit.crypto import SecretBox
from app.kit.jobs import JobQueue
from app.models import Delivery
from tests.conftest import SECRET_KEY
from tests.factories import create_endpoint, create_tenant, publish
from tests.integration.receiver import running_receiver
from workers.contracts import DELIVERY_QUEUE
from workers.delivery import DeliveryContext
from workers.dispatch import Dispatcher
from workers.http import build_client
from workers.scheduler import run_once

LIMIT = 10
MESSAGES = 45  # 4.5 s at the limit: the first second and a few after it


def busiest_second(times: Sequence[float]) -> list[float]:
    """The most of the sorted ``times`` in one half-open window of one second."""
    ends = [bisect.bisect_left(times, t + 1.0) for t in times]
    start = max(range(len(times)), key=lambda i: ends[i] - i, default=0)
    return list(times[start : ends[start]])


def take_tasks(broker: StubBroker) -> list[list[str]]:
    queue = broker.queues[DELIVERY_QUEUE]
    return [json.loads(queue.get_nowait())["kwargs"]["delivery_ids"] for _ in range(queue.qsize())]


async def pending(sessions: Any) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(Delivery).where(Delivery.status == "pending")
        return int(await session.scalar(query) or 0)


class TestGuarantee11:
    async def test_guarantee_11_no_sliding_second_at_the_receiver_holds_more_than_the_limit(
        self, make_settings: Any, database_url: str, sessions: Any
    ) -> None:
        # Given an endpoint limited to 10 a second and 45 messages published at once to it,
        # on a receiver that takes 0.5 s to answer, so that tries overlap, wait for their turn
        # (two at a time per worker) and go back to the database, as under load
        settings = make_settings(
            database_url, scheduler_interval_seconds=0.1, max_in_flight_per_endpoint=2
        )
        broker = StubBroker()
        broker.declare_queue(DELIVERY_QUEUE)
        async with running_receiver() as receiver:
            receiver.delay_seconds = 0.5
            async with sessions() as session:
                tenant = await create_tenant(session)
                endpoint = await create_endpoint(session, tenant, url=receiver.url("/limited"))
                endpoint.rate_limit_per_second = LIMIT
                for n in range(MESSAGES):
                    await publish(session, tenant, payload={"n": n})
                await session.commit()
            async with sessions() as session:
                ids = list(await session.scalars(select(Delivery.id).order_by(Delivery.id)))
            clients = [build_client(settings), build_client(settings)]
            workers = [
                Dispatcher(
                    DeliveryContext(
                        settings, sessions, client, SecretBox(SECRET_KEY), JobQueue(broker)
                    )
                )
                for client in clients
            ]
            turns = itertools.cycle(workers)
            try:
                # When two workers get one task per message, all at once (as publishes enqueue
                # them), and then whatever the scheduler brings back, in turns
                await asyncio.gather(*(next(turns).dispatch([i]) for i in ids))
                async with asyncio.timeout(MESSAGES / LIMIT + 20):
                    while len(receiver.requests) < MESSAGES or await pending(sessions):
                        await run_once(settings, sessions, JobQueue(broker))
                        tasks = take_tasks(broker)
                        await asyncio.gather(*(next(turns).dispatch(t) for t in tasks))
                        await asyncio.sleep(settings.scheduler_interval_seconds)
                for worker in workers:
                    await worker.drain()
            finally:
                for client in clients:
                    await client.aclose()

        # Then each arrived once, and no sliding second held more than the limit plus one
        arrived = sorted(r.received_at for r in receiver.requests)
        ids_seen = [r.headers["webhook-id"] for r in receiver.requests]
        assert len(ids_seen) == len(set(ids_seen)) == MESSAGES
        busiest = busiest_second(arrived)
        offsets = " ".join(f"{t - arrived[0]:.3f}" for t in arrived)
        assert len(busiest) <= LIMIT + 1, f"arrivals, seconds after the first: {offsets}"
        # and the limit paced them (it did not only cap a burst): 45 at 10/s take 4 s at least
        assert arrived[-1] - arrived[0] >= (MESSAGES - LIMIT - 1) / LIMIT

"""The Dramatiq broker, chosen by ``HOOKRELAY_BROKER_URL``: in-process, RabbitMQ or Redis.

Actors are declared on a broker object passed in (``workers.actors.declare_actors``), not bound to a
global broker at import time, so a process builds exactly one broker from its settings first.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Retries, ShutdownNotifications, TimeLimit

from workers.contracts import broker_lanes, delivery_queues

# Messages one worker process holds unacked per lane, beyond those its threads run. Fewer than
# its threads, so one tenant's flooded lane (whose tasks wait for the tenant's turn in the
# dispatcher, ``workers.fair``) can hold only some of the threads, never all: another lane's
# task finds a free one. Dramatiq's default is twice the threads per queue.
LANE_PREFETCH_SHARE = 4  # of the worker threads


def _middleware() -> list[dramatiq.Middleware]:
    return [
        # A hung actor is interrupted; the database lease then lets the scheduler retry it.
        TimeLimit(),
        ShutdownNotifications(),
        # Retries live in the database (next_attempt_at), never as held broker messages.
        Retries(max_retries=0),
        # Runs async actors on one event loop thread per worker process.
        AsyncIO(),
    ]


def build_broker(url: str) -> dramatiq.Broker:
    broker: dramatiq.Broker
    if url.startswith("memory://"):
        broker = StubBroker(middleware=_middleware())
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url, middleware=_middleware())
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, middleware=_middleware())  # type: ignore[no-untyped-call]
    else:
        raise ValueError(f"unsupported broker URL {url!r}")
    for queue_name in delivery_queues(broker_lanes(broker)):
        broker.declare_queue(queue_name)
    dramatiq.set_broker(broker)
    return broker


def build_worker(
    broker: dramatiq.Broker, *, worker_threads: int, worker_timeout: int
) -> dramatiq.Worker:
    """The delivery worker: every delivery queue, a few messages prefetched per lane."""
    worker = dramatiq.Worker(
        broker,
        queues=set(delivery_queues(broker_lanes(broker))),
        worker_threads=worker_threads,
        worker_timeout=worker_timeout,
    )
    worker.queue_prefetch = max(worker_threads // LANE_PREFETCH_SHARE, 1)
    return worker

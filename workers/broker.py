"""The Dramatiq broker, chosen by ``HOOKRELAY_BROKER_URL``: in-process, RabbitMQ or Redis.

Actors are declared on a broker object passed in (``workers.actors.declare_actors``), not bound to a
global broker at import time, so a process builds exactly one broker from its settings first.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import AsyncIO, Retries, ShutdownNotifications, TimeLimit

from workers.contracts import DELIVERY_QUEUE


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
    broker.declare_queue(DELIVERY_QUEUE)
    dramatiq.set_broker(broker)
    return broker

"""Integration fixtures: the real app on a real database, with Dramatiq's in-process broker; and
the real worker (actors, middleware, a Dramatiq ``Worker``) on a RabbitMQ virtual host of its own."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import dramatiq
import pytest
from dramatiq.brokers.stub import StubBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.auth.service import ensure_admin_key
from app.config import Settings
from app.kit.crypto import SecretBox
from app.kit.jobs import JobQueue
from app.main import create_app
from tests.conftest import ADMIN_KEY, RABBITMQ_URL, SECRET_KEY
from tests.e2e.harness.services import fresh_rabbitmq_vhost
from tests.integration.receiver import Receiver, running_receiver
from workers.actors import declare_actors
from workers.broker import build_broker
from workers.contracts import DELIVERY_QUEUE
from workers.delivery import DeliveryContext
from workers.http import build_client
from workers.resources import Resources


@pytest.fixture
def broker() -> StubBroker:
    broker = StubBroker()
    broker.declare_queue(DELIVERY_QUEUE)
    return broker


@pytest.fixture(scope="session")
def rabbitmq_vhost() -> Iterator[str]:
    """A RabbitMQ virtual host for this test session: every Hookrelay process declares the same
    queue, so on a shared vhost another run's workers would take this run's tasks."""
    with fresh_rabbitmq_vhost(RABBITMQ_URL) as url:
        yield url


@pytest.fixture(scope="module")
def rabbitmq_worker(settings: Settings, rabbitmq_vhost: str) -> Iterator[dramatiq.Broker]:
    """The worker as ``hookrelay worker`` runs it, in this process: the production broker and
    middleware on RabbitMQ, the actors, the Resources middleware (its own engine on the test
    database) and a Dramatiq ``Worker`` consuming the delivery queue. Yields its broker.

    Module-scoped: a worker left running into other modules' tests would still be recording
    while their fixture empties the tables (a deadlock on PostgreSQL, seen once)."""
    broker = build_broker(rabbitmq_vhost)
    broker.add_middleware(Resources(settings))
    declare_actors(broker)
    # A short idle poll: stopping the worker waits for its consumer's poll to end.
    worker = dramatiq.Worker(broker, queues={DELIVERY_QUEUE}, worker_threads=2, worker_timeout=50)
    worker.start()
    try:
        yield broker
    finally:
        worker.stop()
        broker.close()


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    """A real webhook receiver on 127.0.0.1 (``tests/integration/receiver.py``)."""
    async with running_receiver() as receiver:
        yield receiver


@pytest.fixture
async def ctx(
    settings: Settings, sessions: Any, broker: StubBroker
) -> AsyncIterator[DeliveryContext]:
    """What a worker process sends with: a real sender, the database, the in-process broker."""
    client = build_client(settings)
    yield DeliveryContext(
        settings=settings,
        sessions=sessions,
        client=client,
        secret_box=SecretBox(settings.secret_key),
        jobs=JobQueue(broker),
    )
    await client.aclose()


@pytest.fixture
async def make_ctx(
    make_settings: Any, database_url: str, sessions: Any, broker: StubBroker
) -> AsyncIterator[Callable[..., DeliveryContext]]:
    """``make_ctx(**settings)``: a worker's context with these settings, its client closed after."""
    clients = []

    def make(**overrides: Any) -> DeliveryContext:
        settings = make_settings(database_url, **overrides)
        client = build_client(settings)
        clients.append(client)
        return DeliveryContext(settings, sessions, client, SecretBox(SECRET_KEY), JobQueue(broker))

    yield make
    for client in clients:
        await client.aclose()


@pytest.fixture
async def app(settings: Settings, sessions: Any, broker: StubBroker) -> Litestar:
    async with sessions() as session:
        await ensure_admin_key(session, settings)
        await session.commit()
    return create_app(settings, broker)


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[AsyncTestClient[Litestar]]:
    async with AsyncTestClient(app, base_url="http://testserver.local") as client:
        client.headers["authorization"] = f"Bearer {ADMIN_KEY}"
        yield client


def queued_delivery_ids(broker: StubBroker) -> list[str]:
    """Every delivery id in tasks waiting on the in-process broker's delivery queue."""
    queue = broker.queues[DELIVERY_QUEUE]
    ids: list[str] = []
    for encoded in list(queue.queue):
        message = json.loads(encoded)
        ids.extend(message["kwargs"]["delivery_ids"])
    return ids

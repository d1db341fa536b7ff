"""Integration fixtures: the real app on a real database, with Dramatiq's in-process broker."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.auth.service import ensure_admin_key
from app.config import Settings
from app.kit.crypto import SecretBox
from app.kit.jobs import JobQueue
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.integration.receiver import Receiver, running_receiver
from workers.contracts import DELIVERY_QUEUE
from workers.delivery import DeliveryContext
from workers.http import build_client


@pytest.fixture
def broker() -> StubBroker:
    broker = StubBroker()
    broker.declare_queue(DELIVERY_QUEUE)
    return broker


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

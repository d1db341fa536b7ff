"""Row locks between publishing and the worker: a publish must never wait for a worker that holds
an endpoint's row while it records outcomes (that wait deadlocked batch publishes under load)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import text

from app.deliveries import repository
from tests.factories import create_endpoint, create_tenant, publish


async def test_publish_is_not_blocked_by_a_worker_holding_the_endpoint_lock(
    sessions: Any, database_url: str
) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite runs one writer at a time (BEGIN IMMEDIATE): no row locks to order")
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoints = [await create_endpoint(session, tenant) for _ in range(2)]
        await session.commit()

    async with sessions() as worker, sessions() as api:
        # The worker's recording transaction holds the endpoints' rows ...
        locked = await repository.lock_endpoints(worker, [e.id for e in endpoints])
        assert set(locked) == {e.id for e in endpoints}
        # ... and a publish that creates deliveries to them goes through at once (the foreign
        # key checks take FOR KEY SHARE, which FOR NO KEY UPDATE does not block).
        await api.execute(text("SET LOCAL lock_timeout = '2s'"))
        message = await publish(api, tenant)
        await api.commit()
        await worker.commit()
    assert message.id.startswith("msg_")

"""Guarantee 8 under races: a unique index or a foreign key that a concurrent request reached
first is a 409 (or the request succeeds), never a 500. Each test sends real concurrent requests
through the whole app (``asyncio.gather`` over httpx's ASGI transport, which runs them on one
event loop; Litestar's test client sends one at a time) on SQLite and PostgreSQL, where a
check-then-insert really interleaves with another request's insert or delete."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from litestar import Litestar
from sqlalchemy import func, select

from app.models import Delivery, Endpoint, EventType, Tenant
from tests.conftest import ADMIN_KEY

Client = httpx.AsyncClient
CONCURRENT = 8
CONFLICT_CODES = {"conflict", "tenant_exists", "event_type_exists"}


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """Concurrent requests into the real app (no lifespan: its engine is disposed here)."""
    transport = httpx.ASGITransport(app=app)
    headers = {"authorization": f"Bearer {ADMIN_KEY}"}
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver.local", headers=headers
    ) as client:
        yield client
    await app.state.engine.dispose()


async def count(sessions: Any, model: Any, *where: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model).where(*where)))


def assert_one_created_rest_conflict(answers: list[Any]) -> None:
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (len(answers) - 1), [a.text for a in answers]
    codes = {a.json()["code"] for a in answers if a.status_code == 409}
    assert codes <= CONFLICT_CODES, codes


class TestConcurrentCreates:
    async def test_eight_creates_of_one_tenant_uid_make_one_tenant_and_409s(
        self, client: Client, sessions: Any
    ) -> None:
        body = {"uid": "acme", "name": "Acme"}
        answers = await asyncio.gather(
            *(client.post("/api/v1/tenants", json=body) for _ in range(CONCURRENT))
        )
        assert_one_created_rest_conflict(answers)
        assert await count(sessions, Tenant, Tenant.uid == "acme") == 1

    async def test_eight_creates_of_one_event_type_make_one_and_409s(
        self, client: Client, sessions: Any
    ) -> None:
        body = {"name": "invoice.paid"}
        answers = await asyncio.gather(
            *(client.post("/api/v1/event-types", json=body) for _ in range(CONCURRENT))
        )
        assert_one_created_rest_conflict(answers)
        assert await count(sessions, EventType, EventType.name == "invoice.paid") == 1


class TestPublishRacingADelete:
    async def test_a_publish_racing_its_endpoints_delete_is_202_or_409(
        self, client: Client, sessions: Any
    ) -> None:
        assert (await client.post("/api/v1/tenants", json={"uid": "acme", "name": "A"})).is_success
        tenant = "/api/v1/tenants/acme"
        message = {"event_type": "invoice.paid", "payload": {"n": 1}}
        statuses: list[int] = []
        for _ in range(5):
            # Given an endpoint that every message matches
            created = await client.post(f"{tenant}/endpoints", json={"url": "https://a.example/h"})
            endpoint = created.json()["id"]

            # When it is deleted while messages are being published to it
            publishes = [client.post(f"{tenant}/messages", json=message) for _ in range(CONCURRENT)]
            deleted, *published = await asyncio.gather(
                client.delete(f"{tenant}/endpoints/{endpoint}"), *publishes
            )

            # Then the delete and every publish answer on purpose; the endpoint is gone (a soft
            # delete: its history stays readable, and retention fails what it still owed, unsent)
            assert deleted.status_code == 204, deleted.text
            for answer in published:
                assert answer.status_code in (202, 409), answer.text
                statuses.append(answer.status_code)
            gone = Endpoint.id == endpoint, Endpoint.deleted_at.is_not(None)
            assert await count(sessions, Endpoint, *gone) == 1
            assert await count(sessions, Delivery, Delivery.endpoint_id == endpoint) <= CONCURRENT
        assert 202 in statuses

"""Retention of every table, and an endpoint's soft delete, on both databases: through the
scheduler's own ``purge_once``, a real receiver on 127.0.0.1, and time moved by the clock seam."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from prometheus_client import REGISTRY
from sqlalchemy import event, func, insert, select
from sqlalchemy.engine import Engine

from app.config import Settings
from app.kit.clock import utc_now
from app.kit.ids import id_bound, new_id
from app.models import (
    ATTEMPT_ROLLUPS,
    Attempt,
    Delivery,
    Endpoint,
    Message,
    MessageChannel,
    MessagePayload,
    Tenant,
)
from tests.conftest import Clock
from tests.factories import create_endpoint, create_tenant, publish, send_deliveries
from tests.integration.receiver import Receiver
from workers.delivery import DeliveryContext
from workers.scheduler import purge_once

Client = AsyncTestClient[Any]
DAY = 86_400.0
KINDS = (
    "attempts",
    "deliveries",
    "messages",
    "payloads",
    "message_channels",
    "endpoints",
    "attempt_rollups",
)


def purged_so_far() -> dict[str, float]:
    """The retention counters of this process, by kind."""
    return {
        kind: REGISTRY.get_sample_value("hookrelay_retention_purged_rows_total", {"kind": kind})
        or 0.0
        for kind in KINDS
    }


async def ids_of(sessions: Any, column: Any) -> set[str]:
    async with sessions() as session:
        return set(await session.scalars(select(column)))


async def delivery_ids(sessions: Any, endpoint_id: str) -> list[str]:
    async with sessions() as session:
        query = select(Delivery.id).where(Delivery.endpoint_id == endpoint_id)
        return list(await session.scalars(query.order_by(Delivery.id)))


async def published(
    sessions: Any, receiver: Receiver, count_by_path: dict[str, int]
) -> tuple[Tenant, dict[str, Endpoint], dict[str, list[str]]]:
    """Given a tenant with one endpoint per receiver path (subscribed to ``<path>.*``) and
    ``count`` messages (channel ``eu``) for each: the endpoints and message ids by path."""
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoints, messages = {}, {}
        for path, count in count_by_path.items():
            endpoints[path] = await create_endpoint(
                session, tenant, url=receiver.url(f"/{path}"), event_types=[f"{path}.*"]
            )
            made = [
                await publish(session, tenant, event_type=f"{path}.made", channels=["eu"])
                for _ in range(count)
            ]
            messages[path] = [m.id for m in made]
        await session.commit()
    return tenant, endpoints, messages


async def tried_once(
    sessions: Any, ctx: DeliveryContext, receiver: Receiver, *, ok: int
) -> tuple[dict[str, Endpoint], dict[str, list[str]]]:
    """Given ``ok`` messages delivered to endpoint "ok" and one to "flaky" whose receiver
    answered 500 (pending, with one failed try): the endpoints and message ids by path."""
    receiver.on("/flaky", 500)
    _, endpoints, messages = await published(sessions, receiver, {"ok": ok, "flaky": 1})
    for endpoint in endpoints.values():
        await send_deliveries(ctx, await delivery_ids(sessions, endpoint.id))
    return endpoints, messages


@contextmanager
def statements_run() -> Iterator[list[str]]:
    """Every SQL statement any engine of this process runs inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(Engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", record)


async def rollup_rows(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ATTEMPT_ROLLUPS)) or 0)


class TestRetention:
    async def test_every_kind_is_purged_past_its_age_in_batches_and_pending_work_stays(
        self,
        settings: Settings,
        sessions: Any,
        ctx: DeliveryContext,
        receiver: Receiver,
        clock: Clock,
        client: Client,
    ) -> None:
        # Given two messages delivered to "ok" and one to "flaky" that failed once (pending)
        _, messages = await tried_once(sessions, ctx, receiver, ok=2)
        pending_message = messages["flaky"][0]
        assert len(await ids_of(sessions, Attempt.id)) == 3 and len(receiver.requests) == 3
        # ...31 days ago, and a message published now
        clock.advance(31 * DAY)
        async with sessions() as session:
            tenant = await session.scalar(select(Tenant))
            assert tenant is not None
            fresh = (await publish(session, tenant, event_type="ok.made", channels=["eu"])).id
            await session.commit()
        before = purged_so_far()
        rollups = await rollup_rows(sessions)  # minute and hour rows of the three tries

        # When retention runs with one row per transaction
        one_by_one = msgspec.structs.replace(settings, retention_batch_size=1)
        purged = await purge_once(one_by_one, sessions)

        # Then the finished messages went with everything they held...
        kept = {pending_message, fresh}
        assert await ids_of(sessions, Message.id) == kept
        assert await ids_of(sessions, MessagePayload.message_id) == kept
        assert await ids_of(sessions, MessageChannel.message_id) == kept
        assert await ids_of(sessions, Delivery.message_id) == kept
        # ...and the pending delivery kept its message, payload and attempt
        (flaky_attempt,) = await ids_of(sessions, Attempt.id)
        async with sessions() as session:
            attempt = await session.get(Attempt, flaky_attempt)
            assert attempt is not None and attempt.message_id == pending_message
        # And every row removed is counted by kind, in /metrics too
        after = purged_so_far()
        counted = {kind: after[kind] - before[kind] for kind in KINDS}
        assert counted == {
            "attempts": 2,
            "deliveries": 2,
            "messages": 2,
            "payloads": 2,
            "message_channels": 2,
            "endpoints": 0,
            "attempt_rollups": rollups,
        }
        assert purged == 10 + rollups and await rollup_rows(sessions) == 0
        assert await purge_once(one_by_one, sessions) == 0
        metrics = (await client.get("/metrics")).text
        assert 'hookrelay_retention_purged_rows_total{kind="attempts"}' in metrics
        assert oldest_age(metrics, "messages") >= 31 * DAY
        assert oldest_age(metrics, "attempts") >= 31 * DAY

    async def test_each_kind_keeps_its_own_age_and_zero_keeps_it_forever(
        self,
        settings: Settings,
        sessions: Any,
        ctx: DeliveryContext,
        receiver: Receiver,
        clock: Clock,
    ) -> None:
        # Given a delivered message and a pending one with a failed try, two days ago
        endpoints, _ = await tried_once(sessions, ctx, receiver, ok=1)
        clock.advance(2 * DAY)
        attempts_only = msgspec.structs.replace(
            settings,
            attempt_retention_days=1,
            delivery_retention_days=0,
            message_retention_days=0,
            payload_retention_days=0,
        )

        rollups = await rollup_rows(sessions)

        # When retention runs with attempts kept one day and everything else forever
        purged = await purge_once(attempts_only, sessions)

        # Then only the finished delivery's attempt went (and the roll-up, minutes and hours)
        assert purged == 1 + rollups and await rollup_rows(sessions) == 0
        async with sessions() as session:
            (left,) = await session.scalars(select(Attempt))
            assert left.endpoint_id == endpoints["flaky"].id
        assert len(await ids_of(sessions, Delivery.id)) == 2
        assert len(await ids_of(sessions, Message.id)) == 2
        assert len(await ids_of(sessions, MessagePayload.message_id)) == 2

    async def test_payload_retention_zero_does_not_skip_the_other_purges(
        self, settings: Settings, sessions: Any, client: Client
    ) -> None:
        # Given a deleted endpoint with no history, and every age kept forever
        async with sessions() as session:
            endpoint = await create_endpoint(session, await create_tenant(session))
            await session.commit()
        path = f"/api/v1/tenants/acme/endpoints/{endpoint.id}"
        assert (await client.delete(path)).status_code == 204
        forever = msgspec.structs.replace(
            settings,
            payload_retention_days=0,
            attempt_retention_days=0,
            delivery_retention_days=0,
            message_retention_days=0,
        )

        # When retention runs, Then the endpoint's row goes all the same
        assert await purge_once(forever, sessions) == 1
        assert await ids_of(sessions, Endpoint.id) == set()


def oldest_age(metrics: str, kind: str) -> float:
    prefix = f'hookrelay_retention_oldest_age_seconds{{kind="{kind}"}} '
    (line,) = [line for line in metrics.splitlines() if line.startswith(prefix)]
    return float(line.removeprefix(prefix))


class TestEndpointDelete:
    async def test_delete_runs_in_constant_time_whatever_the_history_size(
        self, sessions: Any, client: Client
    ) -> None:
        # Given an endpoint with a history of 20,000 deliveries and 20,000 attempts
        async with sessions() as session:
            tenant = await create_tenant(session)
            endpoint = await create_endpoint(session, tenant)
            await session.commit()
        history = await insert_history(sessions, tenant.id, endpoint.id, count=20_000)
        path = f"/api/v1/tenants/acme/endpoints/{endpoint.id}"

        # When it is deleted
        with statements_run() as statements:
            response = await client.delete(path)

        # Then the request ran a few statements on the endpoint alone, none on its history
        assert response.status_code == 204
        assert len(statements) <= 12, statements
        assert not [s for s in statements if "deliveries" in s or "attempts" in s]
        writes = [s.split()[1:3] for s in statements if s.lstrip().startswith(("UPDATE", "DELETE"))]
        # (the admin key's last use aside)
        assert [w for w in writes if w[0] != "api_keys"] == [["endpoints", "SET"]]
        # And it is gone for reads while its history reads on, marked
        assert (await client.get(path)).status_code == 404
        assert (await client.get("/api/v1/tenants/acme/endpoints")).json()["data"] == []
        message_path = f"/api/v1/tenants/acme/messages/{history[-1]}"
        (delivery,) = (await client.get(f"{message_path}/deliveries")).json()["data"]
        (attempt,) = (await client.get(f"{message_path}/attempts")).json()["data"]
        assert delivery["endpoint_deleted"] and attempt["endpoint_deleted"]
        assert delivery["endpoint_id"] == attempt["endpoint_id"] == endpoint.id

    async def test_a_deleted_endpoint_is_never_sent_to_and_its_history_goes_with_retention(
        self,
        settings: Settings,
        sessions: Any,
        ctx: DeliveryContext,
        receiver: Receiver,
        clock: Clock,
        client: Client,
    ) -> None:
        # Given an endpoint with one delivered message and two pending
        tenant, endpoints, messages = await published(sessions, receiver, {"ep": 3})
        endpoint = endpoints["ep"]
        first, *pending = await delivery_ids(sessions, endpoint.id)
        await send_deliveries(ctx, [first])
        assert len(receiver.requests) == 1

        # When it is deleted, its pending deliveries' tasks come, and the scheduler's round runs
        path = f"/api/v1/tenants/acme/endpoints/{endpoint.id}"
        assert (await client.delete(path)).status_code == 204
        await send_deliveries(ctx, pending)
        await purge_once(settings, sessions)

        # Then nothing more was sent, the pending deliveries failed, marked, and publish skips it
        assert len(receiver.requests) == 1
        # (ids made in one millisecond need not sort in publish order: find each by its id)
        for message_id in messages["ep"]:
            log = f"/api/v1/tenants/acme/messages/{message_id}/deliveries"
            (delivery,) = (await client.get(log)).json()["data"]
            expected = "succeeded" if delivery["id"] == first else "failed"
            assert (delivery["status"], delivery["endpoint_deleted"]) == (expected, True)
        published_now = await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "ep.made", "payload": {}}
        )
        assert published_now.status_code == 202
        assert len(await delivery_ids(sessions, endpoint.id)) == 3
        # And when its history has aged out, retention purges it, then the endpoint's row
        clock.advance(31 * DAY)
        batches = msgspec.structs.replace(settings, retention_batch_size=2)
        assert await purge_once(batches, sessions) > 0
        assert await delivery_ids(sessions, endpoint.id) == []
        assert await ids_of(sessions, Attempt.id) == set()
        assert endpoint.id not in await ids_of(sessions, Endpoint.id)
        assert tenant.id  # the tenant itself stays


async def insert_history(
    sessions: Any, tenant_id: str, endpoint_id: str, *, count: int
) -> list[str]:
    """``count`` finished messages to the endpoint, each with a delivery and one attempt, inserted
    in bulk (as a long-lived endpoint accumulates them); the message ids, oldest first."""
    at = utc_now() - timedelta(days=1)
    base = id_bound("msg", at)[:-8]
    message_ids = [f"{base}{n:08d}" for n in range(count)]
    delivery_ids = [new_id("dlv") for _ in range(count)]
    async with sessions() as session:
        await session.execute(
            insert(Message),
            [
                {"id": m, "tenant_id": tenant_id, "event_type": "a.b", "created_at": at}
                for m in message_ids
            ],
        )
        await session.execute(
            insert(Delivery),
            [
                {
                    "id": d,
                    "tenant_id": tenant_id,
                    "message_id": m,
                    "endpoint_id": endpoint_id,
                    "status": "succeeded",
                    "attempt_count": 1,
                    "created_at": at,
                    "updated_at": at,
                }
                for m, d in zip(message_ids, delivery_ids, strict=True)
            ],
        )
        await session.execute(
            insert(Attempt),
            [
                {
                    "id": new_id("att"),
                    "tenant_id": tenant_id,
                    "delivery_id": d,
                    "message_id": m,
                    "endpoint_id": endpoint_id,
                    "attempt_number": 1,
                    "status": "succeeded",
                    "status_code": 200,
                    "response_body": "ok",
                    "duration_ms": 3,
                    "trigger": "scheduled",
                    "created_at": at,
                }
                for m, d in zip(message_ids, delivery_ids, strict=True)
            ],
        )
        await session.commit()
    return message_ids

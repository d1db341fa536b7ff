"""An endpoint's attempts and stats, and payload retention, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, func, insert, select

from app.config import Settings
from app.deliveries import repository
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.histogram import ERROR_BOUND
from app.kit.ids import id_bound, new_id
from app.models import Attempt, Delivery, Endpoint, Message, MessagePayload
from tests.factories import create_endpoint, create_tenant, publish, send_deliveries
from workers.delivery import DeliveryContext, redact_headers
from workers.http import build_client
from workers.scheduler import purge_once

Client = AsyncTestClient[Any]
TENANT = "/api/v1/tenants/acme"


async def seed_attempts(sessions: Any, client: Client) -> str:
    """An endpoint with attempts spread over the windows: durations 10..100 ms in the last hour,
    two failures (a 500 and a timeout) in the last day, one success a few days ago."""
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    endpoint = (
        await client.post(f"{TENANT}/endpoints", json={"url": "https://example.com/hook"})
    ).json()["id"]
    message = (
        await client.post(f"{TENANT}/messages", json={"event_type": "a.b", "payload": {}})
    ).json()["id"]
    now = utc_now()
    async with sessions() as session:
        delivery = await session.scalar(select(Delivery).where(Delivery.message_id == message))
        assert delivery is not None

        def attempt(
            n: int, age: timedelta, status_code: int | None, **extra: Any
        ) -> dict[str, Any]:
            return {
                "id": new_id("att"),
                "tenant_id": delivery.tenant_id,
                "delivery_id": delivery.id,
                "message_id": message,
                "endpoint_id": endpoint,
                "attempt_number": n,
                "status": "succeeded" if status_code == 200 else "failed",
                "status_code": status_code,
                "response_body": "",
                "duration_ms": extra.pop("duration_ms", 5),
                "error_kind": None
                if status_code == 200
                else extra.pop("error_kind", "http_status"),
                "trigger": "scheduled",
                "created_at": now - age,
            }

        rows = [attempt(i, timedelta(minutes=i), 200, duration_ms=i * 10) for i in range(1, 11)]
        rows.append(attempt(11, timedelta(hours=3), 500, duration_ms=1000))
        rows.append(attempt(12, timedelta(hours=5), None, error_kind="timeout", duration_ms=2000))
        rows.append(attempt(13, timedelta(days=3), 200, duration_ms=1))
        await repository.record(session, rows, [])  # as the worker records: roll-up too
        await session.commit()
    return str(endpoint)


def near(found: dict[str, int], exact: dict[str, int]) -> bool:
    """Each of ``exact``'s percentiles within the histogram's bound in ``found``."""
    return all(abs(found[name] - value) <= ERROR_BOUND * value for name, value in exact.items())


class TestEndpointStats:
    async def test_stats_count_outcomes_and_percentiles_per_window(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await seed_attempts(sessions, client)

        response = await client.get(f"{TENANT}/endpoints/{endpoint}/stats")

        assert response.status_code == 200
        hour, day, week = response.json()["windows"]
        assert [hour["window"], day["window"], week["window"]] == ["1h", "24h", "7d"]
        assert hour["total"] == 10
        assert hour["outcomes"] == {"succeeded": 10}
        assert hour["success_rate"] == 1.0
        # Percentiles come from the roll-up's histogram: within its bound of the exact ones.
        assert near(hour["duration_ms"], {"p50": 50, "p95": 100, "p99": 100})
        assert day["total"] == 12
        assert day["outcomes"] == {"succeeded": 10, "http_5xx": 1, "timeout": 1}
        assert day["failed"] == 2
        assert day["success_rate"] == round(10 / 12, 4)
        assert near(day["duration_ms"], {"p99": 2000})
        assert week["total"] == 13
        assert near(week["duration_ms"], {"p50": 60})

    async def test_stats_of_an_endpoint_without_attempts_are_empty(
        self, client: Client, sessions: Any
    ) -> None:
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        endpoint = (
            await client.post(f"{TENANT}/endpoints", json={"url": "https://example.com/h"})
        ).json()["id"]
        (hour, *_) = (await client.get(f"{TENANT}/endpoints/{endpoint}/stats")).json()["windows"]
        assert hour["total"] == 0
        assert hour["success_rate"] is None
        assert hour["duration_ms"] == {"p50": None, "p95": None, "p99": None}


class TestEndpointAttempts:
    async def test_attempts_newest_first_paged_and_filtered_by_status(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await seed_attempts(sessions, client)
        path = f"{TENANT}/endpoints/{endpoint}/attempts"

        everything = (await client.get(path)).json()["data"]
        assert [a["attempt_number"] for a in everything] == list(range(1, 14))
        failed = (await client.get(path, params={"status": "failed"})).json()["data"]
        assert [a["attempt_number"] for a in failed] == [11, 12]
        seen: list[int] = []
        cursor = None
        while True:
            params: dict[str, Any] = {"limit": 5, **({"cursor": cursor} if cursor else {})}
            page = (await client.get(path, params=params)).json()
            seen += [a["attempt_number"] for a in page["data"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == list(range(1, 14))

    @pytest.mark.parametrize(
        ("params", "code"),
        [({"status": "maybe"}, "invalid_filter"), ({"cursor": "x~y"}, "invalid_cursor")],
    )
    async def test_bad_parameters_are_422(
        self, client: Client, sessions: Any, params: dict[str, str], code: str
    ) -> None:
        endpoint = await seed_attempts(sessions, client)
        response = await client.get(f"{TENANT}/endpoints/{endpoint}/attempts", params=params)
        assert response.status_code == 422
        assert response.json()["code"] == code

    async def test_another_tenant_sees_no_attempts_of_the_endpoint(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await seed_attempts(sessions, client)
        await client.post("/api/v1/tenants", json={"uid": "globex", "name": "Globex"})
        for suffix in ("attempts", "stats"):
            response = await client.get(f"/api/v1/tenants/globex/endpoints/{endpoint}/{suffix}")
            assert response.status_code == 404
            assert response.json()["code"] == "endpoint_not_found"


class TestRedaction:
    def test_signature_and_secret_looking_headers_are_redacted(self) -> None:
        headers = {
            "content-type": "application/json",
            "webhook-id": "msg_1",
            "webhook-signature": "v1,abc",
            "Authorization": "Bearer x",
            "X-Api-Key": "k",
            "X-Shop-Token": "t",
            "X-Tenant": "acme",
        }
        assert redact_headers(headers) == {
            "content-type": "application/json",
            "webhook-id": "msg_1",
            "webhook-signature": "[redacted]",
            "Authorization": "[redacted]",
            "X-Api-Key": "[redacted]",
            "X-Shop-Token": "[redacted]",
            "X-Tenant": "acme",
        }


class TestRetention:
    async def test_old_payloads_are_purged_in_batches_and_attempts_stay(
        self, settings: Settings, sessions: Any, client: Client
    ) -> None:
        # Given five messages from three days ago (with a delivery and an attempt) and a new one
        async with sessions() as session:
            tenant = await create_tenant(session)
            endpoint = await create_endpoint(session, tenant)
            old_at = utc_now() - timedelta(days=3)
            base = id_bound("msg", old_at)[:-2]
            old_ids = [f"{base}{n:02d}" for n in range(5)]
            new_id_ = new_id("msg")
            for message_id in [*old_ids, new_id_]:
                session.add(
                    Message(
                        id=message_id,
                        tenant_id=tenant.id,
                        event_type="a.b",
                        created_at=old_at if message_id in old_ids else utc_now(),
                    )
                )
            await session.flush()
            await session.execute(
                insert(MessagePayload),
                [{"message_id": m, "body": b'{"n":1}'} for m in [*old_ids, new_id_]],
            )
            delivery_id = new_id("dlv")
            await session.execute(
                insert(Delivery),
                [
                    {
                        "id": delivery_id,
                        "tenant_id": tenant.id,
                        "message_id": old_ids[0],
                        "endpoint_id": endpoint.id,
                        "status": "failed",
                        "attempt_count": 1,
                        "created_at": old_at,
                        "updated_at": old_at,
                    }
                ],
            )
            await session.execute(
                insert(Attempt),
                [
                    {
                        "id": new_id("att"),
                        "tenant_id": tenant.id,
                        "delivery_id": delivery_id,
                        "message_id": old_ids[0],
                        "endpoint_id": endpoint.id,
                        "attempt_number": 1,
                        "status": "failed",
                        "status_code": 500,
                        "response_body": "oops",
                        "duration_ms": 3,
                        "trigger": "scheduled",
                        "created_at": old_at,
                    }
                ],
            )
            await session.commit()
        retention = msgspec.structs.replace(
            settings, payload_retention_days=1, retention_batch_size=2
        )

        # When retention runs
        purged = await purge_once(retention, sessions)

        # Then the old payloads are gone, the new one stays, and messages and attempts stay
        assert purged == 5
        async with sessions() as session:
            kept = list(await session.scalars(select(MessagePayload.message_id)))
            assert kept == [new_id_]
            assert await session.scalar(select(func.count()).select_from(Message)) == 6
            assert await session.scalar(select(func.count()).select_from(Attempt)) == 1
        message = (await client.get(f"/api/v1/tenants/acme/messages/{old_ids[0]}")).json()
        assert message["payload"] is None
        assert await purge_once(retention, sessions) == 0

    async def test_retention_zero_keeps_payloads(self, settings: Settings, sessions: Any) -> None:
        keep = msgspec.structs.replace(settings, payload_retention_days=0)
        assert await purge_once(keep, sessions) == 0

    async def test_a_delivery_whose_payload_was_purged_fails_as_payload_purged(
        self, settings: Settings, sessions: Any
    ) -> None:
        async with sessions() as session:
            tenant = await create_tenant(session)
            endpoint = await create_endpoint(session, tenant)
            message = await publish(session, tenant)
            await session.commit()
        async with sessions() as session:
            # Retention keeps the payload that a pending delivery still needs...
            kept = await repository.purge_payloads(session, before_id=new_id("msg"), limit=10)
            # ...but a failed delivery resent after its payload went finds none, as here
            await session.execute(delete(MessagePayload))
            await session.commit()
        assert kept == 0

        client = build_client(settings)
        try:
            ctx = DeliveryContext(settings, sessions, client, SecretBox(settings.secret_key))
            async with sessions() as session:
                ids = list(await session.scalars(select(Delivery.id)))
            await send_deliveries(ctx, ids)
        finally:
            await client.aclose()

        async with sessions() as session:
            attempt = await session.scalar(select(Attempt).where(Attempt.message_id == message.id))
            delivery = await session.scalar(select(Delivery))
            found_endpoint = await session.get(Endpoint, endpoint.id)
        assert attempt is not None and attempt.error_kind == "payload_purged"
        assert delivery is not None and delivery.status == "failed"
        assert found_endpoint is not None and found_endpoint.circuit_failures == 0

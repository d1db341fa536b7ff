"""The delivery log: message filters, cursor pages, per-endpoint delivery status."""

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update

from app.models import Delivery

Client = AsyncTestClient[Any]
MESSAGES = "/api/v1/tenants/acme/messages"


async def setup(client: Client) -> tuple[str, str]:
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    ids = []
    for patterns in (["invoice.*"], ["customer.*"]):
        response = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://example.com/hook", "event_types": patterns},
        )
        ids.append(response.json()["id"])
    return ids[0], ids[1]


async def publish(client: Client, event_type: str, **extra: Any) -> str:
    body = {"event_type": event_type, "payload": {"n": 1}, **extra}
    response = await client.post(MESSAGES, json=body)
    assert response.status_code == 202, response.text
    return str(response.json()["id"])


async def listed(client: Client, **params: Any) -> list[str]:
    response = await client.get(MESSAGES, params=params)
    assert response.status_code == 200, response.text
    return [m["id"] for m in response.json()["data"]]


class TestMessageFilters:
    async def test_each_filter_keeps_only_matching_messages_newest_first(
        self, client: Client, sessions: Any
    ) -> None:
        invoices, customers = await setup(client)
        paid = await publish(client, "invoice.paid", channels=["eu", "vip"], event_id="e1")
        created = await publish(client, "customer.created", channels=["us"])
        voided = await publish(client, "invoice.voided", channels=["eu"])
        async with sessions() as session:
            await session.execute(
                update(Delivery).where(Delivery.message_id == paid).values(status="failed")
            )
            await session.commit()

        assert await listed(client) == [voided, created, paid]
        assert await listed(client, event_type="invoice.paid") == [paid]
        assert await listed(client, channel="eu") == [voided, paid]
        assert await listed(client, channel="eu", event_type="invoice.voided") == [voided]
        assert await listed(client, endpoint_id=invoices) == [voided, paid]
        assert await listed(client, endpoint_id=customers) == [created]
        assert await listed(client, status="failed") == [paid]
        assert await listed(client, status="pending") == [voided, created]
        assert await listed(client, status="pending", endpoint_id=invoices) == [voided]
        assert await listed(client, event_id="e1") == [paid]
        assert await listed(client, event_id="nope") == []
        assert await listed(client, channel="none") == []

    async def test_time_range_is_translated_to_ids(self, client: Client) -> None:
        await setup(client)
        first = await publish(client, "invoice.paid")
        await asyncio.sleep(0.01)
        middle = datetime.now(UTC)
        await asyncio.sleep(0.01)
        second = await publish(client, "invoice.paid")

        assert await listed(client, after=middle.isoformat()) == [second]
        assert await listed(client, before=middle.isoformat()) == [first]
        naive = middle.replace(tzinfo=None).isoformat()  # taken as UTC
        assert await listed(client, after=naive) == [second]

    async def test_cursor_pages_cover_a_filtered_list_once(self, client: Client) -> None:
        invoices, _ = await setup(client)
        ids = [await publish(client, "invoice.paid", channels=["eu"]) for _ in range(5)]
        await publish(client, "customer.created", channels=["eu"])
        for params in ({"channel": "eu", "event_type": "invoice.paid"}, {"endpoint_id": invoices}):
            seen: list[str] = []
            cursor = None
            while True:
                page = (
                    await client.get(
                        MESSAGES,
                        params={**params, "limit": 2, **({"cursor": cursor} if cursor else {})},
                    )
                ).json()
                seen += [m["id"] for m in page["data"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == list(reversed(ids))

    @pytest.mark.parametrize(
        "params",
        [{"status": "lost"}, {"after": "yesterday"}, {"before": "2026-13-01T00:00:00"}],
    )
    async def test_bad_filter_value_is_a_422(self, client: Client, params: dict[str, str]) -> None:
        await setup(client)
        response = await client.get(MESSAGES, params=params)
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_filter"


class TestDeliveryStatusPerEndpoint:
    async def test_deliveries_show_status_tries_next_time_and_last_status_code(
        self, client: Client
    ) -> None:
        invoices, _ = await setup(client)
        message = await publish(client, "invoice.paid")
        response = await client.get(f"{MESSAGES}/{message}/deliveries")
        (delivery,) = response.json()["data"]
        assert delivery["endpoint_id"] == invoices
        assert delivery["status"] == "pending"
        assert delivery["attempt_count"] == 0
        assert delivery["next_attempt_at"] is not None
        assert delivery["last_status_code"] is None
        assert delivery["trigger"] == "scheduled"

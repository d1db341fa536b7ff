from typing import Any

from sqlalchemy import select

from app.models import Delivery
from tests.conftest import Clock
from tests.factories import send_deliveries
from tests.integration.receiver import Receiver, running_receiver
from workers.delivery import DeliveryContext


async def deliver_all(ctx: DeliveryContext, sessions: Any) -> None:
    async with sessions() as session:
        ids = list(await session.scalars(select(Delivery.id)))
    await send_deliveries(ctx, ids)


class TestGuarantee5AttemptsVisibleToOwnerOnly:
    async def test_guarantee_5_every_try_is_an_attempt_the_owner_sees_and_no_other_tenant(
        self, client: Any, ctx: DeliveryContext, sessions: Any, clock: Clock
    ) -> None:
        async with running_receiver() as receiver:
            receiver.on("/a", 500)
            await self._publish_to_two_endpoints(client, receiver)
            msg = (await client.get("/api/v1/tenants/acme/messages")).json()["data"][0]
            await deliver_all(ctx, sessions)
            clock.advance(max(ctx.settings.retry_schedule))  # the retry is due
            await deliver_all(ctx, sessions)
            assert len(receiver.requests) == 3

        path = f"/api/v1/tenants/acme/messages/{msg['id']}/attempts"
        attempts = (await client.get(path)).json()["data"]
        assert len(attempts) == 3
        assert sorted((a["status"], a["status_code"]) for a in attempts) == [
            ("failed", 500),
            ("succeeded", 200),
            ("succeeded", 200),
        ]
        first = attempts[-1]
        assert set(first) >= {
            "id",
            "endpoint_id",
            "status",
            "status_code",
            "duration_ms",
            "response_body",
            "created_at",
            "error_kind",
            "trigger",
        }
        page = (await client.get(path, params={"limit": 2})).json()
        rest = (await client.get(path, params={"cursor": page["next_cursor"]})).json()
        assert [a["id"] for a in page["data"] + rest["data"]] == [a["id"] for a in attempts]

        await client.post("/api/v1/tenants", json={"uid": "globex", "name": "Globex"})
        foreign = await client.get(f"/api/v1/tenants/globex/messages/{msg['id']}/attempts")
        assert foreign.status_code == 404
        assert foreign.json()["code"] == "message_not_found"

    async def _publish_to_two_endpoints(self, client: Any, receiver: Receiver) -> None:
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        for path in ("/a", "/b"):
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": receiver.url(path)})
        response = await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "invoice.paid", "payload": {}}
        )
        assert response.status_code == 202

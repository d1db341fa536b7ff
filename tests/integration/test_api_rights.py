"""Who may do what: only the platform publishes (guarantee 10), read-only portal tokens change
nothing, and admin API keys are created, listed with their last use, and revoked."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.models import ApiKey, Message
from tests.factories import send_deliveries
from tests.integration.receiver import Receiver
from tests.integration.test_api_portal import bearer, mint, setup_tenants

Client = AsyncTestClient[Any]
EVENT = {"event_type": "invoice.paid", "payload": {"amount": 1}}


async def message_count(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Message)) or 0)


async def first_endpoint(client: Client, tenant: str) -> str:
    listed = await client.get(f"/api/v1/tenants/{tenant}/endpoints")
    endpoint_id: str = listed.json()["data"][0]["id"]
    return endpoint_id


class TestGuarantee10OnlyThePlatformPublishes:
    async def test_guarantee_10_a_portal_token_cannot_publish_but_can_send_test_events(
        self, client: Client, sessions: Any
    ) -> None:
        await setup_tenants(client)
        token = (await mint(client, "acme"))["token"]
        endpoint = await first_endpoint(client, "acme")

        single = await client.post(
            "/api/v1/tenants/acme/messages", json=EVENT, headers=bearer(token)
        )
        batch = await client.post(
            "/api/v1/tenants/acme/messages/batch", json={"messages": [EVENT]}, headers=bearer(token)
        )
        for refused in (single, batch):
            assert refused.status_code == 403
            assert refused.json()["code"] == "publish_admin_only"
        assert await message_count(sessions) == 0

        test = await client.post(
            f"/api/v1/tenants/acme/endpoints/{endpoint}/test", json={}, headers=bearer(token)
        )
        assert test.status_code == 202, test.text
        assert await message_count(sessions) == 1

    async def test_guarantee_10_a_test_event_is_marked_as_such_at_the_receiver(
        self, client: Client, ctx: Any, receiver: Receiver
    ) -> None:
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        made = await client.post(
            "/api/v1/tenants/acme/endpoints", json={"url": receiver.url("/hook")}
        )
        token = (await mint(client, "acme"))["token"]
        sent = await client.post(
            f"/api/v1/tenants/acme/endpoints/{made.json()['id']}/test",
            json={"event_type": "invoice.paid", "payload": {"amount": 10_000}},
            headers=bearer(token),
        )
        assert sent.status_code == 202, sent.text
        published = await client.post("/api/v1/tenants/acme/messages", json=EVENT)
        ids = [
            d["id"]
            for message in (sent.json(), published.json())
            for d in (
                await client.get(f"/api/v1/tenants/acme/messages/{message['id']}/deliveries")
            ).json()["data"]
        ]

        assert await send_deliveries(ctx, ids) == 2

        received = [{k.lower(): v for k, v in r.headers.items()} for r in receiver.requests]
        marks = {h.get("x-hookrelay-test") for h in received}
        assert marks == {"true", None}  # the test event is marked; the platform's is not
        assert {h["content-type"] for h in received} == {"application/json"}

    async def test_the_platform_key_still_publishes(self, client: Client) -> None:
        await setup_tenants(client)
        assert (await client.post("/api/v1/tenants/acme/messages", json=EVENT)).status_code == 202


class TestReadOnlyPortalTokens:
    async def test_a_read_only_token_reads_everything_and_changes_nothing(
        self, client: Client, sessions: Any
    ) -> None:
        await setup_tenants(client)
        minted = await mint(client, "acme", read_only=True)
        assert minted["read_only"] is True
        endpoint = await first_endpoint(client, "acme")
        await client.post("/api/v1/tenants/acme/messages", json=EVENT)
        headers = bearer(minted["token"])
        base = "/api/v1/tenants/acme"

        for path in (f"{base}/endpoints", f"{base}/endpoints/{endpoint}", f"{base}/messages"):
            assert (await client.get(path, headers=headers)).status_code == 200, path
        before = (await client.get(f"{base}/endpoints/{endpoint}")).json()
        changes = [
            ("GET", f"{base}/endpoints/{endpoint}/secret", None),
            ("POST", f"{base}/endpoints", {"url": "https://example.com/x"}),
            ("PATCH", f"{base}/endpoints/{endpoint}", {"description": "changed"}),
            ("DELETE", f"{base}/endpoints/{endpoint}", None),
            ("POST", f"{base}/endpoints/{endpoint}/disable", None),
            ("POST", f"{base}/endpoints/{endpoint}/secret/rotate", None),
            ("POST", f"{base}/endpoints/{endpoint}/test", {}),
        ]
        for method, path, body in changes:
            answer = await client.request(method, path, json=body, headers=headers)
            assert (answer.status_code, answer.json()["code"]) == (403, "read_only"), path
        assert (await client.get(f"{base}/endpoints/{endpoint}")).json() == before
        assert await message_count(sessions) == 1

    async def test_tokens_are_full_by_default(self, client: Client) -> None:
        await setup_tenants(client)
        minted = await mint(client, "acme")
        assert minted["read_only"] is False
        listed = await client.get("/api/v1/tenants/acme/portal-tokens")
        assert [t["read_only"] for t in listed.json()["data"]] == [False]


class TestApiKeys:
    async def test_create_use_list_and_revoke(self, client: Client) -> None:
        created = await client.post("/api/v1/api-keys", json={"name": "billing service"})
        assert created.status_code == 201, created.text
        key = created.json()
        assert key["key"].startswith("hr_") and key["name"] == "billing service"

        used = await client.get("/api/v1/tenants", headers=bearer(key["key"]))
        assert used.status_code == 200
        listed = (await client.get("/api/v1/api-keys")).json()["data"]
        mine = next(k for k in listed if k["id"] == key["id"])
        assert "key" not in mine and mine["last_used_at"] is not None and mine["revoked_at"] is None

        revoked = await client.delete(f"/api/v1/api-keys/{key['id']}")
        assert revoked.status_code == 204
        refused = await client.get("/api/v1/tenants", headers=bearer(key["key"]))
        assert (refused.status_code, refused.json()["code"]) == (401, "invalid_credentials")
        again = (await client.get("/api/v1/api-keys")).json()["data"]
        assert next(k for k in again if k["id"] == key["id"])["revoked_at"] is not None

    async def test_the_last_active_key_cannot_be_revoked(
        self, client: Client, sessions: Any
    ) -> None:
        async with sessions() as session:
            (only,) = (await session.scalars(select(ApiKey.id))).all()
        answer = await client.delete(f"/api/v1/api-keys/{only}")
        assert (answer.status_code, answer.json()["code"]) == (409, "last_api_key")
        assert (await client.get("/api/v1/tenants")).status_code == 200

    async def test_unknown_key_and_bad_name(self, client: Client) -> None:
        missing = await client.delete("/api/v1/api-keys/key_nope")
        assert (missing.status_code, missing.json()["code"]) == (404, "api_key_not_found")
        for body in ({"name": ""}, {}, {"name": "x", "extra": 1}):
            answer = await client.post("/api/v1/api-keys", json=body)
            assert answer.status_code == 400, body
        listed = (await client.get("/api/v1/api-keys")).json()["data"]
        assert len(listed) == 1

    async def test_a_portal_token_cannot_manage_keys(self, client: Client) -> None:
        await setup_tenants(client)
        token = (await mint(client, "acme"))["token"]
        for method, body in (("GET", None), ("POST", {"name": "x"})):
            answer = await client.request(
                method, "/api/v1/api-keys", json=body, headers=bearer(token)
            )
            assert (answer.status_code, answer.json()["code"]) == (403, "admin_only")

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.models import Endpoint

Client = AsyncTestClient[Any]


async def make_tenant(client: Client, uid: str = "acme") -> dict[str, Any]:
    response = await client.post("/api/v1/tenants", json={"uid": uid, "name": uid})
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


class TestEndpoints:
    async def test_create_endpoint_with_defaults(self, client: Client) -> None:
        await make_tenant(client)
        response = await client.post(
            "/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/hook"}
        )
        assert response.status_code == 201
        body = response.json()
        assert body["id"].startswith("ep_")
        assert body["event_types"] == ["*"]
        assert body["circuit_state"] == "closed"
        assert body["disabled"] is False
        assert body["disabled_reason"] is None

    async def test_secret_is_whsec(self, client: Client) -> None:
        await make_tenant(client)
        ep = (
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        ).json()
        secret = (await client.get(f"/api/v1/tenants/acme/endpoints/{ep['id']}/secret")).json()
        assert secret["secret"].startswith("whsec_")

    async def test_update_and_delete(self, client: Client) -> None:
        await make_tenant(client)
        ep = (
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        ).json()
        path = f"/api/v1/tenants/acme/endpoints/{ep['id']}"
        changed = await client.patch(
            path, json={"event_types": ["invoice.*"], "disabled": True, "rate_limit_per_second": 5}
        )
        assert changed.status_code == 200
        body = changed.json()
        assert body["event_types"] == ["invoice.*"]
        assert body["rate_limit_per_second"] == 5
        assert (body["disabled"], body["disabled_reason"]) == (True, "disabled through the API")
        enabled = (await client.patch(path, json={"disabled": False})).json()
        assert (enabled["disabled"], enabled["disabled_reason"]) == (False, None)
        assert (await client.delete(path)).status_code == 204
        assert (await client.get(path)).status_code == 404

    async def test_another_tenants_endpoint_is_404(self, client: Client) -> None:
        await make_tenant(client, "acme")
        await make_tenant(client, "globex")
        ep = (
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        ).json()
        for method, suffix in (("GET", ""), ("GET", "/secret"), ("DELETE", ""), ("PATCH", "")):
            response = await client.request(
                method, f"/api/v1/tenants/globex/endpoints/{ep['id']}{suffix}", json={}
            )
            assert response.status_code == 404, (method, suffix)
            assert response.json()["code"] == "endpoint_not_found"

    async def test_invalid_url_is_422_and_creates_nothing(
        self, client: Client, sessions: Any
    ) -> None:
        await make_tenant(client)
        response = await client.post("/api/v1/tenants/acme/endpoints", json={"url": "ftp://x/y"})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_url"
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Endpoint)) == 0

    async def test_bad_wildcard_is_400(self, client: Client) -> None:
        await make_tenant(client)
        response = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://e.x", "event_types": ["in*voice"]},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"

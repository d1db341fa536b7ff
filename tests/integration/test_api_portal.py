"""Portal tokens: tenant-scoped, expiring, revocable bearer tokens and their one-time magic links."""

from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update

from app.kit.clock import utc_now
from app.models import PortalToken

Client = AsyncTestClient[Any]


async def setup_tenants(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    acme = (await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})).json()
    globex = (await client.post("/api/v1/tenants", json={"uid": "globex", "name": "Globex"})).json()
    for tenant in (acme, globex):
        created = await client.post(
            f"/api/v1/tenants/{tenant['id']}/endpoints", json={"url": "https://example.com/h"}
        )
        assert created.status_code == 201
    return acme, globex


async def mint(client: Client, tenant: str, **body: Any) -> dict[str, Any]:
    response = await client.post(f"/api/v1/tenants/{tenant}/portal-tokens", json=body)
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


class TestPortalTokens:
    async def test_minted_token_reaches_its_own_tenant_by_id_and_uid(self, client: Client) -> None:
        acme, _ = await setup_tenants(client)
        minted = await mint(client, "acme", description="support session")
        assert minted["token"].startswith("hrp_")
        assert minted["tenant_id"] == acme["id"]
        assert "code=" in minted["magic_link"]
        for ref in (acme["id"], "acme"):
            listed = await client.get(
                f"/api/v1/tenants/{ref}/endpoints", headers=bearer(minted["token"])
            )
            assert listed.status_code == 200
            assert [e["tenant_id"] for e in listed.json()["data"]] == [acme["id"]]

    async def test_another_tenant_answers_404_exactly_like_a_missing_one(
        self, client: Client
    ) -> None:
        _, globex = await setup_tenants(client)
        token = (await mint(client, "acme"))["token"]
        for ref in (globex["id"], "globex"):
            foreign = await client.get(f"/api/v1/tenants/{ref}/endpoints", headers=bearer(token))
            missing = await client.get(f"/api/v1/tenants/{ref}x/endpoints", headers=bearer(token))
            assert foreign.status_code == missing.status_code == 404
            assert foreign.json()["code"] == missing.json()["code"] == "tenant_not_found"
            assert ref in foreign.json()["detail"]

    async def test_admin_only_routes_answer_403(self, client: Client) -> None:
        await setup_tenants(client)
        token = (await mint(client, "acme"))["token"]
        calls = [
            ("GET", "/api/v1/tenants", None),
            ("POST", "/api/v1/tenants", {"uid": "evil", "name": "Evil"}),
            ("POST", "/api/v1/event-types", {"name": "evil.event"}),
            ("POST", "/api/v1/tenants/acme/portal-tokens", {}),
            ("GET", "/api/v1/tenants/acme/portal-tokens", None),
        ]
        for method, path, body in calls:
            response = await client.request(method, path, json=body, headers=bearer(token))
            assert response.status_code == 403, (method, path, response.text)
            assert response.json()["code"] == "admin_only"
        # Nothing was created by the refused calls.
        tenants = (await client.get("/api/v1/tenants")).json()["data"]
        assert sorted(t["uid"] for t in tenants) == ["acme", "globex"]

    async def test_portal_token_reads_the_event_type_catalog(self, client: Client) -> None:
        await setup_tenants(client)
        await client.post("/api/v1/event-types", json={"name": "invoice.paid"})
        token = (await mint(client, "acme"))["token"]
        listed = await client.get("/api/v1/event-types", headers=bearer(token))
        assert listed.status_code == 200
        assert [t["name"] for t in listed.json()["data"]] == ["invoice.paid"]

    async def test_expired_token_is_refused(self, client: Client, sessions: Any) -> None:
        await setup_tenants(client)
        minted = await mint(client, "acme", expires_in_seconds=60)
        async with sessions() as session:
            await session.execute(
                update(PortalToken)
                .where(PortalToken.id == minted["id"])
                .values(expires_at=utc_now() - timedelta(seconds=1))
            )
            await session.commit()
        response = await client.get(
            "/api/v1/tenants/acme/endpoints", headers=bearer(minted["token"])
        )
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"

    async def test_revoked_token_is_refused_at_once(self, client: Client) -> None:
        await setup_tenants(client)
        minted = await mint(client, "acme")
        path = "/api/v1/tenants/acme/endpoints"
        assert (await client.get(path, headers=bearer(minted["token"]))).status_code == 200
        revoked = await client.delete(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")
        assert revoked.status_code == 204
        assert (await client.get(path, headers=bearer(minted["token"]))).status_code == 401
        shown = (await client.get(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")).json()
        assert shown["revoked_at"] is not None
        assert "token" not in shown

    async def test_tokens_and_link_codes_are_stored_only_as_hashes(
        self, client: Client, sessions: Any
    ) -> None:
        await setup_tenants(client)
        minted = await mint(client, "acme")
        code = minted["magic_link"].split("code=")[1]
        async with sessions() as session:
            row = await session.scalar(select(PortalToken).where(PortalToken.id == minted["id"]))
        assert row is not None
        stored = " ".join(str(v) for v in vars(row).values())
        assert minted["token"] not in stored
        assert code not in stored
        assert len(row.token_hash) == len(row.link_hash or "") == 64

    async def test_bad_lifetime_is_400_and_mints_nothing(self, client: Client) -> None:
        await setup_tenants(client)
        for body in ({"expires_in_seconds": 5}, {"expires_in_seconds": "soon"}, {"x": 1}):
            response = await client.post("/api/v1/tenants/acme/portal-tokens", json=body)
            assert response.status_code == 400, body
            assert response.json()["code"] == "validation_error"
        assert (await client.get("/api/v1/tenants/acme/portal-tokens")).json()["data"] == []

    async def test_unknown_tenant_mints_nothing(self, client: Client) -> None:
        response = await client.post("/api/v1/tenants/nobody/portal-tokens", json={})
        assert response.status_code == 404


class TestMagicLink:
    async def test_link_hands_out_the_token_once(self, client: Client) -> None:
        acme, _ = await setup_tenants(client)
        minted = await mint(client, "acme")
        link = urlsplit(minted["magic_link"])
        assert link.path == "/portal/login"
        anonymous = {"authorization": ""}
        first = await client.get(f"{link.path}?{link.query}", headers=anonymous)
        assert first.status_code == 200, first.text
        assert first.headers["cache-control"] == "no-store"
        assert first.json()["token"] == minted["token"]
        assert first.json()["tenant_id"] == acme["id"]
        second = await client.get(f"{link.path}?{link.query}", headers=anonymous)
        assert second.status_code == 410
        assert second.json()["code"] == "link_invalid"
        used = (await client.get(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")).json()
        assert used["link_used_at"] is not None

    async def test_link_of_a_revoked_token_is_gone(self, client: Client) -> None:
        await setup_tenants(client)
        minted = await mint(client, "acme")
        await client.delete(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")
        link = urlsplit(minted["magic_link"])
        assert (await client.get(f"{link.path}?{link.query}")).status_code == 410

    async def test_unknown_or_missing_code(self, client: Client) -> None:
        assert (await client.get("/portal/login?code=nope")).status_code == 410
        missing = await client.get("/portal/login")
        assert missing.status_code == 400
        assert missing.json()["code"] == "validation_error"


class TestBrowsers:
    """A portal page in a browser calls the API across origins: preflights carry no key."""

    async def test_preflight_needs_no_credentials_and_reads_nothing(self, client: Client) -> None:
        await setup_tenants(client)
        preflight = await client.options(
            "/api/v1/tenants/acme/endpoints", headers={"authorization": ""}
        )
        assert preflight.status_code == 204
        assert preflight.content == b""
        # Without CORS configured, no origin is allowed.
        assert "access-control-allow-origin" not in preflight.headers

    async def test_configured_origin_may_call_with_a_portal_token(
        self, settings: Any, sessions: Any, broker: Any
    ) -> None:
        import msgspec

        from app.main import create_app

        origin = "https://portal.example.com"
        configured = msgspec.structs.replace(settings, cors_allow_origins=(origin,))
        async with AsyncTestClient(create_app(configured, broker)) as browser:
            preflight = await browser.options(
                "/api/v1/tenants/acme/endpoints",
                headers={
                    "origin": origin,
                    "access-control-request-method": "GET",
                    "access-control-request-headers": "authorization",
                },
            )
            assert preflight.status_code == 204
            assert preflight.headers["access-control-allow-origin"] == origin
            assert "authorization" in preflight.headers["access-control-allow-headers"]
            refused = await browser.get(
                "/api/v1/tenants/acme/endpoints", headers={"origin": "https://evil.example"}
            )
            assert refused.status_code == 401
            assert "access-control-allow-origin" not in refused.headers

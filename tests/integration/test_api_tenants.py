from typing import Any

from dramatiq.brokers.stub import StubBroker
from litestar import Litestar
from litestar.testing import AsyncTestClient

from app.main import create_app

Client = AsyncTestClient[Any]


class TestTenants:
    async def test_create_tenant_returns_prefixed_id(self, client: Client) -> None:
        response = await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        assert response.status_code == 201
        body = response.json()
        assert body["id"].startswith("tnt_")
        assert (body["uid"], body["name"]) == ("acme", "Acme")

    async def test_tenant_is_found_by_id_and_by_uid(self, client: Client) -> None:
        created = (await client.post("/api/v1/tenants", json={"uid": "acme", "name": "A"})).json()
        by_id = await client.get(f"/api/v1/tenants/{created['id']}")
        by_uid = await client.get("/api/v1/tenants/acme")
        assert by_id.json() == by_uid.json() == created

    async def test_duplicate_uid_is_a_conflict(self, client: Client) -> None:
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "A"})
        response = await client.post("/api/v1/tenants", json={"uid": "acme", "name": "B"})
        assert response.status_code == 409
        assert response.json()["code"] == "tenant_exists"

    async def test_unknown_tenant_is_404_problem(self, client: Client) -> None:
        response = await client.get("/api/v1/tenants/nobody")
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "tenant_not_found"

    async def test_list_pages_with_cursor(self, client: Client) -> None:
        for n in range(5):
            await client.post("/api/v1/tenants", json={"uid": f"t{n}", "name": f"T{n}"})
        first = (await client.get("/api/v1/tenants", params={"limit": 2})).json()
        second = (
            await client.get("/api/v1/tenants", params={"limit": 2, "cursor": first["next_cursor"]})
        ).json()
        third = (
            await client.get(
                "/api/v1/tenants", params={"limit": 2, "cursor": second["next_cursor"]}
            )
        ).json()
        uids = [t["uid"] for page in (first, second, third) for t in page["data"]]
        assert uids == ["t4", "t3", "t2", "t1", "t0"]
        assert third["next_cursor"] is None


class TestAuth:
    async def test_missing_key_is_401(self, client: Client) -> None:
        response = await client.get("/api/v1/tenants", headers={"authorization": ""})
        assert response.status_code == 401
        assert response.json()["code"] == "missing_credentials"

    async def test_wrong_key_is_401(self, client: Client) -> None:
        response = await client.get("/api/v1/tenants", headers={"authorization": "Bearer hr_nope"})
        assert response.status_code == 401
        assert response.json()["code"] == "invalid_credentials"

    async def test_health_and_docs_need_no_key(self, client: Client) -> None:
        headers = {"authorization": ""}
        assert (await client.get("/health/live", headers=headers)).status_code == 200
        assert (await client.get("/health/ready", headers=headers)).json()["status"] == "ok"
        assert (await client.get("/docs/openapi.json", headers=headers)).status_code == 200


class TestMetrics:
    async def test_metrics_show_backlog_circuits_and_publishes(self, client: Client) -> None:
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "a.b", "payload": {}}
        )

        response = await client.get("/metrics", headers={"authorization": ""})

        assert response.status_code == 200
        text = response.text
        assert "hookrelay_backlog_deliveries 1.0" in text
        assert 'hookrelay_endpoint_circuits{state="closed"} 1.0' in text
        assert "hookrelay_messages_published_total" in text
        assert "hookrelay_backlog_oldest_age_seconds" in text

    async def test_metrics_token_guards_metrics_when_set(
        self, make_settings: Any, database_url: str
    ) -> None:
        app = create_app(make_settings(database_url, metrics_token="scrape-me"), StubBroker())
        async with AsyncTestClient(app, base_url="http://testserver.local") as client:
            refused = await client.get("/metrics")
            wrong = await client.get("/metrics", headers={"authorization": "Bearer nope"})
            allowed = await client.get("/metrics", headers={"authorization": "Bearer scrape-me"})
        assert (refused.status_code, refused.json()["code"]) == (401, "metrics_token_required")
        assert wrong.status_code == 401
        assert allowed.status_code == 200 and "hookrelay_backlog_deliveries" in allowed.text

    async def test_metrics_and_readiness_hammered_touch_the_database_rarely(
        self, app: Litestar, client: Client
    ) -> None:
        """Unauthenticated reads cost one refresh per time to live, not one query per request."""
        import time

        from sqlalchemy import event

        from app.health.controllers import READY_CACHE_SECONDS
        from app.metrics import GAUGES_CACHE_SECONDS

        statements: list[str] = []
        engine = app.state.engine.sync_engine
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(engine, "before_cursor_execute", listener)
        try:
            started = time.monotonic()
            for _ in range(40):
                assert (await client.get("/metrics")).status_code == 200
                assert (await client.get("/health/ready")).status_code == 200
            elapsed = time.monotonic() - started
        finally:
            event.remove(engine, "before_cursor_execute", listener)
        # Bounds from the time the loop really took, so a slow machine cannot fail the test.
        refreshes = 1 + int(elapsed / GAUGES_CACHE_SECONDS)
        checks = 1 + int(elapsed / READY_CACHE_SECONDS)
        gauges = [s for s in statements if "count(" in s.lower()]
        selects_1 = [s for s in statements if s.strip().upper() == "SELECT 1"]
        # four count queries per refresh: backlog, parked, circuits, held ordering keys
        assert 0 < len(gauges) <= 4 * refreshes
        assert 0 < len(selects_1) <= checks


class TestDatabaseOutage:
    async def test_unreachable_database_is_a_503_with_retry_after(self, make_settings: Any) -> None:
        # A PostgreSQL port nothing listens on: the API key check cannot reach the database.
        settings = make_settings("postgresql://postgres@127.0.0.1:1/nothing")
        app = create_app(settings, StubBroker())
        async with AsyncTestClient(app, base_url="http://testserver.local") as client:
            response = await client.get(
                "/api/v1/tenants/acme", headers={"authorization": "Bearer hr_anything"}
            )
        assert response.status_code == 503
        assert response.json()["code"] == "unavailable"
        assert response.headers["retry-after"] == "1"

from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select, text

from app.models import Delivery, Message, MessagePayload
from tests.integration.conftest import queued_delivery_ids

Client = AsyncTestClient[Any]


async def setup_tenant(client: Client, *endpoint_patterns: list[str]) -> list[str]:
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    return await setup_tenant_endpoints(client, *endpoint_patterns)


async def count(sessions: Any, model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


class TestPublish:
    async def test_publish_creates_one_delivery_per_matching_enabled_endpoint(
        self, client: Client, sessions: Any, broker: StubBroker
    ) -> None:
        paid, wildcard, _other, disabled = await setup_tenant(
            client, ["invoice.paid"], ["invoice.*"], ["customer.created"], ["*"]
        )
        await client.patch(f"/api/v1/tenants/acme/endpoints/{disabled}", json={"disabled": True})

        response = await client.post(
            "/api/v1/tenants/acme/messages",
            json={"event_type": "invoice.paid", "payload": {"invoice": "in_1"}},
        )

        assert response.status_code == 202
        message = response.json()
        assert message["id"].startswith("msg_")
        assert message["payload"] == {"invoice": "in_1"}
        deliveries = (
            await client.get(f"/api/v1/tenants/acme/messages/{message['id']}/deliveries")
        ).json()["data"]
        assert {d["endpoint_id"] for d in deliveries} == {paid, wildcard}
        assert all(d["status"] == "pending" for d in deliveries)
        assert sorted(queued_delivery_ids(broker)) == sorted(d["id"] for d in deliveries)

    async def test_payload_is_stored_as_the_exact_body(self, client: Client, sessions: Any) -> None:
        await setup_tenant(client, ["*"])
        response = await client.post(
            "/api/v1/tenants/acme/messages",
            json={"event_type": "a.b", "payload": {"b": [1, 2.5, None], "a": "é"}},
        )
        async with sessions() as session:
            body = await session.scalar(
                select(MessagePayload.body).where(
                    MessagePayload.message_id == response.json()["id"]
                )
            )
        assert body == '{"b":[1,2.5,null],"a":"é"}'.encode()

    async def test_same_event_id_returns_the_original_and_creates_nothing(
        self, client: Client, sessions: Any, broker: StubBroker
    ) -> None:
        await setup_tenant(client, ["*"])
        body = {"event_type": "invoice.paid", "payload": {"n": 1}, "event_id": "evt-1"}
        first = await client.post("/api/v1/tenants/acme/messages", json=body)
        again = await client.post(
            "/api/v1/tenants/acme/messages", json={**body, "payload": {"n": 2}}
        )
        assert first.status_code == again.status_code == 202
        assert again.json() == first.json()
        assert again.headers["hookrelay-idempotent-replay"] == "true"
        assert await count(sessions, Message) == 1
        assert await count(sessions, Delivery) == 1
        assert len(queued_delivery_ids(broker)) == 1

    async def test_event_id_is_scoped_to_the_tenant(self, client: Client, sessions: Any) -> None:
        await setup_tenant(client, ["*"])
        await client.post("/api/v1/tenants", json={"uid": "globex", "name": "Globex"})
        body = {"event_type": "invoice.paid", "payload": {}, "event_id": "evt-1"}
        a = (await client.post("/api/v1/tenants/acme/messages", json=body)).json()
        b = (await client.post("/api/v1/tenants/globex/messages", json=body)).json()
        assert a["id"] != b["id"]

    async def test_message_without_subscribers_is_kept_with_no_deliveries(
        self, client: Client, sessions: Any, broker: StubBroker
    ) -> None:
        await setup_tenant(client, ["customer.*"])
        response = await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "invoice.paid", "payload": {}}
        )
        assert response.status_code == 202
        assert await count(sessions, Delivery) == 0
        assert queued_delivery_ids(broker) == []

    async def test_archived_event_type_refuses_publish(self, client: Client, sessions: Any) -> None:
        await setup_tenant(client, ["*"])
        await client.post("/api/v1/event-types", json={"name": "invoice.paid"})
        await client.patch("/api/v1/event-types/invoice.paid", json={"archived": True})
        response = await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "invoice.paid", "payload": {}}
        )
        assert response.status_code == 422
        assert response.json()["code"] == "event_type_archived"
        assert await count(sessions, Message) == 0

    async def test_message_and_listing(self, client: Client) -> None:
        await setup_tenant(client, ["*"])
        ids = []
        for n in range(3):
            response = await client.post(
                "/api/v1/tenants/acme/messages",
                json={"event_type": "a.b" if n % 2 else "c.d", "payload": {"n": n}},
            )
            ids.append(response.json()["id"])
        listed = (await client.get("/api/v1/tenants/acme/messages")).json()["data"]
        assert [m["id"] for m in listed] == ids[::-1]
        filtered = (
            await client.get("/api/v1/tenants/acme/messages", params={"event_type": "a.b"})
        ).json()["data"]
        assert [m["id"] for m in filtered] == [ids[1]]
        one = (await client.get(f"/api/v1/tenants/acme/messages/{ids[2]}")).json()
        assert one["payload"] == {"n": 2}


BAD_PUBLISHES = [
    ("not json", 400, "bad_request"),
    ({"event_type": "invoice.paid"}, 400, "validation_error"),
    ({"event_type": "invoice.paid", "payload": [1, 2]}, 400, "validation_error"),
    ({"event_type": "invoice.paid", "payload": "x"}, 400, "validation_error"),
    ({"event_type": "bad type!", "payload": {}}, 400, "validation_error"),
    ({"event_type": "", "payload": {}}, 400, "validation_error"),
    ({"event_type": "a", "payload": {}, "extra": 1}, 400, "validation_error"),
    ({"event_type": "a", "payload": {}, "event_id": ""}, 400, "validation_error"),
    ({"event_type": "a", "payload": {}, "event_id": "x" * 300}, 400, "validation_error"),
    ({"event_type": "a", "payload": {"big": "x" * (256 * 1024)}}, 413, "payload_too_large"),
]


class TestGuarantee8BadInputIsA4xxAndChangesNothing:
    @pytest.mark.parametrize(("body", "status", "code"), BAD_PUBLISHES)
    async def test_bad_publish_is_4xx_problem_and_changes_nothing(
        self,
        client: Client,
        sessions: Any,
        broker: StubBroker,
        body: Any,
        status: int,
        code: str,
    ) -> None:
        await setup_tenant(client, ["*"])
        if isinstance(body, str):
            response = await client.post(
                "/api/v1/tenants/acme/messages",
                content=body,
                headers={"content-type": "application/json"},
            )
        else:
            response = await client.post("/api/v1/tenants/acme/messages", json=body)
        assert response.status_code == status
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert (problem["status"], problem["code"]) == (status, code)
        assert problem["detail"]
        assert await count(sessions, Message) == 0
        assert await count(sessions, Delivery) == 0
        assert queued_delivery_ids(broker) == []

    @pytest.mark.parametrize(
        ("method", "path", "body"),
        [
            ("POST", "/api/v1/tenants", {"uid": "", "name": "x"}),
            ("POST", "/api/v1/tenants", {"uid": "x"}),
            ("POST", "/api/v1/tenants", ["uid"]),
            ("POST", "/api/v1/event-types", {"name": "no spaces allowed"}),
            ("POST", "/api/v1/tenants/acme/endpoints", {"url": 42}),
            (
                "POST",
                "/api/v1/tenants/acme/endpoints",
                {"url": "https://e.x", "rate_limit_per_second": 0},
            ),
            ("POST", "/api/v1/tenants/acme/endpoints", {"url": "https://e.x", "event_types": []}),
            ("GET", "/api/v1/tenants?limit=0", None),
            ("GET", "/api/v1/tenants?limit=abc", None),
            ("GET", "/api/v1/tenants/acme/messages?limit=1000", None),
            ("DELETE", "/api/v1/tenants", None),
            ("GET", "/api/v1/nothing-here", None),
        ],
    )
    async def test_bad_request_anywhere_is_4xx_problem(
        self, client: Client, method: str, path: str, body: Any
    ) -> None:
        await setup_tenant(client)
        before = (await client.get("/api/v1/tenants")).json()
        response = await client.request(method, path, json=body)
        assert 400 <= response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"]
        assert (await client.get("/api/v1/tenants")).json() == before


class TestBatchPublish:
    async def test_batch_publishes_all_with_one_delivery_each_and_replays_event_ids(
        self, client: Client, sessions: Any, broker: StubBroker
    ) -> None:
        await setup_tenant(client, ["invoice.*"])
        first = await client.post(
            "/api/v1/tenants/acme/messages",
            json={"event_type": "invoice.a", "payload": {}, "event_id": "e1"},
        )
        batch = [
            {"event_type": "invoice.paid", "payload": {"n": 1}},
            {"event_type": "customer.created", "payload": {"n": 2}},
            {"event_type": "invoice.a", "payload": {"n": 3}, "event_id": "e1"},
            {"event_type": "invoice.b", "payload": {"n": 4}, "event_id": "e2"},
            {"event_type": "invoice.b", "payload": {"n": 5}, "event_id": "e2"},
        ]

        response = await client.post(
            "/api/v1/tenants/acme/messages/batch", json={"messages": batch}
        )

        assert response.status_code == 202
        data = response.json()["data"]
        assert len(data) == 5
        assert data[2] == first.json()  # e1 was published before
        assert data[4]["id"] == data[3]["id"]  # e2 twice in one batch: one message
        assert await count(sessions, Message) == 4  # e1 before, and 3 new
        # invoice.paid, invoice.b (e2) and e1 before: customer.created matches nothing
        assert await count(sessions, Delivery) == 3
        assert len(queued_delivery_ids(broker)) == 3

    async def test_one_bad_message_refuses_the_whole_batch(
        self, client: Client, sessions: Any
    ) -> None:
        await setup_tenant(client, ["*"])
        batch = [
            {"event_type": "a.b", "payload": {}},
            {"event_type": "a.b", "payload": {"big": "x" * (256 * 1024)}},
        ]
        response = await client.post(
            "/api/v1/tenants/acme/messages/batch", json={"messages": batch}
        )
        assert response.status_code == 413
        assert response.json()["detail"].startswith("messages[1]")
        assert await count(sessions, Message) == 0

    @pytest.mark.parametrize("messages", [[], [{"event_type": "a", "payload": {}}] * 101])
    async def test_batch_size_is_1_to_100(self, client: Client, messages: list[Any]) -> None:
        await setup_tenant(client, ["*"])
        response = await client.post(
            "/api/v1/tenants/acme/messages/batch", json={"messages": messages}
        )
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"


class TestSubscriptionCache:
    """Publish keeps each tenant's subscriptions per process while its endpoints_version (bumped
    by database triggers) is unchanged: changes made anywhere reach the very next publish."""

    async def publish(self, client: Client) -> set[str]:
        response = await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "invoice.paid", "payload": {}}
        )
        assert response.status_code == 202, response.text
        deliveries = await client.get(
            f"/api/v1/tenants/acme/messages/{response.json()['id']}/deliveries"
        )
        return {d["endpoint_id"] for d in deliveries.json()["data"]}

    async def test_unchanged_endpoints_are_read_once(self, client: Client, app: Any) -> None:
        (endpoint,) = await setup_tenant(client, ["invoice.*"])
        reads: list[str] = []

        def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            # Publish's read of the subscriptions (the log's reads of endpoints do not count).
            if "FROM endpoints" in statement and "endpoints.event_types" in statement:
                reads.append(statement)

        event.listen(app.state.engine.sync_engine, "before_cursor_execute", seen)
        try:
            for _ in range(3):
                assert await self.publish(client) == {endpoint}
        finally:
            event.remove(app.state.engine.sync_engine, "before_cursor_execute", seen)
        assert len(reads) == 1

    async def test_a_change_written_by_another_process_reaches_the_next_publish(
        self, client: Client, sessions: Any
    ) -> None:
        # Given a cached endpoint set
        first, second = await setup_tenant(client, ["invoice.*"], ["invoice.*"])
        assert await self.publish(client) == {first, second}

        # When other processes change endpoints behind this one's back (plain SQL, as a worker
        # disabling an endpoint or another API process would), each publish sees the change
        async def change(sql: str) -> None:
            async with sessions() as session:
                await session.execute(text(sql), {"first": first, "second": second})
                await session.commit()

        await change("UPDATE endpoints SET disabled = true WHERE id = :first")
        assert await self.publish(client) == {second}
        await change("UPDATE endpoints SET event_types = '[\"customer.*\"]' WHERE id = :second")
        assert await self.publish(client) == set()
        await change("UPDATE endpoints SET disabled = false WHERE id = :first")
        assert await self.publish(client) == {first}
        await change("DELETE FROM endpoints WHERE id = :first")
        assert await self.publish(client) == set()
        (third,) = await setup_tenant_endpoints(client, ["invoice.paid"])
        assert await self.publish(client) == {third}

    async def test_state_updates_leave_the_version_alone(
        self, client: Client, sessions: Any
    ) -> None:
        (endpoint,) = await setup_tenant(client, ["invoice.*"])
        version = "SELECT endpoints_version FROM tenants WHERE uid = 'acme'"
        async with sessions() as session:
            before = await session.scalar(text(version))
            await session.execute(
                text("UPDATE endpoints SET circuit_failures = 3 WHERE id = :id"), {"id": endpoint}
            )
            await session.commit()
            assert await session.scalar(text(version)) == before


async def setup_tenant_endpoints(client: Client, *endpoint_patterns: list[str]) -> list[str]:
    ids = []
    for patterns in endpoint_patterns:
        response = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://example.com/hook", "event_types": patterns},
        )
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids

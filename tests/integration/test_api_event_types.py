from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.models import Delivery, EventType, Message

Client = AsyncTestClient[Any]
ET = "/api/v1/event-types"
MESSAGES = "/api/v1/tenants/acme/messages"

INVOICE_SCHEMA = {
    "type": "object",
    "required": ["invoice", "amount"],
    "properties": {
        "invoice": {"type": "string"},
        "amount": {"type": "integer", "minimum": 0},
        "lines": {"type": "array", "items": {"$ref": "#/$defs/line"}},
    },
    "$defs": {"line": {"type": "object", "properties": {"sku": {"type": "string"}}}},
}
INVOICE_EXAMPLE = {"invoice": "in_1", "amount": 4200, "lines": [{"sku": "A-1"}]}


async def count(sessions: Any, model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def catalog(sessions: Any) -> list[tuple[Any, ...]]:
    async with sessions() as session:
        rows = await session.scalars(select(EventType).order_by(EventType.id))
        return [(e.name, e.description, e.schema, e.example, e.archived) for e in rows]


async def tenant_with_endpoint(client: Client) -> None:
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/h"})


async def create_invoice_paid(client: Client) -> dict[str, Any]:
    response = await client.post(
        ET,
        json={
            "name": "invoice.paid",
            "description": "An invoice was paid.",
            "schema": INVOICE_SCHEMA,
            "example": INVOICE_EXAMPLE,
        },
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCatalog:
    async def test_list_and_get_show_description_schema_example_archived(
        self, client: Client
    ) -> None:
        created = await create_invoice_paid(client)
        await client.post(ET, json={"name": "customer.created"})

        listed = (await client.get(ET)).json()["data"]
        one = (await client.get(f"{ET}/invoice.paid")).json()

        assert one == created
        assert [e["name"] for e in listed] == ["customer.created", "invoice.paid"]
        assert (one["description"], one["schema"], one["example"], one["archived"]) == (
            "An invoice was paid.",
            INVOICE_SCHEMA,
            INVOICE_EXAMPLE,
            False,
        )
        assert (listed[0]["schema"], listed[0]["example"]) == (None, None)

    @pytest.mark.parametrize(
        "schema",
        [
            {"type": "objekt"},
            {"properties": {"amount": {"minimum": "zero"}}},
            {"required": "invoice"},
            {"$ref": "https://example.com/schemas/invoice.json"},
            {"properties": {"a": {"$ref": "#/$defs/missing"}}},
            {"$ref": "#"},
        ],
    )
    async def test_bad_schema_is_422_and_changes_nothing(
        self, client: Client, sessions: Any, schema: dict[str, Any]
    ) -> None:
        await create_invoice_paid(client)
        before = await catalog(sessions)

        created = await client.post(ET, json={"name": "order.shipped", "schema": schema})
        updated = await client.patch(f"{ET}/invoice.paid", json={"schema": schema})

        for response in (created, updated):
            assert response.status_code == 422
            assert response.json()["code"] == "invalid_schema"
        assert await catalog(sessions) == before

    async def test_example_must_match_the_schema(self, client: Client, sessions: Any) -> None:
        await create_invoice_paid(client)
        before = await catalog(sessions)

        created = await client.post(
            ET, json={"name": "a.b", "schema": INVOICE_SCHEMA, "example": {"invoice": 1}}
        )
        updated = await client.patch(
            f"{ET}/invoice.paid", json={"example": {"invoice": "x", "amount": -1}}
        )
        # A new schema that the stored example does not match is refused too.
        schema_only = await client.patch(
            f"{ET}/invoice.paid", json={"schema": {"type": "object", "required": ["customer"]}}
        )

        for response in (created, updated, schema_only):
            assert response.status_code == 422
            assert response.json()["code"] == "invalid_example"
        assert "$.amount" in updated.json()["detail"]
        assert updated.json()["errors"][0]["path"] == "$.amount"
        assert await catalog(sessions) == before

    async def test_update_example_schema_and_description(self, client: Client) -> None:
        await create_invoice_paid(client)
        changed = await client.patch(
            f"{ET}/invoice.paid",
            json={"schema": None, "example": {"any": "thing"}, "description": "d"},
        )
        assert changed.status_code == 200
        body = changed.json()
        assert (body["schema"], body["example"], body["description"]) == (
            None,
            {"any": "thing"},
            "d",
        )


class TestPublishValidation:
    async def test_valid_payload_is_published(self, client: Client) -> None:
        await tenant_with_endpoint(client)
        await create_invoice_paid(client)
        response = await client.post(
            MESSAGES, json={"event_type": "invoice.paid", "payload": INVOICE_EXAMPLE}
        )
        assert response.status_code == 202

    @pytest.mark.parametrize(
        ("payload", "path"),
        [
            ({"invoice": "in_1", "amount": "12"}, "$.amount"),
            ({"invoice": "in_1", "amount": -5}, "$.amount"),
            ({"invoice": "in_1"}, "$"),
            (
                {"invoice": "in_1", "amount": 1, "lines": [{"sku": "a"}, {"sku": 2}]},
                "$.lines[1].sku",
            ),
        ],
    )
    async def test_invalid_payload_is_422_naming_the_path_and_stores_nothing(
        self, client: Client, sessions: Any, payload: dict[str, Any], path: str
    ) -> None:
        await tenant_with_endpoint(client)
        await create_invoice_paid(client)

        response = await client.post(
            MESSAGES, json={"event_type": "invoice.paid", "payload": payload}
        )

        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "payload_invalid"
        assert f"at {path}:" in body["detail"]
        assert body["errors"][0]["path"] == path
        assert (await count(sessions, Message), await count(sessions, Delivery)) == (0, 0)

    async def test_batch_names_the_failing_message_and_stores_nothing(
        self, client: Client, sessions: Any
    ) -> None:
        await tenant_with_endpoint(client)
        await create_invoice_paid(client)
        batch = [
            {"event_type": "invoice.paid", "payload": INVOICE_EXAMPLE},
            {"event_type": "other.type", "payload": {"free": "form"}},
            {"event_type": "invoice.paid", "payload": {"invoice": "in_2", "amount": 1.5}},
        ]

        response = await client.post(f"{MESSAGES}/batch", json={"messages": batch})

        assert response.status_code == 422
        body = response.json()
        assert body["code"] == "payload_invalid"
        assert body["detail"].startswith("messages[2]: ")
        assert body["errors"][0] == {
            "path": "$.amount",
            "message": body["errors"][0]["message"],
            "message_index": "2",
        }
        assert await count(sessions, Message) == 0

    async def test_a_changed_schema_applies_at_once(self, client: Client) -> None:
        await tenant_with_endpoint(client)
        await create_invoice_paid(client)
        payload = {"invoice": "in_1", "amount": "12"}
        first = await client.post(MESSAGES, json={"event_type": "invoice.paid", "payload": payload})
        assert first.status_code == 422
        await client.patch(f"{ET}/invoice.paid", json={"schema": None})
        second = await client.post(
            MESSAGES, json={"event_type": "invoice.paid", "payload": payload}
        )
        assert second.status_code == 202

    async def test_archived_type_refuses_publish_even_in_a_batch(
        self, client: Client, sessions: Any
    ) -> None:
        await tenant_with_endpoint(client)
        await create_invoice_paid(client)
        await client.patch(f"{ET}/invoice.paid", json={"archived": True})
        assert (await client.get(f"{ET}/invoice.paid")).json()["archived"] is True
        batch = [
            {"event_type": "other.type", "payload": {}},
            {"event_type": "invoice.paid", "payload": INVOICE_EXAMPLE},
        ]
        response = await client.post(f"{MESSAGES}/batch", json={"messages": batch})
        assert response.status_code == 422
        assert response.json()["code"] == "event_type_archived"
        assert await count(sessions, Message) == 0

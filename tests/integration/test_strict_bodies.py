"""Guarantee 8 for JSON types: a request body value of the wrong JSON type is refused with a 400
problem naming where, and changes nothing; it is never coerced (``0`` is not ``false``, ``"5"``
is not ``5``, a number is not a date-time). See ``app/kit/strict_bodies.py``."""

from __future__ import annotations

from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.models import Base
from tests.integration.conftest import queued_delivery_ids

Client = AsyncTestClient[Any]
TENANT = "/api/v1/tenants/acme"


async def seed(client: Client) -> dict[str, str]:
    """A tenant with an enabled endpoint and an event type: every body below has a target."""
    assert (await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})).is_success
    endpoint = await client.post(f"{TENANT}/endpoints", json={"url": "https://example.com/hook"})
    assert endpoint.status_code == 201, endpoint.text
    event_type = await client.post("/api/v1/event-types", json={"name": "invoice.paid"})
    assert event_type.status_code == 201, event_type.text
    return {"endpoint": f"{TENANT}/endpoints/{endpoint.json()['id']}"}


async def database(sessions: Any) -> list[tuple[str, list[str]]]:
    """Every row of every table, as text: a refused request must leave all of it as it was."""
    async with sessions() as session:
        return [
            (table.name, sorted(repr(tuple(row)) for row in await session.execute(select(table))))
            for table in Base.metadata.sorted_tables
        ]


# (method, path, body, the error's path, its message); "{endpoint}" is the seeded endpoint.
# Each was accepted (coerced) before bodies were decoded strictly.
COERCED_BEFORE = [
    ("PATCH", "{endpoint}", {"disabled": 0}, "$.disabled", "Expected `bool`, got `int`"),
    ("PATCH", "{endpoint}", {"disabled": "true"}, "$.disabled", "Expected `bool`, got `str`"),
    (
        "PATCH",
        "{endpoint}",
        {"rate_limit_per_second": "5"},
        "$.rate_limit_per_second",
        "Expected `int | null`, got `str`",
    ),
    (
        "PATCH",
        "{endpoint}",
        {"rate_limit_per_second": 5.0},
        "$.rate_limit_per_second",
        "Expected `int | null`, got `float`",
    ),
    (
        "POST",
        f"{TENANT}/endpoints",
        {"url": "https://example.com/other", "rate_limit_per_second": "5"},
        "$.rate_limit_per_second",
        "Expected `int | null`, got `str`",
    ),
    (
        "POST",
        "{endpoint}/recover",
        {"since": 1_700_000_000},
        "$.since",
        "Expected `datetime`, got `int`",
    ),
    (
        "POST",
        "{endpoint}/recover",
        {"since": "2026-01-15T09:00:00Z", "until": 1_800_000_000.5},
        "$.until",
        "Expected `datetime | null`, got `float`",
    ),
    (
        "POST",
        f"{TENANT}/portal-tokens",
        {"expires_in_seconds": "3600"},
        "$.expires_in_seconds",
        "Expected `int | null`, got `str`",
    ),
    (
        "PATCH",
        "/api/v1/event-types/invoice.paid",
        {"archived": 1},
        "$.archived",
        "Expected `bool`, got `int`",
    ),
]


class TestWrongJsonTypesAreRefused:
    @pytest.mark.parametrize(("method", "path", "body", "where", "message"), COERCED_BEFORE)
    async def test_wrong_type_is_400_naming_the_path_and_changes_nothing(
        self,
        client: Client,
        sessions: Any,
        broker: StubBroker,
        method: str,
        path: str,
        body: dict[str, Any],
        where: str,
        message: str,
    ) -> None:
        ids = await seed(client)
        before = await database(sessions)

        response = await client.request(method, path.format(**ids), json=body)

        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert (problem["status"], problem["code"]) == (400, "validation_error")
        assert problem["errors"] == [{"path": where, "message": message}]
        assert problem["detail"] == f"{message} - at `{where}`"
        assert await database(sessions) == before
        assert queued_delivery_ids(broker) == []

    async def test_nested_wrong_type_names_the_full_path(
        self, client: Client, sessions: Any
    ) -> None:
        await seed(client)
        before = await database(sessions)
        batch = [{"event_type": "a.b", "payload": {}}, {"event_type": "a.b", "payload": {}}]
        batch[1]["channels"] = ["billing", 7]  # type: ignore[list-item]

        response = await client.post(f"{TENANT}/messages/batch", json={"messages": batch})

        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"path": "$.messages[1].channels[1]", "message": "Expected `str`, got `int`"}
        ]
        assert await database(sessions) == before

    async def test_wrong_type_at_the_top_is_path_dollar(self, client: Client) -> None:
        await seed(client)
        response = await client.post(f"{TENANT}/portal-tokens", json=[])
        assert response.status_code == 400
        assert response.json()["errors"] == [
            {"path": "$", "message": "Expected `object | null`, got `array`"}
        ]

    async def test_malformed_json_is_still_bad_request_even_after_a_wrong_type(
        self, client: Client, sessions: Any
    ) -> None:
        ids = await seed(client)
        before = await database(sessions)
        response = await client.patch(
            ids["endpoint"],
            content=b'{"disabled": 0, oops',
            headers={"content-type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "bad_request"
        assert await database(sessions) == before

    async def test_a_portal_token_on_another_tenant_learns_nothing_from_a_bad_body(
        self, client: Client
    ) -> None:
        ids = await seed(client)
        await client.post("/api/v1/tenants", json={"uid": "globex", "name": "Globex"})
        token = (await client.post("/api/v1/tenants/globex/portal-tokens", json={})).json()
        response = await client.patch(
            ids["endpoint"],
            json={"disabled": 0},
            headers={"authorization": f"Bearer {token['token']}"},
        )
        assert response.status_code == 404  # the guard's answer, before the body is read


class TestRightJsonTypesStillWork:
    async def test_correct_bodies_are_accepted(self, client: Client) -> None:
        ids = await seed(client)
        endpoint = ids["endpoint"]

        changed = await client.patch(endpoint, json={"disabled": True, "rate_limit_per_second": 5})
        assert changed.status_code == 200, changed.text
        assert (changed.json()["disabled"], changed.json()["rate_limit_per_second"]) == (True, 5)
        enabled = await client.patch(endpoint, json={"disabled": False})
        assert enabled.json()["disabled"] is False

        recovery = await client.post(
            f"{endpoint}/recover",
            json={"since": "2026-01-15T09:00:00Z", "until": "2026-01-15T10:00:00+00:00"},
        )
        assert recovery.status_code == 202, recovery.text
        assert recovery.json()["since"].startswith("2026-01-15T09:00:00")

        minted = await client.post(f"{TENANT}/portal-tokens", json={"expires_in_seconds": 3600})
        assert minted.status_code == 201, minted.text
        archived = await client.patch("/api/v1/event-types/invoice.paid", json={"archived": True})
        assert archived.json()["archived"] is True
        published = await client.post(
            f"{TENANT}/messages",
            json={"event_type": "a.b", "payload": {"n": 1, "ok": True}, "channels": ["billing"]},
        )
        assert published.status_code == 202, published.text
        assert published.json()["payload"] == {"n": 1, "ok": True}

    async def test_optional_bodies_may_be_left_out_or_null(self, client: Client) -> None:
        ids = await seed(client)
        for body in (None, b"null"):
            kwargs: dict[str, Any] = {} if body is None else {"content": body}
            response = await client.post(f"{TENANT}/portal-tokens", **kwargs)
            assert response.status_code == 201, (body, response.text)
        disabled = await client.post(f"{ids['endpoint']}/disable")
        assert disabled.status_code == 200, disabled.text

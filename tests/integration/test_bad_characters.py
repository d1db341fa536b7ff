"""Guarantee 8 for NUL (U+0000): on SQLite and PostgreSQL (whose text cannot hold it: a driver
error, then a 500, before ``app/kit/bad_characters.py``) a NUL in a path segment, a query
parameter, a header or any string of a JSON body is a 400 ``invalid_character`` naming where,
and changes nothing. A payload may hold it: it is stored and sent as JSON (``\\u0000``)."""

from __future__ import annotations

from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient

from tests.integration.conftest import queued_delivery_ids
from tests.integration.test_strict_bodies import TENANT, database, seed

Client = AsyncTestClient[Any]
NUL = "\x00"

# (method, path, body, extra headers, where the error points); "{endpoint}" is the seeded one.
# Each of the path, query and body cases answered 500 on PostgreSQL before.
NulRequest = tuple[str, str, Any, dict[str, str] | None, str]
NUL_REQUESTS: list[NulRequest] = [
    ("GET", "/api/v1/tenants/a%00b", None, None, "path"),
    ("GET", "/api/v1/tenants/a%00b/endpoints", None, None, "path"),
    ("GET", "/api/v1/tenants?cursor=a%00b", None, None, "query.cursor"),
    ("GET", f"{TENANT}/messages?event_type=invoice.%00", None, None, "query.event_type"),
    ("GET", f"{TENANT}/messages?cursor=%00", None, None, "query.cursor"),
    ("GET", f"{TENANT}/messages?a%00b=1", None, None, "query.ab"),
    ("GET", TENANT, None, {"x-trace": "a\x00b"}, "header.x-trace"),
    ("POST", "/api/v1/tenants", {"uid": "a\x00b", "name": "A"}, None, "$.uid"),
    ("POST", "/api/v1/tenants", {"uid": "ab", "name": "A\x00"}, None, "$.name"),
    (
        "POST",
        "/api/v1/event-types",
        {"name": "invoice.sent", "description": "sent\x00"},
        None,
        "$.description",
    ),
    (
        "PATCH",
        "/api/v1/event-types/invoice.paid",
        {"description": "\x00"},
        None,
        "$.description",
    ),
    (
        "POST",
        f"{TENANT}/messages",
        {"event_type": "invoice.paid", "payload": {}, "event_id": "evt\x00"},
        None,
        "$.event_id",
    ),
    (
        "POST",
        f"{TENANT}/messages/batch",
        {
            "messages": [
                {"event_type": "invoice.paid", "payload": {}},
                {"event_type": "invoice.paid", "payload": {}, "event_id": "\x00"},
            ]
        },
        None,
        "$.messages[1].event_id",
    ),
    (
        "POST",
        f"{TENANT}/endpoints",
        {"url": "https://example.com/b", "description": "d\x00"},
        None,
        "$.description",
    ),
    ("PATCH", "{endpoint}", {"description": "d\x00"}, None, "$.description"),
    (
        "POST",
        f"{TENANT}/endpoints",
        {"url": "https://example.com/b", "headers": {"x-custom": "v\x00"}},
        None,
        "$.headers['x-custom']",
    ),
    ("PATCH", "{endpoint}", {"headers": {"x-custom": "\x00"}}, None, "$.headers['x-custom']"),
    ("PATCH", "{endpoint}", {"metadata": {"k\x00": "v"}}, None, "$.metadata"),
    ("PATCH", "{endpoint}", {"url": "https://example.com/\x00"}, None, "$.url"),
    ("POST", "{endpoint}/disable", {"reason": "\x00"}, None, "$.reason"),
    ("POST", f"{TENANT}/portal-tokens", {"description": "\x00"}, None, "$.description"),
]


class TestNulIsRefused:
    @pytest.mark.parametrize("request_", NUL_REQUESTS, ids=[f"{r[0]} {r[4]}" for r in NUL_REQUESTS])
    async def test_nul_is_400_invalid_character_naming_where_and_changes_nothing(
        self, client: Client, sessions: Any, broker: StubBroker, request_: NulRequest
    ) -> None:
        method, path, body, headers, where = request_
        ids = await seed(client)
        before = await database(sessions)

        response = await client.request(method, path.format(**ids), json=body, headers=headers)

        assert response.status_code == 400, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "invalid_character"
        assert [e["path"] for e in problem["errors"]] == [where]
        assert await database(sessions) == before
        assert queued_delivery_ids(broker) == []

    async def test_nul_is_refused_before_the_credentials_are_looked_at(
        self, client: Client
    ) -> None:
        response = await client.get(
            "/api/v1/tenants/a%00b", headers={"authorization": "Bearer nope"}
        )
        assert (response.status_code, response.json()["code"]) == (400, "invalid_character")


class TestCustomHeadersThatCannotBeSent:
    # CR or LF would split the request's header block; a name ending in a newline was accepted.
    @pytest.mark.parametrize(
        "headers",
        [{"x-custom": "a\r\nx-evil: 1"}, {"x-custom": "a\n"}, {"x-custom\n": "a"}, {"x\r": "a"}],
    )
    async def test_cr_or_lf_in_a_custom_header_is_refused_at_creation(
        self, client: Client, sessions: Any, headers: dict[str, str]
    ) -> None:
        await seed(client)
        before = await database(sessions)
        response = await client.post(
            f"{TENANT}/endpoints", json={"url": "https://example.com/b", "headers": headers}
        )
        assert (response.status_code, response.json()["code"]) == (422, "invalid_header")
        assert await database(sessions) == before


class TestPayloadsMayHoldNul:
    async def test_a_payload_with_nul_is_stored_and_read_back_unchanged(
        self, client: Client, broker: StubBroker
    ) -> None:
        await seed(client)
        payload = {"note\x00": "a\x00b", "nested": [{"x": NUL}]}

        published = await client.post(
            f"{TENANT}/messages", json={"event_type": "invoice.paid", "payload": payload}
        )

        assert published.status_code == 202, published.text
        read = await client.get(f"{TENANT}/messages/{published.json()['id']}")
        assert read.json()["payload"] == payload
        assert len(queued_delivery_ids(broker)) == 1

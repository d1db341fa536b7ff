"""Endpoint transformations through the API (checked when saved, previewed) and through the
worker's core against a real receiver (the transformed body is what is signed, sent and logged; a
failure is an attempt of its own kind, retried), on both databases."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from standardwebhooks import Webhook

from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointCreate, EndpointUpdate, Transformation
from app.models import Attempt, Delivery, Endpoint, Tenant
from tests.conftest import Clock
from tests.factories import BOX, create_tenant, publish, send_deliveries
from tests.integration.receiver import Receiver
from tests.integration.test_api_portal import bearer, mint
from tests.integration.test_delivery import attempts as attempts_of
from workers.delivery import DeliveryContext

Client = AsyncTestClient[Any]
BASE = "/api/v1/tenants/acme"
SLACK = (
    "{text: join(' ', ['Invoice', id, 'paid by', customer.name]),"
    " blocks: [{type: 'section', text: {type: 'mrkdwn', text: join('', ['*', to_string(amount), "
    "' ', currency, '*'])}}]}"
)
INVOICE = {"id": "in_1", "amount": 4200, "currency": "EUR", "customer": {"name": "Ada", "ssn": "x"}}


async def tenant_with_endpoint(client: Client, **fields: Any) -> dict[str, Any]:
    assert (await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})).is_success
    created = await client.post(
        f"{BASE}/endpoints", json={"url": "https://example.com/hook", **fields}
    )
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def endpoint_rows(sessions: Any) -> list[tuple[str, Any]]:
    async with sessions() as session:
        rows = await session.execute(select(Endpoint.id, Endpoint.transformation))
        return sorted((row.id, row.transformation) for row in rows)


class TestSavedTransformation:
    async def test_created_with_a_transformation_reads_back(self, client: Client) -> None:
        transformation = {"expression": SLACK, "headers": {"X-Shape": "slack"}}

        endpoint = await tenant_with_endpoint(client, transformation=transformation)

        assert endpoint["transformation"] == transformation
        read = await client.get(f"{BASE}/endpoints/{endpoint['id']}")
        assert read.json()["transformation"] == transformation

    async def test_patch_sets_and_clears_it(self, client: Client) -> None:
        endpoint = await tenant_with_endpoint(client)
        assert endpoint["transformation"] is None
        path = f"{BASE}/endpoints/{endpoint['id']}"

        set_ = await client.patch(path, json={"transformation": {"expression": "customer"}})
        assert set_.json()["transformation"] == {"expression": "customer", "headers": {}}
        other = await client.patch(path, json={"description": "kept"})
        assert other.json()["transformation"] == {"expression": "customer", "headers": {}}
        cleared = await client.patch(path, json={"transformation": None})
        assert cleared.json()["transformation"] is None

    async def test_a_bad_expression_is_refused_with_its_place_and_changes_nothing(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await tenant_with_endpoint(client, transformation={"expression": "id"})
        before = await endpoint_rows(sessions)
        bad = {"expression": "{text: id,\n  n: length(lines, id)}"}

        created = await client.post(
            f"{BASE}/endpoints", json={"url": "https://example.com/2", "transformation": bad}
        )
        patched = await client.patch(
            f"{BASE}/endpoints/{endpoint['id']}", json={"transformation": bad}
        )

        for answer in (created, patched):
            assert answer.status_code == 422
            problem = answer.json()
            assert problem["code"] == "invalid_transformation"
            (error,) = problem["errors"]
            assert error["path"] == "$.transformation.expression"
            assert (error["offset"], error["line"], error["column"]) == (16, 2, 6)
            assert "length() takes 1 argument" in error["message"]
        assert await endpoint_rows(sessions) == before

    async def test_syntax_errors_name_their_place(self, client: Client) -> None:
        await tenant_with_endpoint(client)
        for expression, place in (("customer.[", (10, 1, 11)), ("a | ^", (4, 1, 5))):
            answer = await client.post(
                f"{BASE}/endpoints",
                json={"url": "https://example.com/x", "transformation": {"expression": expression}},
            )
            assert answer.status_code == 422, expression
            (error,) = answer.json()["errors"]
            assert (error["offset"], error["line"], error["column"]) == place

    async def test_reserved_and_invalid_headers_are_refused(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await tenant_with_endpoint(client)
        before = await endpoint_rows(sessions)
        for headers, code in (
            ({"webhook-signature": "x"}, "reserved_header"),
            ({"Content-Type": "text/plain"}, "reserved_header"),
            ({"bad name": "x"}, "invalid_header"),
        ):
            answer = await client.patch(
                f"{BASE}/endpoints/{endpoint['id']}",
                json={"transformation": {"expression": "id", "headers": headers}},
            )
            assert (answer.status_code, answer.json()["code"]) == (422, code), headers
        assert await endpoint_rows(sessions) == before

    async def test_a_malformed_transformation_is_a_4xx(self, client: Client) -> None:
        endpoint = await tenant_with_endpoint(client)
        for body in ({"expression": ""}, {"expr": "id"}, {"expression": 3}, "id"):
            answer = await client.patch(
                f"{BASE}/endpoints/{endpoint['id']}", json={"transformation": body}
            )
            assert 400 <= answer.status_code < 500, body


class TestPreview:
    async def test_preview_of_an_expression_on_a_payload(self, client: Client) -> None:
        await tenant_with_endpoint(client)

        answer = await client.post(
            f"{BASE}/transformation/preview",
            json={"expression": SLACK, "payload": INVOICE, "headers": {"X-Shape": "slack"}},
        )

        assert answer.status_code == 200, answer.text
        assert answer.json() == {
            "payload": {
                "text": "Invoice in_1 paid by Ada",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*4200 EUR*"}}],
            },
            "headers": {"X-Shape": "slack"},
        }

    async def test_preview_errors_are_422s_with_codes(self, client: Client) -> None:
        await tenant_with_endpoint(client)
        cases = [
            ("id.[", "invalid_transformation"),
            ("length(amount)", "transformation_failed"),  # a type error on this payload
            ("nothing_here", "transformation_failed"),  # null
            (" | ".join(["[@, @]"] * 30), "transformation_failed"),  # the output budget
        ]
        for expression, code in cases:
            answer = await client.post(
                f"{BASE}/transformation/preview",
                json={"expression": expression, "payload": INVOICE},
            )
            assert (answer.status_code, answer.json()["code"]) == (422, code), expression
        syntax = await client.post(
            f"{BASE}/transformation/preview", json={"expression": "id.[", "payload": {}}
        )
        (error,) = syntax.json()["errors"]
        assert (error["path"], error["offset"]) == ("$.expression", 4)

    async def test_endpoint_preview_runs_the_saved_transformation(self, client: Client) -> None:
        endpoint = await tenant_with_endpoint(
            client, transformation={"expression": "{who: customer.name}", "headers": {"X-A": "1"}}
        )
        path = f"{BASE}/endpoints/{endpoint['id']}/transformation/preview"

        saved = await client.post(path, json={"payload": INVOICE})
        given = await client.post(path, json={"payload": INVOICE, "expression": "currency"})

        assert saved.json() == {"payload": {"who": "Ada"}, "headers": {"X-A": "1"}}
        assert given.json() == {"payload": "EUR", "headers": {}}

    async def test_endpoint_preview_on_a_past_message(self, client: Client) -> None:
        endpoint = await tenant_with_endpoint(
            client, transformation={"expression": "customer.name"}
        )
        message = await client.post(
            f"{BASE}/messages", json={"event_type": "invoice.paid", "payload": INVOICE}
        )
        path = f"{BASE}/endpoints/{endpoint['id']}/transformation/preview"

        answer = await client.post(path, json={"message_id": message.json()["id"]})

        assert answer.json() == {"payload": "Ada", "headers": {}}
        missing = await client.post(path, json={"message_id": "msg_nope"})
        assert (missing.status_code, missing.json()["code"]) == (404, "message_not_found")

    async def test_endpoint_preview_needs_exactly_one_source(self, client: Client) -> None:
        endpoint = await tenant_with_endpoint(client)
        path = f"{BASE}/endpoints/{endpoint['id']}/transformation/preview"
        for body in ({}, {"payload": {}, "message_id": "msg_x"}):
            answer = await client.post(path, json=body)
            assert (answer.status_code, answer.json()["code"]) == (
                422,
                "preview_source_required",
            )

    async def test_without_a_transformation_the_payload_goes_as_published(
        self, client: Client
    ) -> None:
        endpoint = await tenant_with_endpoint(client)
        answer = await client.post(
            f"{BASE}/endpoints/{endpoint['id']}/transformation/preview", json={"payload": INVOICE}
        )
        assert answer.json() == {"payload": INVOICE, "headers": {}}

    async def test_a_read_only_portal_token_may_preview_but_not_save(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await tenant_with_endpoint(client, transformation={"expression": "id"})
        headers = bearer((await mint(client, "acme", read_only=True))["token"])
        before = await endpoint_rows(sessions)

        tenant_preview = await client.post(
            f"{BASE}/transformation/preview",
            json={"expression": "id", "payload": INVOICE},
            headers=headers,
        )
        endpoint_preview = await client.post(
            f"{BASE}/endpoints/{endpoint['id']}/transformation/preview",
            json={"payload": INVOICE},
            headers=headers,
        )
        save = await client.patch(
            f"{BASE}/endpoints/{endpoint['id']}",
            json={"transformation": {"expression": "currency"}},
            headers=headers,
        )

        assert tenant_preview.json()["payload"] == "in_1"
        assert endpoint_preview.json()["payload"] == "in_1"
        assert (save.status_code, save.json()["code"]) == (403, "read_only")
        assert await endpoint_rows(sessions) == before


# -- the worker ------------------------------------------------------------------------------


async def published_to(
    sessions: Any, url: str, transformation: Transformation | None
) -> tuple[str, Endpoint]:
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoint = await endpoints.create(
            session, tenant, EndpointCreate(url=url, transformation=transformation), BOX
        )
        message = await publish(session, tenant, payload=INVOICE)
        delivery_id = await session.scalar(
            select(Delivery.id).where(Delivery.message_id == message.id)
        )
        await session.commit()
    assert delivery_id is not None
    return delivery_id, endpoint


class TestWorker:
    async def test_the_transformed_body_is_sent_signed_and_logged(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver, client: Client
    ) -> None:
        delivery_id, endpoint = await published_to(
            sessions,
            receiver.url("/slack"),
            Transformation(expression=SLACK, headers={"X-Shape": "slack"}),
        )

        assert await send_deliveries(ctx, [delivery_id]) == 1

        (request,) = receiver.requests
        secret = BOX.decrypt(endpoint.secret_encrypted)
        # Verified by the Standard Webhooks reference library: the signature covers these bytes.
        verified = Webhook(secret).verify(request.body, request.headers)
        assert verified == {
            "text": "Invoice in_1 paid by Ada",
            "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*4200 EUR*"}}],
        }
        assert request.headers["X-Shape"] == "slack"
        assert request.headers["Content-Type"] == "application/json"
        (attempt,) = await attempts_of(sessions, delivery_id)
        assert attempt.status == "succeeded"
        assert attempt.request_body == request.body.decode()
        # The delivery log (the attempts API) shows the body that was sent.
        logged = await client.get(f"{BASE}/messages/{attempt.message_id}/attempts")
        (shown,) = logged.json()["data"]
        assert shown["request_body"] == request.body.decode()

    async def test_an_untransformed_attempt_logs_no_request_body(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver
    ) -> None:
        delivery_id, _ = await published_to(sessions, receiver.url("/plain"), None)

        await send_deliveries(ctx, [delivery_id])

        (request,) = receiver.requests
        assert msgspec.json.decode(request.body) == INVOICE
        (attempt,) = await attempts_of(sessions, delivery_id)
        assert (attempt.status, attempt.request_body) == ("succeeded", None)

    async def test_a_failing_transformation_is_an_attempt_and_is_retried(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver, clock: Clock
    ) -> None:
        # Given an expression valid when saved that fails on this payload (a number's length)
        delivery_id, endpoint = await published_to(
            sessions, receiver.url("/hook"), Transformation(expression="length(amount)")
        )

        # When it is tried, and tried again when the retry comes due
        await send_deliveries(ctx, [delivery_id])
        first = await attempts_of(sessions, delivery_id)
        clock.advance(max(ctx.settings.retry_schedule))
        await send_deliveries(ctx, [delivery_id])

        # Then nothing reached the receiver, each try is an attempt of kind "transformation",
        # and the receiver's health is untouched (its circuit stays closed)
        assert receiver.requests == []
        tried = await attempts_of(sessions, delivery_id)
        assert len(first) == 1 and len(tried) == 2
        for attempt in tried:
            assert (attempt.status, attempt.error_kind) == ("failed", "transformation")
            assert attempt.status_code is None
            assert "length()" in (attempt.error_detail or "")
        async with sessions() as session:
            delivery = await session.get_one(Delivery, delivery_id)
            state = await session.get_one(Endpoint, endpoint.id)
            assert (delivery.status, delivery.attempt_count) == ("pending", 2)
            assert (state.circuit_state, state.circuit_failures) == ("closed", 0)
            assert state.failing_since is None

        # And once the customer fixes the expression, the next retry goes out transformed
        async with sessions() as session:
            tenant = await session.get_one(Tenant, endpoint.tenant_id)
            await endpoints.update(
                session,
                tenant,
                endpoint.id,
                EndpointUpdate(transformation=Transformation(expression="{n: amount}")),
            )
            await session.commit()
        clock.advance(max(ctx.settings.retry_schedule))
        await send_deliveries(ctx, [delivery_id])
        (request,) = receiver.requests
        assert request.body == b'{"n":4200}'

    async def test_the_output_budget_fails_the_try_not_the_worker(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver
    ) -> None:
        hostile = Transformation(expression=" | ".join(["[@, @]"] * 40))
        delivery_id, _ = await published_to(sessions, receiver.url("/hook"), hostile)

        assert await send_deliveries(ctx, [delivery_id]) == 1

        (attempt,) = await attempts_of(sessions, delivery_id)
        assert attempt.error_kind == "transformation"
        assert "bytes" in (attempt.error_detail or "")
        assert receiver.requests == []
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Attempt)) == 1

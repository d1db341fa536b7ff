"""Endpoint settings that shape the request, end to end through the worker's core against a real
receiver: custom headers, and signing with every active secret during a rotation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select, text
from standardwebhooks import Webhook, WebhookVerificationError

from app.endpoints import examples
from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointCreate, EndpointTestEvent
from app.event_types import service as event_types
from app.event_types.schemas import EventTypeCreate
from app.kit.clock import utc_now
from app.models import Delivery, Endpoint
from app.tenants import service as tenants
from tests.factories import BOX, create_tenant, publish, send_deliveries
from tests.integration.receiver import Receiver
from workers.delivery import DeliveryContext


async def endpoint_at(sessions: Any, url: str, **fields: Any) -> str:
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoint = await endpoints.create(session, tenant, EndpointCreate(url=url, **fields), BOX)
        await session.commit()
        return endpoint.id


async def rotate(sessions: Any, endpoint_id: str, *, grace_hours: float = 24.0) -> str:
    async with sessions() as session:
        endpoint = await session.get(Endpoint, endpoint_id)
        assert endpoint is not None
        secret = await endpoints.rotate_secret(
            session, endpoint, BOX, secret=None, grace_hours=grace_hours
        )
        await session.commit()
        return secret


async def current_secret(sessions: Any, endpoint_id: str) -> str:
    async with sessions() as session:
        endpoint = await session.get(Endpoint, endpoint_id)
        assert endpoint is not None
        return BOX.decrypt(endpoint.secret_encrypted)


async def publish_and_send(ctx: DeliveryContext, sessions: Any) -> None:
    async with sessions() as session:
        tenant = await the_tenant(session)
        message = await publish(session, tenant, payload={"invoice": "in_1"})
        ids = list(
            await session.scalars(select(Delivery.id).where(Delivery.message_id == message.id))
        )
        await session.commit()
    assert await send_deliveries(ctx, ids) == len(ids) == 1


async def the_tenant(session: Any) -> Any:
    return await tenants.get(session, "acme")


def verifies(secret: str, request: Any) -> bool:
    try:
        Webhook(secret).verify(request.body, request.headers)
    except WebhookVerificationError:
        return False
    return True


class TestCustomHeaders:
    async def test_custom_headers_arrive_with_the_signed_request(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint_id = await endpoint_at(
            sessions,
            receiver.url("/hook"),
            headers={"X-Api-Key": "k-123", "Authorization": "Bearer abc"},
        )

        await publish_and_send(ctx, sessions)

        (request,) = receiver.requests
        assert request.headers["X-Api-Key"] == "k-123"
        assert request.headers["Authorization"] == "Bearer abc"
        assert request.headers["Content-Type"] == "application/json"
        assert verifies(await current_secret(sessions, endpoint_id), request)


class TestSecretRotation:
    async def test_old_and_new_secret_both_verify_during_the_grace(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint_id = await endpoint_at(sessions, receiver.url("/hook"))
        old = await current_secret(sessions, endpoint_id)
        new = await rotate(sessions, endpoint_id)

        await publish_and_send(ctx, sessions)

        (request,) = receiver.requests
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        assert verifies(old, request)
        assert verifies(new, request)

    async def test_an_expired_old_secret_no_longer_signs(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint_id = await endpoint_at(sessions, receiver.url("/hook"))
        oldest = await current_secret(sessions, endpoint_id)
        middle = await rotate(sessions, endpoint_id)
        newest = await rotate(sessions, endpoint_id)
        async with sessions() as session:
            # Given the oldest secret's grace is over (the middle one's is not).
            endpoint = await session.get(Endpoint, endpoint_id)
            assert endpoint is not None
            recent, expiring = endpoint.old_secrets
            past = (utc_now() - timedelta(seconds=1)).isoformat()
            endpoint.old_secrets = [recent, {**expiring, "expires_at": past}]
            await session.commit()

        await publish_and_send(ctx, sessions)

        (request,) = receiver.requests
        assert len(request.headers["webhook-signature"].split(" ")) == 2
        assert verifies(newest, request)
        assert verifies(middle, request)
        assert not verifies(oldest, request)

    async def test_guarantee_7_old_secrets_are_encrypted_at_rest(self, sessions: Any) -> None:
        endpoint_id = await endpoint_at(sessions, "https://example.com/hook")
        old = await current_secret(sessions, endpoint_id)
        await rotate(sessions, endpoint_id)
        async with sessions() as session:
            raw = (await session.execute(text("SELECT old_secrets FROM endpoints"))).all()
        assert old.removeprefix("whsec_") not in str(raw)


class TestTestEvent:
    async def test_test_event_delivers_the_example_to_the_endpoint(
        self, ctx: DeliveryContext, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint_id = await endpoint_at(
            sessions, receiver.url("/hook"), event_types=["invoice.paid"]
        )
        async with sessions() as session:
            await event_types.create(
                session, EventTypeCreate(name="invoice.paid", example={"invoice": "in_9"})
            )
            tenant = await the_tenant(session)
            endpoint = await endpoints.get(session, tenant, endpoint_id)
            published = await examples.send_test_event(
                session,
                tenant,
                endpoint,
                EndpointTestEvent(),
                max_payload_bytes=256 * 1024,
                deliveries_per_task=50,
            )
            ids = list(
                await session.scalars(
                    select(Delivery.id).where(Delivery.message_id == published.message.id)
                )
            )
            await session.commit()

        assert await send_deliveries(ctx, ids) == 1

        (request,) = receiver.requests
        assert request.headers["webhook-id"] == published.message.id
        assert Webhook(await current_secret(sessions, endpoint_id)).verify(
            request.body, request.headers
        ) == {"invoice": "in_9"}

"""Hostile receivers end to end (issue 13): the dispatcher, the real database, the worker's own
HTTP client, and endpoints that answer garbage, drip, hang up, never end or stall the TLS
handshake. Every try is recorded as an Attempt with an error kind, and each delivery keeps to its
retry schedule until its tries run out."""

from __future__ import annotations

from contextlib import AsyncExitStack
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.kit.crypto import SecretBox
from app.models import Attempt, Delivery
from tests.conftest import Clock
from tests.factories import create_endpoint, create_tenant, publish, send_deliveries
from tests.integration.outbound.hostile import OPEN, Plan, hostile, raw_server
from workers.delivery import DeliveryContext
from workers.http import build_client

# Each hostile answer, and the error kind its tries must be recorded with.
HOSTILE: dict[str, tuple[Plan, str]] = {
    "broken_status_line": (Plan(b"HTTP/1.1 OK\r\n\r\n"), "connection"),
    "invalid_header": (
        Plan(b"HTTP/1.1 200 OK\r\nx-bad: \x01\r\ncontent-length: 0\r\n\r\n", end=OPEN),
        "connection",
    ),
    "oversized_head": (
        Plan(b"HTTP/1.1 200 OK\r\nx-h: " + b"v" * 2**20 + b"\r\n\r\n", end=OPEN),
        "connection",
    ),
    "bad_chunked_framing": (
        Plan(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n", end=OPEN),
        "connection",
    ),
    "early_close": (Plan(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort"), "connection"),
    "dripped": (Plan(b"HTTP/1.1 200 OK\r\n\r\n", drip=True, delay_seconds=1.0), "timeout"),
    # A 2xx whose body never ends would count as the success its status says; a 500 must not.
    "never_ending_body": (
        Plan(b"HTTP/1.1 500 Oops\r\ncontent-length: 999999999999\r\n\r\n" + b"x" * 2**21, end=OPEN),
        "http_status",
    ),
}


async def recorded(
    sessions: Any, delivery_ids: list[str]
) -> dict[str, tuple[Delivery, list[Attempt]]]:
    async with sessions() as session:
        deliveries = await session.scalars(select(Delivery).where(Delivery.id.in_(delivery_ids)))
        attempts = await session.scalars(
            select(Attempt).where(Attempt.delivery_id.in_(delivery_ids)).order_by(Attempt.id)
        )
        by_delivery = {d.id: (d, []) for d in deliveries}
        for attempt in attempts:
            by_delivery[attempt.delivery_id][1].append(attempt)
        return by_delivery


class TestHostileReceivers:
    async def test_guarantee_5_every_hostile_try_is_an_attempt_with_its_error_kind_on_schedule(
        self, make_settings: Any, database_url: str, sessions: Any, clock: Clock
    ) -> None:
        settings = make_settings(
            database_url, request_timeout_seconds=0.5, connect_timeout_seconds=0.3
        )
        client = build_client(settings)
        ctx = DeliveryContext(settings, sessions, client, SecretBox(settings.secret_key))
        async with AsyncExitStack() as stack:
            # Given one endpoint per hostile receiver, and a TLS endpoint that never handshakes,
            urls = {}
            for name, (plan, _) in HOSTILE.items():
                server, _ = await stack.enter_async_context(hostile(plan, every=True))
                urls[name] = server.url(f"/{name}")
            port, _ = await stack.enter_async_context(raw_server(b""))
            urls["tls_stall"] = f"https://127.0.0.1:{port}/tls"
            kinds = {name: kind for name, (_, kind) in HOSTILE.items()} | {"tls_stall": "timeout"}
            async with sessions() as session:
                tenant = await create_tenant(session)
                endpoint_names = {
                    (await create_endpoint(session, tenant, url=url)).id: name
                    for name, url in urls.items()
                }
                message = await publish(session, tenant)
                ids = list(
                    await session.scalars(
                        select(Delivery.id).where(Delivery.message_id == message.id)
                    )
                )
                await session.commit()

            # when every try the schedule allows is made,
            schedule = settings.retry_schedule
            for tries in range(1, len(schedule) + 2):
                assert await send_deliveries(ctx, ids) == len(urls)
                # then each is recorded as a failed attempt with the receiver's error kind,
                for delivery, attempts in (await recorded(sessions, ids)).values():
                    name = endpoint_names[delivery.endpoint_id]
                    assert [a.attempt_number for a in attempts] == list(range(1, tries + 1))
                    assert {(a.status, a.error_kind) for a in attempts} == {
                        ("failed", kinds[name])
                    }, name
                    assert delivery.attempt_count == tries
                    # and the delivery waits for its next try as the schedule says.
                    if tries <= len(schedule):
                        assert delivery.status == "pending"
                        assert delivery.next_attempt_at - attempts[-1].created_at == timedelta(
                            seconds=schedule[tries - 1]
                        )
                    else:
                        assert (delivery.status, delivery.next_attempt_at) == ("failed", None)
                clock.advance(max(schedule))
        await client.aclose()

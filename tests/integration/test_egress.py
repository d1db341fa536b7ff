"""The SSRF egress guard (DESIGN.md guarantee 6) through the API and through real deliveries."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from aiohttp import web
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select

from app.auth.service import ensure_admin_key
from app.config import Settings
from app.kit.crypto import SecretBox
from app.kit.egress import EgressBlocked, EgressPolicy
from app.kit.jobs import JobQueue
from app.main import create_app
from app.models import Attempt, Delivery, Endpoint
from tests.conftest import ADMIN_KEY
from tests.factories import create_endpoint, create_tenant, publish, send_deliveries
from tests.integration.receiver import Receiver
from workers.delivery import DeliveryContext
from workers.http import GuardedResolver, build_client

Client = AsyncTestClient[Any]

INTERNAL_URLS = [
    "http://127.0.0.1:8080/hook",
    "http://localhost:8080/",
    "http://api.localhost/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0x7f.1/",
    "http://0177.0.0.1/",
    "http://127.1/",
    "http://[::1]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:7f00:1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[::ffff:169.254.169.254]/",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://100.100.100.200/",
    "http://10.0.0.1/",
    "http://192.168.0.10:8443/",
    "http://[fd00:ec2::254]/",
    "http://0.0.0.0:8000/",
]


class FakeDns:
    """DNS is outside the machine: answers come from a table."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append(host)
        return list(self.answers[host])


@asynccontextmanager
async def api(settings: Settings, sessions: Any, broker: StubBroker) -> AsyncIterator[Client]:
    async with sessions() as session:
        await ensure_admin_key(session, settings)
        await session.commit()
    async with AsyncTestClient(
        create_app(settings, broker), base_url="http://testserver.local"
    ) as client:
        client.headers["authorization"] = f"Bearer {ADMIN_KEY}"
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        yield client


@pytest.fixture
async def strict_client(
    make_settings: Any, database_url: str, sessions: Any, broker: StubBroker
) -> AsyncIterator[Client]:
    """The API with an empty egress allow-list, as in production."""
    async with api(make_settings(database_url, egress_allow=[]), sessions, broker) as client:
        yield client


@asynccontextmanager
async def listening_on(host: str, port: int) -> AsyncIterator[Receiver]:
    """A second receiver at another loopback address (Linux answers all of 127/8)."""
    decoy = Receiver(base_url=f"http://{host}:{port}")
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", decoy.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    try:
        yield decoy
    finally:
        await runner.cleanup()


async def endpoint_count(sessions: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Endpoint)) or 0)


class TestEndpointCreation:
    @pytest.mark.parametrize("url", INTERNAL_URLS)
    async def test_plainly_internal_url_is_refused_and_nothing_is_created(
        self, strict_client: Client, sessions: Any, url: str
    ) -> None:
        response = await strict_client.post("/api/v1/tenants/acme/endpoints", json={"url": url})

        assert response.status_code == 422
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["code"] == "blocked_url"
        assert await endpoint_count(sessions) == 0

    async def test_changing_the_url_to_an_internal_one_is_refused_and_changes_nothing(
        self, strict_client: Client
    ) -> None:
        created = await strict_client.post(
            "/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/hook"}
        )
        assert created.status_code == 201
        path = f"/api/v1/tenants/acme/endpoints/{created.json()['id']}"

        response = await strict_client.patch(path, json={"url": "http://[::ffff:7f00:1]/"})

        assert (response.status_code, response.json()["code"]) == (422, "blocked_url")
        assert (await strict_client.get(path)).json()["url"] == "https://example.com/hook"

    async def test_a_name_is_not_resolved_at_creation(self, strict_client: Client) -> None:
        # DNS answers change; the check after resolution at delivery is what protects.
        response = await strict_client.post(
            "/api/v1/tenants/acme/endpoints", json={"url": "https://hooks.example.test/in"}
        )
        assert response.status_code == 201

    async def test_loopback_is_accepted_where_the_allow_list_names_it(
        self, make_settings: Any, database_url: str, sessions: Any, broker: StubBroker
    ) -> None:
        settings = make_settings(database_url, egress_allow=["127.0.0.0/8"])
        async with api(settings, sessions, broker) as client:
            response = await client.post(
                "/api/v1/tenants/acme/endpoints", json={"url": "http://localhost:9000/hook"}
            )
        assert response.status_code == 201

    async def test_https_only_refuses_plain_http_urls(
        self, make_settings: Any, database_url: str, sessions: Any, broker: StubBroker
    ) -> None:
        settings = make_settings(database_url, egress_https_only=True)
        async with api(settings, sessions, broker) as client:
            plain = await client.post(
                "/api/v1/tenants/acme/endpoints", json={"url": "http://example.com/hook"}
            )
            secure = await client.post(
                "/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/hook"}
            )
        assert (plain.status_code, plain.json()["code"]) == (422, "blocked_url")
        assert secure.status_code == 201


@asynccontextmanager
async def delivery_context(
    settings: Settings, sessions: Any, *, dns: FakeDns | None = None
) -> AsyncIterator[DeliveryContext]:
    client = build_client(settings, dns=dns)
    try:
        yield DeliveryContext(
            settings=settings,
            sessions=sessions,
            client=client,
            secret_box=SecretBox(settings.secret_key),
            jobs=JobQueue(StubBroker()),
        )
    finally:
        await client.aclose()


async def published_to(sessions: Any, urls: list[str]) -> list[str]:
    """Given endpoints at ``urls`` (created past the API's check) and one message: delivery ids."""
    async with sessions() as session:
        tenant = await create_tenant(session)
        for url in urls:
            await create_endpoint(session, tenant, url=url)
        message = await publish(session, tenant)
        ids = list(
            await session.scalars(select(Delivery.id).where(Delivery.message_id == message.id))
        )
        await session.commit()
    return ids


async def error_kinds(sessions: Any, delivery_ids: list[str]) -> list[str | None]:
    async with sessions() as session:
        query = select(Attempt.error_kind).where(Attempt.delivery_id.in_(delivery_ids))
        return list(await session.scalars(query))


def loopback_spellings(receiver: Receiver) -> list[str]:
    port = receiver.base_url.rsplit(":", 1)[1]
    return [
        receiver.url("/hook"),
        f"http://localhost:{port}/hook",
        f"http://[::ffff:127.0.0.1]:{port}/hook",
        f"http://[::ffff:7f00:1]:{port}/hook",
        f"http://2130706433:{port}/hook",
        f"http://0x7f000001:{port}/hook",
        f"http://0x7f.1:{port}/hook",
        f"http://127.1:{port}/hook",
        f"http://127.0.0.1.:{port}/hook",
    ]


class TestDeliveryEgress:
    async def test_guarantee_6_outbound_requests_never_reach_internal_addresses(
        self, make_settings: Any, database_url: str, sessions: Any, receiver: Receiver
    ) -> None:
        # Given endpoints that spell the receiver's loopback address every way, and no allow-list
        urls = loopback_spellings(receiver)
        ids = await published_to(sessions, urls)
        settings = make_settings(database_url, egress_allow=[])

        # When the worker sends
        async with delivery_context(settings, sessions) as ctx:
            assert await send_deliveries(ctx, ids) == len(urls)

        # Then nothing arrives, and every try is recorded as blocked
        assert receiver.requests == []
        assert await error_kinds(sessions, ids) == ["blocked"] * len(urls)

    async def test_allow_listed_loopback_is_delivered(
        self, make_settings: Any, database_url: str, sessions: Any, receiver: Receiver
    ) -> None:
        ids = await published_to(sessions, [receiver.url("/hook")])
        settings = make_settings(database_url, egress_allow=["127.0.0.0/8"])

        async with delivery_context(settings, sessions) as ctx:
            await send_deliveries(ctx, ids)

        assert [r.path for r in receiver.requests] == ["/hook"]
        assert await error_kinds(sessions, ids) == [None]

    async def test_a_name_resolving_to_loopback_is_blocked_after_resolution(
        self, make_settings: Any, database_url: str, sessions: Any, receiver: Receiver
    ) -> None:
        port = receiver.base_url.rsplit(":", 1)[1]
        dns = FakeDns({"hooks.example.test": ["127.0.0.1"]})
        ids = await published_to(sessions, [f"http://hooks.example.test:{port}/hook"])

        async with delivery_context(
            make_settings(database_url, egress_allow=[]), sessions, dns=dns
        ) as ctx:
            await send_deliveries(ctx, ids)

        assert dns.asked == ["hooks.example.test"]
        assert receiver.requests == []
        assert await error_kinds(sessions, ids) == ["blocked"]

    async def test_the_connection_goes_only_to_an_address_that_was_checked(
        self, make_settings: Any, database_url: str, sessions: Any, receiver: Receiver
    ) -> None:
        # Given a name whose first answer is a blocked address where something listens too
        port = int(receiver.base_url.rsplit(":", 1)[1])
        dns = FakeDns({"hooks.example.test": ["127.0.0.2", "127.0.0.1"]})
        ids = await published_to(sessions, [f"http://hooks.example.test:{port}/hook"])
        settings = make_settings(database_url, egress_allow=["127.0.0.1/32"])

        # When it is sent
        async with (
            listening_on("127.0.0.2", port) as decoy,
            delivery_context(settings, sessions, dns=dns) as ctx,
        ):
            await send_deliveries(ctx, ids)

        # Then it reaches the allowed address only
        assert decoy.requests == []
        assert [r.headers["Host"] for r in receiver.requests] == [f"hooks.example.test:{port}"]
        assert await error_kinds(sessions, ids) == [None]

    async def test_the_system_resolver_is_guarded_too(
        self, make_settings: Any, database_url: str, sessions: Any, receiver: Receiver
    ) -> None:
        # localhost resolves through /etc/hosts to loopback; only the resolved address tells.
        name = "localhost"
        addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
        assert addresses <= {"127.0.0.1", "::1"}
        port = receiver.base_url.rsplit(":", 1)[1]
        ids = await published_to(sessions, [f"http://{name}:{port}/hook"])

        async with delivery_context(make_settings(database_url, egress_allow=[]), sessions) as ctx:
            await send_deliveries(ctx, ids)

        assert receiver.requests == []
        assert await error_kinds(sessions, ids) == ["blocked"]

    async def test_https_only_refuses_plain_http_at_delivery(
        self, make_settings: Any, database_url: str, sessions: Any, receiver: Receiver
    ) -> None:
        ids = await published_to(sessions, [receiver.url("/hook")])
        settings = make_settings(database_url, egress_https_only=True)

        async with delivery_context(settings, sessions) as ctx:
            await send_deliveries(ctx, ids)

        assert receiver.requests == []
        assert await error_kinds(sessions, ids) == ["blocked"]


class TestGuardedResolver:
    async def test_blocked_addresses_are_dropped_from_the_answer(self) -> None:
        dns = FakeDns({"mixed.test": ["127.0.0.1", "93.184.215.14", "::ffff:10.0.0.1"]})
        resolved = await GuardedResolver(EgressPolicy([]), dns).resolve("mixed.test", 443)
        assert resolved == ["93.184.215.14"]

    async def test_a_name_with_only_blocked_addresses_raises_egress_blocked(self) -> None:
        dns = FakeDns({"internal.test": ["127.0.0.1", "169.254.169.254"]})
        with pytest.raises(EgressBlocked, match=r"\(loopback, metadata\)"):
            await GuardedResolver(EgressPolicy([]), dns).resolve("internal.test", 80)

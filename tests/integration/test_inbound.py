"""The inbound gateway on a real database: sources, the ingest URL, dedup, delivery (guarantee 9)."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import stripe
from dramatiq.brokers.stub import StubBroker
from hubspot.utils.signature import Signature
from litestar.testing import AsyncTestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from standardwebhooks import Webhook

from app.kit.egress import EgressBlocked
from app.models import Delivery, InboundDedup, InboundEvent, Message, MessagePayload
from app.sources import repository as inbound_repository
from app.sources.repository import REJECTED_KEPT
from tests.conftest import ADMIN_KEY
from tests.factories import send_deliveries
from tests.integration.inbound import (
    Client,
    create_destination,
    create_source,
    handed_over,
    ingest_path,
    signed,
)
from tests.integration.receiver import Receiver
from workers.delivery import DeliveryContext
from workers.http import build_client
from workers.scheduler import purge_once

BODY = b'{"type":"invoice.paid","data":{"id":"in_1","amount":4200}}'


async def count(sessions: Any, model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def outcomes(sessions: Any) -> list[str]:
    async with sessions() as session:
        return sorted(await session.scalars(select(InboundEvent.outcome)))


class TestSources:
    async def test_a_source_gets_an_unguessable_ingest_url(self, client: Client) -> None:
        source = await create_source(client)
        assert source["id"].startswith("src_")
        assert source["provider"] == "standard_webhooks"
        token = ingest_path(source).removeprefix("/in/")
        assert len(token) >= 32
        assert source["secrets"] == [{"expires_at": None}]  # the value is never shown
        listed = (await client.get("/api/v1/sources")).json()["data"]
        assert [s["id"] for s in listed] == [source["id"]]

    @pytest.mark.parametrize(
        ("body", "status", "code"),
        [
            ({"name": "x", "provider": "nope"}, 400, "unknown_provider"),
            ({"name": "x", "provider": "none", "options": {"bogus": 1}}, 400, "invalid_options"),
            (
                {"name": "x", "provider": "none", "options": {"dedup_window_seconds": 0}},
                400,
                "invalid_options",
            ),
            (
                {"name": "x", "provider": "standard_webhooks", "secret": "whsec_!!"},
                400,
                "invalid_secret",
            ),
            ({"provider": "none"}, 400, "validation_error"),
        ],
    )
    async def test_bad_input_is_a_4xx_with_a_code_and_changes_nothing(
        self, client: Client, sessions: Any, body: dict[str, Any], status: int, code: str
    ) -> None:
        response = await client.post("/api/v1/sources", json=body)
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert (await client.get("/api/v1/sources")).json()["data"] == []

    async def test_a_source_and_its_tenant_are_invisible_to_tenant_routes(
        self, client: Client
    ) -> None:
        source = await create_source(client)
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        tenants = (await client.get("/api/v1/tenants")).json()["data"]
        assert [t["uid"] for t in tenants] == ["acme"]
        assert (await client.get(f"/api/v1/tenants/{source['id']}")).status_code == 404
        token = (await client.post("/api/v1/tenants/acme/portal-tokens", json={})).json()
        portal = {"authorization": f"Bearer {token['token']}"}
        for path in ("/api/v1/sources", f"/api/v1/sources/{source['id']}/events"):
            assert (await client.get(path, headers=portal)).status_code == 403

    async def test_unknown_routes_objects_and_filters_answer_4xx(self, client: Client) -> None:
        source = await create_source(client)
        base = f"/api/v1/sources/{source['id']}"
        assert (await client.get("/api/v1/sources/src_missing")).json()["code"] == (
            "source_not_found"
        )
        assert (await client.get(f"{base}/destinations/ep_missing")).json()["code"] == (
            "destination_not_found"
        )
        assert (await client.get(f"{base}/events/iev_missing")).json()["code"] == (
            "inbound_event_not_found"
        )
        bad_filter = await client.get(f"{base}/events", params={"outcome": "maybe"})
        assert (bad_filter.status_code, bad_filter.json()["code"]) == (422, "invalid_filter")
        blocked = await client.post(f"{base}/destinations", json={"url": "http://169.254.169.254/"})
        assert (blocked.status_code, blocked.json()["code"]) == (422, "blocked_url")

    async def test_token_rotation_keeps_the_old_url_for_the_overlap(self, client: Client) -> None:
        source = await create_source(client, provider="none", secret=None)
        old = ingest_path(source)
        rotated = (
            await client.post(
                f"/api/v1/sources/{source['id']}/rotate-token", json={"overlap_seconds": 60}
            )
        ).json()
        assert ingest_path(rotated) != old
        assert (await client.post(old, content=BODY)).status_code == 200
        assert (await client.post(ingest_path(rotated), content=BODY)).status_code == 200
        immediate = (
            await client.post(
                f"/api/v1/sources/{source['id']}/rotate-token", json={"overlap_seconds": 0}
            )
        ).json()
        assert (await client.post(ingest_path(rotated), content=BODY)).status_code == 404
        assert (await client.post(ingest_path(immediate), content=BODY)).status_code == 200


class TestIngestRefusals:
    async def test_guarantee_9_forged_request_is_401_stored_as_rejected_and_delivered_nowhere(
        self, client: Client, sessions: Any, receiver: Receiver
    ) -> None:
        source = await create_source(client)
        await create_destination(client, source, receiver.url("/a"))
        headers = signed(BODY, secret="whsec_" + "Zm9yZ2VkLWtleS1mb3JnZWQta2V5LWZvcmdlZC1rZXk=")
        response = await client.post(ingest_path(source), content=BODY, headers=headers)
        assert (response.status_code, response.json()["code"]) == (401, "signature_invalid")
        assert await count(sessions, Message) == 0
        assert await count(sessions, Delivery) == 0
        log = (await client.get(f"/api/v1/sources/{source['id']}/events")).json()["data"]
        assert [(e["outcome"], e["cause"]) for e in log] == [("rejected", "signature_invalid")]
        detail = (await client.get(f"/api/v1/sources/{source['id']}/events/{log[0]['id']}")).json()
        assert detail["verification"] == "signature_invalid"
        assert detail["body"] == BODY.decode()
        metrics = (await client.get("/metrics")).text
        assert (
            f'hookrelay_inbound_rejected_total{{cause="signature_invalid",source="{source["id"]}"}}'
            in metrics
        )

    async def test_stale_missing_and_unsigned_requests_are_refused(
        self, client: Client, sessions: Any
    ) -> None:
        source = await create_source(client)
        path = ingest_path(source)
        stale = signed(BODY, at=datetime.now(UTC) - timedelta(hours=1))
        assert (await client.post(path, content=BODY, headers=stale)).json()["code"] == (
            "timestamp_stale"
        )
        bare = await client.post(path, content=BODY, headers={"content-type": "application/json"})
        assert bare.status_code == 401
        assert await count(sessions, Message) == 0

    async def test_a_source_without_secret_fails_closed_unless_its_provider_is_none(
        self, client: Client, sessions: Any
    ) -> None:
        unsigned = await create_source(client, secret=None)
        response = await client.post(ingest_path(unsigned), content=BODY, headers=signed(BODY))
        assert (response.status_code, response.json()["code"]) == (401, "secret_missing")
        open_source = await create_source(client, provider="none", secret=None)
        assert (await client.post(ingest_path(open_source), content=BODY)).status_code == 200

    async def test_an_expired_secret_is_refused_and_one_in_its_overlap_accepted(
        self, client: Client
    ) -> None:
        old = "whsec_" + "b2xkLXByb3ZpZGVyLXNlY3JldC1vbGQtcHJvdmlkZXI="
        past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
        future = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        source = await create_source(
            client, secret=None, secrets=[{"value": old, "expires_at": past}]
        )
        path = ingest_path(source)
        assert (
            await client.post(path, content=BODY, headers=signed(BODY, secret=old))
        ).status_code == 401
        await client.patch(
            f"/api/v1/sources/{source['id']}",
            json={"secrets": [{"value": old, "expires_at": future}]},
        )
        assert (
            await client.post(path, content=BODY, headers=signed(BODY, secret=old))
        ).status_code == 200

    async def test_unknown_disabled_too_large_and_wrong_method(
        self, client: Client, sessions: Any
    ) -> None:
        source = await create_source(client, provider="none", secret=None)
        path = ingest_path(source)
        unknown = await client.post("/in/not-a-token", content=BODY)
        assert (unknown.status_code, unknown.json()["code"]) == (404, "source_not_found")
        too_large = await client.post(path, content=b"x" * (1024 * 1024 + 1))
        assert (too_large.status_code, too_large.json()["code"]) == (413, "body_too_large")
        assert (await client.put(path, content=BODY)).status_code == 405
        assert (await client.get(path)).json()["code"] == "method_invalid"
        await client.patch(f"/api/v1/sources/{source['id']}", json={"disabled": True})
        disabled = await client.post(path, content=BODY)
        assert (disabled.status_code, disabled.json()["code"]) == (403, "source_disabled")
        assert await count(sessions, Message) == 0
        assert await outcomes(sessions) == ["rejected"] * 3


@pytest.fixture
def failing_commits() -> Iterator[list[bool]]:
    """While the list holds True, every commit fails as if the database had gone away."""
    switch: list[bool] = []

    def fail(session: Session) -> None:
        if switch and switch[0]:
            raise OperationalError("COMMIT", {}, Exception("database is down"))

    event.listen(Session, "before_commit", fail)
    yield switch
    event.remove(Session, "before_commit", fail)


class TestPersistThenAcknowledge:
    @pytest.fixture
    def settings(self, database_url: str, make_settings: Any) -> Any:
        """The normal route's unit of work, whose ORM commits these tests watch; the ingest fast
        path's group commit has its own (tests/integration/test_ingest_fast_path.py)."""
        return make_settings(database_url, ingest_fast_path=False)

    async def test_guarantee_9_no_2xx_when_the_commit_fails_and_the_retry_is_stored_once(
        self, client: Client, sessions: Any, failing_commits: list[bool], broker: StubBroker
    ) -> None:
        source = await create_source(client)
        await create_destination(client, source, "http://127.0.0.1:9/a")
        headers = signed(BODY)
        failing_commits.append(True)
        refused = await client.post(ingest_path(source), content=BODY, headers=headers)
        assert refused.status_code == 503
        failing_commits[0] = False
        assert await count(sessions, InboundEvent) == 0
        assert (
            await handed_over(client, broker) == []
        )  # nothing enqueued for rows that do not exist
        retried = await client.post(ingest_path(source), content=BODY, headers=headers)
        assert retried.status_code == 200
        assert retried.json()["events"][0]["outcome"] == "accepted"
        assert await count(sessions, Message) == 1

    async def test_guarantee_9_the_answer_is_sent_only_after_the_commit(
        self, app: Any, sessions: Any
    ) -> None:
        """The ASGI messages and the commits in one timeline: the 2xx starts after the commit."""
        timeline: list[str] = []

        async def recording(scope: Any, receive: Any, send: Any) -> None:
            async def traced(message: Any) -> None:
                if message["type"] == "http.response.start":
                    timeline.append(f"response {message['status']}")
                await send(message)

            await app(scope, receive, traced)

        def committed(session: Session) -> None:
            timeline.append("commit")

        async with AsyncTestClient(app) as admin:
            admin.headers["authorization"] = f"Bearer {ADMIN_KEY}"
            source = await create_source(admin)
        event.listen(Session, "after_commit", committed)
        try:
            async with AsyncTestClient(recording) as raw:  # type: ignore[arg-type]
                response = await raw.post(ingest_path(source), content=BODY, headers=signed(BODY))
        finally:
            event.remove(Session, "after_commit", committed)
        assert response.status_code == 200
        assert timeline[-2:] == ["commit", "response 200"]


class TestDedup:
    async def test_guarantee_9_ten_concurrent_copies_make_one_event_and_one_delivery_each(
        self, client: Client, sessions: Any, broker: StubBroker
    ) -> None:
        source = await create_source(client)
        for path in ("/a", "/b"):
            await create_destination(client, source, f"http://127.0.0.1:9{path}")
        headers = signed(BODY, msg_id="msg_same_event")
        answers = await asyncio.gather(
            *(client.post(ingest_path(source), content=BODY, headers=headers) for _ in range(10))
        )
        assert [a.status_code for a in answers] == [200] * 10
        assert await outcomes(sessions) == ["accepted"] + ["duplicate"] * 9
        assert await count(sessions, Message) == 1
        assert await count(sessions, Delivery) == 2
        assert len(await handed_over(client, broker)) == 2

    async def test_a_key_counts_again_once_its_window_has_passed(
        self, client: Client, sessions: Any
    ) -> None:
        source = await create_source(
            client,
            provider="none",
            secret=None,
            options={"dedup": {"header": "x-event-id"}, "dedup_window_seconds": 1},
        )
        path = ingest_path(source)
        first = await client.post(path, content=BODY, headers={"x-event-id": "e1"})
        again = await client.post(path, content=BODY, headers={"x-event-id": "e1"})
        assert [first.json()["events"][0]["outcome"], again.json()["events"][0]["outcome"]] == [
            "accepted",
            "duplicate",
        ]
        async with sessions() as session:  # the window passes
            await session.execute(
                update(InboundDedup).values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
        later = await client.post(path, content=BODY, headers={"x-event-id": "e1"})
        assert later.json()["events"][0]["outcome"] == "accepted"


class TestDelivery:
    async def test_guarantee_9_a_signed_event_reaches_two_destinations_byte_exact(
        self,
        client: Client,
        sessions: Any,
        broker: StubBroker,
        receiver: Receiver,
        ctx: DeliveryContext,
    ) -> None:
        source = await create_source(client)
        destinations = [
            await create_destination(client, source, receiver.url(p), event_types=["invoice.*"])
            for p in ("/billing", "/ledger")
        ]
        await create_destination(client, source, receiver.url("/other"), event_types=["customer.*"])
        headers = signed(BODY, msg_id="msg_e2e")
        response = await client.post(ingest_path(source), content=BODY, headers=headers)
        assert response.status_code == 200
        assert await send_deliveries(ctx, await handed_over(client, broker)) == 2
        by_path = {r.path: r for r in receiver.requests}
        assert sorted(by_path) == ["/billing", "/ledger"]
        for destination in destinations:
            path = "/" + destination["url"].rsplit("/", 1)[1]
            got = by_path[path]
            secret = (
                await client.get(
                    f"/api/v1/sources/{source['id']}/destinations/{destination['id']}/secret"
                )
            ).json()["secret"]
            Webhook(secret).verify(got.body, got.headers)  # Hookrelay's own signature
            assert got.body == BODY
            lower = {k.lower(): v for k, v in got.headers.items()}
            assert lower["content-type"] == "application/json; charset=utf-8"
            assert lower["x-hookrelay-source"] == source["id"]
            assert lower["x-hookrelay-provider"] == "standard_webhooks"
            assert lower["x-hookrelay-event-type"] == "invoice.paid"
            assert lower["x-hookrelay-forwarded-webhook-id"] == "msg_e2e"
        # The provider retries the same event: acknowledged, delivered nowhere again.
        broker.flush_all()
        retried = await client.post(ingest_path(source), content=BODY, headers=headers)
        assert retried.json()["events"][0]["outcome"] == "duplicate"
        assert await handed_over(client, broker) == []
        log = (
            await client.get(
                f"/api/v1/sources/{source['id']}/events", params={"outcome": "accepted"}
            )
        ).json()["data"]
        detail = (await client.get(f"/api/v1/sources/{source['id']}/events/{log[0]['id']}")).json()
        assert detail["body"] == BODY.decode()
        assert detail["verification"] == "verified"
        assert {d["status"] for d in detail["deliveries"]} == {"succeeded"}
        assert len(detail["attempts"]) == 2

    async def test_guarantee_9_destinations_down_do_not_hold_acks_and_get_everything_later(
        self,
        client: Client,
        sessions: Any,
        broker: StubBroker,
        receiver: Receiver,
        ctx: DeliveryContext,
    ) -> None:
        source = await create_source(client)
        await create_destination(client, source, receiver.url("/down"))
        receiver.default_status = 500  # (503 would also pause the destination: a slow-down)
        for n in range(3):
            body = b'{"type":"invoice.paid","n":%d}' % n
            answer = await client.post(
                ingest_path(source), content=body, headers=signed(body, msg_id=f"msg_{n}")
            )
            assert answer.status_code == 200
        await send_deliveries(ctx, await handed_over(client, broker))
        assert len(receiver.requests) == 3
        receiver.default_status = 200
        receiver.requests.clear()
        broker.flush_all()
        log = (await client.get(f"/api/v1/sources/{source['id']}/events")).json()["data"]
        for item in log:  # replay each (the retry schedule would do it later, by the clock)
            replayed = await client.post(
                f"/api/v1/sources/{source['id']}/events/{item['id']}/replay"
            )
            assert replayed.status_code == 202, replayed.text
        await send_deliveries(ctx, await handed_over(client, broker), trigger="manual")
        assert sorted(r.body for r in receiver.requests) == [
            b'{"type":"invoice.paid","n":%d}' % n for n in range(3)
        ]

    async def test_replaying_a_rejected_event_is_a_409(self, client: Client) -> None:
        source = await create_source(client)
        await client.post(ingest_path(source), content=BODY)
        rejected = (await client.get(f"/api/v1/sources/{source['id']}/events")).json()["data"][0]
        answer = await client.post(f"/api/v1/sources/{source['id']}/events/{rejected['id']}/replay")
        assert (answer.status_code, answer.json()["code"]) == (409, "event_not_accepted")


class TestDestinationEgress:
    async def test_destinations_and_tenant_endpoints_are_guarded_apart(
        self, make_settings: Any, receiver: Receiver
    ) -> None:
        """DESTINATION_ALLOW opens internal addresses to destinations only (guarantee 6 whole)."""
        settings = make_settings(
            "postgresql://unused/db", egress_allow=[], destination_allow=["127.0.0.0/8"]
        )
        client = build_client(settings)
        try:
            status, _, _ = await client.post(
                receiver.url("/d"), b"{}", {}, max_body_bytes=100, destination=True
            )
            assert status == 200
            with pytest.raises(EgressBlocked):  # the same URL, for a tenant, after the other
                await client.post(receiver.url("/d"), b"{}", {}, max_body_bytes=100)
        finally:
            await client.aclose()


class TestRetention:
    async def test_expired_dedup_keys_and_old_rejections_are_purged_recent_ones_kept(
        self, client: Client, sessions: Any, settings: Any
    ) -> None:
        source = await create_source(client)
        path = ingest_path(source)
        await client.post(path, content=BODY)  # rejected: unsigned
        await client.post(path, content=BODY, headers=signed(BODY, msg_id="old"))
        await client.post(path, content=BODY, headers=signed(BODY, msg_id="live"))
        async with sessions() as session:
            await session.execute(
                update(InboundDedup)
                .where(InboundDedup.dedup_key == "old")
                .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
            )
            await session.commit()
        assert await purge_once(settings, sessions) >= 1
        async with sessions() as session:
            keys = list(await session.scalars(select(InboundDedup.dedup_key)))
        assert keys == ["live"]
        assert "rejected" in await outcomes(sessions)  # younger than a day: kept
        later = datetime.now(UTC) + timedelta(days=2)
        async with sessions() as session:
            await inbound_repository.purge(session, now=later, limit=100)
            await session.commit()
        assert "rejected" not in await outcomes(sessions)

    async def test_only_the_newest_rejections_of_a_source_are_kept(
        self, client: Client, sessions: Any
    ) -> None:
        source = await create_source(client)
        for _ in range(REJECTED_KEPT + 5):
            await client.post(ingest_path(source), content=BODY)
        assert await outcomes(sessions) == ["rejected"] * REJECTED_KEPT


class TestProviderShapes:
    async def test_a_stripe_signed_event_is_stored_once_per_stripe_event_id(
        self, client: Client, sessions: Any, broker: StubBroker, receiver: Receiver
    ) -> None:
        secret = "whsec_stripe_test_secret"
        source = await create_source(client, provider="stripe", secret=secret)
        await create_destination(client, source, receiver.url("/a"), event_types=["invoice.*"])
        body = b'{"id":"evt_1","object":"event","type":"invoice.paid"}'
        t = int(datetime.now(UTC).timestamp())
        mac = hmac.new(secret.encode(), b"%d.%s" % (t, body), "sha256").hexdigest()
        header = f"t={t},v1={mac}"
        assert stripe.Webhook.construct_event(body, header, secret)["id"] == "evt_1"
        for _ in range(2):
            answer = await client.post(
                ingest_path(source),
                content=body,
                headers={"stripe-signature": header, "content-type": "application/json"},
            )
            assert answer.status_code == 200
        assert await outcomes(sessions) == ["accepted", "duplicate"]
        async with sessions() as session:
            event = await session.scalar(
                select(InboundEvent).where(InboundEvent.outcome == "accepted")
            )
        assert event is not None
        assert (event.event_type, event.dedup_key) == ("invoice.paid", "evt_1")
        assert len(await handed_over(client, broker)) == 1

    async def test_a_hubspot_batch_becomes_one_event_per_element_each_deduplicated(
        self, client: Client, sessions: Any
    ) -> None:
        secret = "hubspot-app-secret"
        source = await create_source(client, provider="hubspot", secret=secret)
        body = b'[{"eventId": 11, "subscriptionType": "contact.creation"},{"eventId":12}]'
        ms = str(int(datetime.now(UTC).timestamp() * 1000))
        url = source["ingest_url"]
        signature = Signature.get_signature(secret, body.decode(), "v3", url, "POST", ms)
        headers = {
            "x-hubspot-signature-v3": signature,
            "x-hubspot-request-timestamp": ms,
            "content-type": "application/json",
        }
        first = await client.post(ingest_path(source), content=body, headers=headers)
        assert [e["outcome"] for e in first.json()["events"]] == ["accepted", "accepted"]
        again = await client.post(ingest_path(source), content=body, headers=headers)
        assert [e["outcome"] for e in again.json()["events"]] == ["duplicate", "duplicate"]
        async with sessions() as session:
            bodies = sorted(await session.scalars(select(MessagePayload.body)))
        assert bodies == [
            b'{"eventId": 11, "subscriptionType": "contact.creation"}',
            b'{"eventId":12}',
        ]

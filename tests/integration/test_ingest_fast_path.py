"""The ingest URL's fast path and its group commit (app/sources/fast_path.py).

On PostgreSQL a signed single event is verified before Litestar's routing and stored with the
requests that arrive meanwhile; on SQLite the layer is not installed. Refusals fall through to
the normal route: they are sent to an app with the fast path and to one without and must get
the same answer and the same record.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import msgspec
import pytest
from dramatiq.brokers.stub import StubBroker
from litestar import Litestar
from sqlalchemy import func, select

from app.config import Settings
from app.main import create_app
from app.models import Delivery, InboundEvent, Message, MessagePayload
from app.sources.controllers import handoff
from tests.integration.conftest import queued_delivery_ids
from tests.integration.inbound import create_destination, create_source, ingest_path, signed
from tests.integration.serving import commits_refused, direct_post, serving

BODY = b'{"type":"invoice.paid","data":{"id":"in_1","amount":4200}}'


def groups_of(app: Litestar) -> int:
    fast = app.state.get("ingest_fast_path")
    return 0 if fast is None else int(fast.writer.groups)


async def count(sessions: Any, model: Any, *where: Any) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(model)
        return int(await session.scalar(query.where(*where) if where else query) or 0)


async def outcomes(sessions: Any) -> list[str]:
    async with sessions() as session:
        return sorted(await session.scalars(select(InboundEvent.outcome)))


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as client:
        yield client


@pytest.fixture
async def slow_client(
    settings: Settings, app: Litestar, broker: StubBroker
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same database through an app without the ingest fast path."""
    slow = create_app(msgspec.structs.replace(settings, ingest_fast_path=False), broker)
    async with serving(slow) as client:
        yield client


def on_postgresql(database_url: str) -> bool:
    return database_url.startswith("postgresql")


class TestFastIngest:
    async def test_a_signed_event_is_stored_by_a_group_commit_and_handed_over(
        self,
        app: Litestar,
        client: httpx.AsyncClient,
        sessions: Any,
        broker: StubBroker,
        database_url: str,
    ) -> None:
        source = await create_source(client)
        for path in ("/a", "/b"):
            await create_destination(client, source, f"http://127.0.0.1:9{path}")

        answer = await client.post(ingest_path(source), content=BODY, headers=signed(BODY))

        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"] == "application/json"
        (event,) = answer.json()["events"]
        assert event["outcome"] == "accepted" and event["id"].startswith("iev_")
        assert groups_of(app) == (1 if on_postgresql(database_url) else 0)
        logged = await client.get(f"/api/v1/sources/{source['id']}/events/{event['id']}")
        assert logged.status_code == 200, logged.text
        logged = logged.json()["event"]
        assert logged["event_type"] == "invoice.paid" and logged["dedup_key"] == "msg_provider_1"
        async with sessions() as session:
            stored = (await session.execute(select(MessagePayload))).scalar_one()
        assert stored.body == BODY  # byte-exact
        assert stored.headers["x-hookrelay-inbound-event"] == event["id"]
        assert await count(sessions, Delivery) == 2
        await handoff(app.state).wait_sent()
        assert len(queued_delivery_ids(broker)) == 2

    async def test_its_answer_is_the_normal_routes(
        self, client: httpx.AsyncClient, slow_client: httpx.AsyncClient
    ) -> None:
        source = await create_source(client)
        path = ingest_path(source)
        fast = await client.post(path, content=BODY, headers=signed(BODY, msg_id="m-1"))
        slow = await slow_client.post(path, content=BODY, headers=signed(BODY, msg_id="m-2"))
        assert fast.status_code == slow.status_code == 200
        assert fast.headers.keys() == slow.headers.keys()
        assert [e["outcome"] for e in fast.json()["events"]] == ["accepted"]
        assert list(fast.json()["events"][0]) == list(slow.json()["events"][0])

    async def test_guarantee_9_concurrent_copies_make_one_event_and_one_delivery_each(
        self, app: Litestar, client: httpx.AsyncClient, sessions: Any
    ) -> None:
        source = await create_source(client)
        for path in ("/a", "/b"):
            await create_destination(client, source, f"http://127.0.0.1:9{path}")
        await client.post(ingest_path(source), content=BODY, headers=signed(BODY, msg_id="warm"))
        headers = signed(BODY, msg_id="msg_same_event")

        answers = await asyncio.gather(
            *(direct_post(app, ingest_path(source), BODY, headers=headers) for _ in range(10))
        )

        assert [a.status for a in answers] == [200] * 10
        assert await outcomes(sessions) == ["accepted"] * 2 + ["duplicate"] * 9
        assert await count(sessions, Message) == 2
        assert await count(sessions, Delivery) == 4

    async def test_a_change_to_the_source_reaches_the_fast_path_at_once(
        self, client: httpx.AsyncClient, slow_client: httpx.AsyncClient, sessions: Any
    ) -> None:
        source = await create_source(client)
        path = ingest_path(source)
        assert (await client.post(path, content=BODY, headers=signed(BODY))).status_code == 200

        await client.patch(f"/api/v1/sources/{source['id']}", json={"disabled": True})
        fast = await client.post(path, content=BODY, headers=signed(BODY, msg_id="m-2"))
        slow = await slow_client.post(path, content=BODY, headers=signed(BODY, msg_id="m-3"))

        assert fast.status_code == 403
        assert (fast.status_code, fast.json()) == (slow.status_code, slow.json())
        assert await outcomes(sessions) == ["accepted", "rejected", "rejected"]


class TestSameRefusals:
    @pytest.mark.parametrize(
        "case", ["forged", "tampered", "stale", "unknown token", "GET", "too large"]
    )
    async def test_a_refusal_is_the_normal_routes_and_is_recorded(
        self,
        client: httpx.AsyncClient,
        slow_client: httpx.AsyncClient,
        sessions: Any,
        make_settings: Any,
        case: str,
    ) -> None:
        source = await create_source(client)
        path, body, headers, method = ingest_path(source), BODY, signed(BODY), "POST"
        if case == "forged":
            headers = signed(BODY, secret="whsec_" + "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUE=")
        elif case == "tampered":
            body = BODY.replace(b"4200", b"4201")
        elif case == "stale":
            from datetime import UTC, datetime, timedelta

            headers = signed(BODY, at=datetime.now(UTC) - timedelta(hours=1))
        elif case == "unknown token":
            path = "/in/" + "x" * 32
        elif case == "GET":
            method = "GET"
        elif case == "too large":
            body = b'{"a":"' + b"x" * (2 * 1024 * 1024) + b'"}'
        before = await count(sessions, InboundEvent)

        fast = await client.request(method, path, content=body, headers=headers)
        slow = await slow_client.request(method, path, content=body, headers=headers)

        assert 400 <= fast.status_code < 500, (case, fast.text)
        assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), case
        assert await count(sessions, Message) == 0
        recorded = await count(sessions, InboundEvent) - before
        assert recorded == (0 if case == "unknown token" else 2)  # one rejected record each


class TestGuarantees:
    async def test_guarantee_9_the_fast_ack_starts_only_after_its_commit(
        self, app: Litestar, client: httpx.AsyncClient, sessions: Any
    ) -> None:
        # When the answer starts, the event is already visible to another connection.
        source = await create_source(client)
        seen: list[int] = []

        async def count_stored() -> None:
            seen.append(await count(sessions, InboundEvent))

        answer = await direct_post(
            app, ingest_path(source), BODY, headers=signed(BODY), on_start=count_stored
        )

        assert answer.status == 200
        assert seen == [1]

    async def test_guarantee_9_a_failed_group_commit_is_503_and_the_retry_is_stored_once(
        self,
        app: Litestar,
        client: httpx.AsyncClient,
        sessions: Any,
        engine: Any,
        database_url: str,
    ) -> None:
        # Given a deferred check that fails every COMMIT holding an inbound event, when a signed
        # event arrives, then it gets a 503 and nothing is stored; its retry, once the database
        # accepts commits again, is stored once and answered 200.
        source = await create_source(client)
        await create_destination(client, source, "http://127.0.0.1:9/a")
        await client.post(ingest_path(source), content=BODY, headers=signed(BODY, msg_id="warm"))
        headers = signed(BODY, msg_id="evt-retried")
        async with commits_refused(engine, "inbound_events"):
            refused = await client.post(ingest_path(source), content=BODY, headers=headers)
        retried = await client.post(ingest_path(source), content=BODY, headers=headers)

        if on_postgresql(database_url):
            assert refused.status_code == 503
            assert refused.json()["code"] == "unavailable"
            assert refused.headers["retry-after"] == "1"
            assert [e["outcome"] for e in retried.json()["events"]] == ["accepted"]
        else:  # no fast path and no failing commit: stored at once, the retry a duplicate
            assert refused.status_code == 200
            assert [e["outcome"] for e in retried.json()["events"]] == ["duplicate"]
        assert retried.status_code == 200
        accepted = (InboundEvent.dedup_key == "evt-retried", InboundEvent.outcome == "accepted")
        assert await count(sessions, InboundEvent, *accepted) == 1
        assert await count(sessions, Message) == 2  # the warm-up's and the retried one

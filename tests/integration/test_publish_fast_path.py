"""The single publish's fast path and its group commit (app/messages/fast_path.py).

On PostgreSQL a warm publish is answered before Litestar's routing and written with the
publishes that arrive meanwhile; on SQLite the layer is not installed and every publish takes
the normal route. Either way the answers must be the normal route's: the bad inputs below are
sent to an app with the fast path and to one without, and must get the same status and body.
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
from app.messages.fast_path import PublishFastPath
from app.models import Delivery, Message, MessageChannel, MessagePayload
from tests.integration.conftest import queued_delivery_ids
from tests.integration.serving import commits_refused, direct_post, serving

Client = httpx.AsyncClient
PUBLISH = "/api/v1/tenants/acme/messages"
PAYLOAD = {"invoice": "in_1", "amount": 1200}
SCHEMA = {
    "type": "object",
    "properties": {"amount": {"type": "integer"}},
    "required": ["amount"],
}


def fast_path_of(app: Litestar) -> PublishFastPath | None:
    found: PublishFastPath | None = app.state.get("publish_fast_path")
    return found


def groups_of(app: Litestar) -> int:
    fast = fast_path_of(app)
    return 0 if fast is None else fast.writer.groups


async def count(sessions: Any, model: Any) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def warm_tenant(client: Client, *, endpoints: int = 2) -> list[str]:
    """A tenant with endpoints, an event type with a schema, and one publish through the normal
    route (which fills the caches the fast path reads)."""
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    await client.post(
        "/api/v1/event-types",
        json={"name": "invoice.paid", "description": "paid", "schema": SCHEMA},
    )
    ids = []
    for _ in range(endpoints):
        created = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://example.com/hook", "event_types": ["invoice.*"]},
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    first = await client.post(PUBLISH, json={"event_type": "invoice.paid", "payload": PAYLOAD})
    assert first.status_code == 202, first.text
    return ids


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    async with serving(app) as client:
        yield client


@pytest.fixture
async def slow_client(
    settings: Settings, app: Litestar, broker: StubBroker
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same database through an app without the fast path."""
    async with serving(
        create_app(msgspec.structs.replace(settings, publish_fast_path=False), broker)
    ) as client:
        yield client


class TestFastPublish:
    async def test_a_warm_publish_is_written_by_a_group_commit_with_its_deliveries(
        self, app: Litestar, client: Client, sessions: Any, broker: StubBroker, database_url: str
    ) -> None:
        endpoint_ids = await warm_tenant(client)
        before = groups_of(app)

        body = {"event_type": "invoice.paid", "payload": PAYLOAD, "channels": ["eu", "eu", "b"]}
        response = await client.post(PUBLISH, json=body)

        assert response.status_code == 202, response.text
        assert response.headers["hookrelay-idempotent-replay"] == "false"
        assert response.headers["content-type"] == "application/json"
        message = response.json()
        assert message["payload"] == PAYLOAD and message["channels"] == ["eu", "eu", "b"]
        # On PostgreSQL the fast path wrote it; on SQLite there is none and the route did.
        assert groups_of(app) - before == (1 if database_url.startswith("postgresql") else 0)
        read = await client.get(f"{PUBLISH}/{message['id']}")
        assert read.json() == message
        deliveries = (await client.get(f"{PUBLISH}/{message['id']}/deliveries")).json()["data"]
        assert sorted(d["endpoint_id"] for d in deliveries) == sorted(endpoint_ids)
        assert set(queued_delivery_ids(broker)) >= {d["id"] for d in deliveries}
        async with sessions() as session:
            channels = await session.scalars(
                select(MessageChannel.channel).where(MessageChannel.message_id == message["id"])
            )
            assert sorted(channels) == ["b", "eu"]
            stored = await session.scalar(
                select(MessagePayload.body).where(MessagePayload.message_id == message["id"])
            )
        assert stored == b'{"invoice":"in_1","amount":1200}'

    async def test_its_answer_has_the_shape_of_the_normal_routes(
        self, client: Client, slow_client: Client
    ) -> None:
        await warm_tenant(client)
        body = {"event_type": "invoice.paid", "payload": PAYLOAD, "event_id": "e-1"}
        fast = await client.post(PUBLISH, json=body)
        slow = await slow_client.post(PUBLISH, json={**body, "event_id": "e-2"})

        assert fast.status_code == slow.status_code == 202
        assert fast.headers.keys() == slow.headers.keys()
        unlike = {"id", "created_at", "event_id"}
        assert {k: v for k, v in fast.json().items() if k not in unlike} == {
            k: v for k, v in slow.json().items() if k not in unlike
        }
        assert list(fast.json()) == list(slow.json())

    async def test_a_keyed_publish_takes_the_normal_route_and_queues_behind_its_key(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        (endpoint_id,) = await warm_tenant(client, endpoints=1)
        ordered = await client.patch(
            f"/api/v1/tenants/acme/endpoints/{endpoint_id}", json={"ordered": True}
        )
        assert ordered.status_code == 200, ordered.text
        await client.post(PUBLISH, json={"event_type": "invoice.paid", "payload": PAYLOAD})
        before = groups_of(app)

        keyed = {"event_type": "invoice.paid", "payload": PAYLOAD, "ordering_key": "cus_1"}
        answers = [await client.post(PUBLISH, json=keyed) for _ in range(3)]

        assert [a.status_code for a in answers] == [202, 202, 202]
        assert [a.json()["ordering_key"] for a in answers] == ["cus_1"] * 3
        assert groups_of(app) == before  # none of them went by the group commit
        async with sessions() as session:
            rows = (
                await session.execute(
                    select(Delivery.queued)
                    .join(Message, Message.id == Delivery.message_id)
                    .where(Message.ordering_key == "cus_1")
                    .order_by(Delivery.id)
                )
            ).all()
        assert [queued for (queued,) in rows] == [False, True, True]  # one head, two behind it

    async def test_the_same_event_id_is_a_replay_of_the_original(
        self, client: Client, sessions: Any
    ) -> None:
        await warm_tenant(client)
        body = {"event_type": "invoice.paid", "payload": PAYLOAD, "event_id": "evt-1"}
        first = await client.post(PUBLISH, json=body)
        again = await client.post(PUBLISH, json={**body, "payload": {"amount": 1}})

        assert first.status_code == again.status_code == 202
        assert again.json() == first.json()
        assert again.headers["hookrelay-idempotent-replay"] == "true"
        assert await count(sessions, Message) == 2  # the warm-up's and this one

    async def test_concurrent_publishes_share_groups_and_each_is_stored_once(
        self, app: Litestar, client: Client, sessions: Any, database_url: str
    ) -> None:
        await warm_tenant(client)
        before = groups_of(app)
        bodies = [
            {"event_type": "invoice.paid", "payload": {"amount": n}, "event_id": f"c-{n % 30}"}
            for n in range(60)
        ]

        answers = await asyncio.gather(*(direct_post(app, PUBLISH, b) for b in bodies))

        assert [a.status for a in answers] == [202] * 60
        by_event_id: dict[str, set[str]] = {}
        for answer in answers:
            by_event_id.setdefault(answer.json()["event_id"], set()).add(answer.json()["id"])
        assert all(len(ids) == 1 for ids in by_event_id.values())  # a copy replays the original
        assert await count(sessions, Message) == 1 + 30
        assert await count(sessions, Delivery) == 2 * (1 + 30)
        if database_url.startswith("postgresql"):
            assert 1 <= groups_of(app) - before < 30  # shared: fewer commits than publishes

    async def test_a_change_to_the_endpoints_is_seen_by_the_next_publish(
        self, client: Client
    ) -> None:
        # The statement writes a message only while endpoints_version is the one its deliveries
        # were planned from; the cached subscriptions are stale after this endpoint is added.
        await warm_tenant(client, endpoints=1)
        added = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://example.com/new", "event_types": ["invoice.paid"]},
        )
        response = await client.post(
            PUBLISH, json={"event_type": "invoice.paid", "payload": PAYLOAD}
        )
        deliveries = (await client.get(f"{PUBLISH}/{response.json()['id']}/deliveries")).json()
        assert added.json()["id"] in {d["endpoint_id"] for d in deliveries["data"]}


BAD_BODIES: list[tuple[str, Any]] = [
    ("not json", b"{nope"),
    ("empty", b""),
    ("a list", [1, 2]),
    ("no payload", {"event_type": "invoice.paid"}),
    ("payload of the wrong type", {"event_type": "invoice.paid", "payload": [1]}),
    ("an unknown field", {"event_type": "invoice.paid", "payload": PAYLOAD, "extra": 1}),
    ("a bad event type", {"event_type": "not a name!", "payload": PAYLOAD}),
    ("an empty event_id", {"event_type": "invoice.paid", "payload": PAYLOAD, "event_id": ""}),
    ("a bad channel", {"event_type": "invoice.paid", "payload": PAYLOAD, "channels": ["a b"]}),
    ("NUL in event_id", {"event_type": "invoice.paid", "payload": PAYLOAD, "event_id": "a\x00"}),
    ("a schema violation", {"event_type": "invoice.paid", "payload": {"amount": "12"}}),
    ("a coerced type", {"event_type": "invoice.paid", "payload": PAYLOAD, "event_id": 5}),
    ("too large", {"event_type": "invoice.paid", "payload": {"x": "y" * 300_000}}),
]


class TestSameRefusals:
    @pytest.mark.parametrize(("case", "body"), BAD_BODIES, ids=[c for c, _ in BAD_BODIES])
    async def test_a_bad_body_gets_the_normal_routes_answer_and_changes_nothing(
        self, client: Client, slow_client: Client, sessions: Any, case: str, body: Any
    ) -> None:
        await warm_tenant(client)
        before = await count(sessions, Message)

        answers = []
        for each in (client, slow_client):
            if isinstance(body, bytes):
                headers = {"content-type": "application/json"}
                answers.append(await each.post(PUBLISH, content=body, headers=headers))
            else:
                answers.append(await each.post(PUBLISH, json=body))

        fast, slow = answers
        assert 400 <= fast.status_code < 500, (case, fast.text)
        assert (fast.status_code, fast.json()) == (slow.status_code, slow.json()), case
        assert fast.json()["code"]
        assert await count(sessions, Message) == before

    @pytest.mark.parametrize(
        "authorization", [None, "Bearer nope", "Basic abc", "Bearer "], ids=str
    )
    async def test_a_bad_credential_gets_the_guards_answer(
        self, client: Client, slow_client: Client, sessions: Any, authorization: str | None
    ) -> None:
        await warm_tenant(client)
        before = await count(sessions, Message)
        answers = []
        for each in (client, slow_client):
            del each.headers["authorization"]
            if authorization is not None:
                each.headers["authorization"] = authorization
            body = {"event_type": "invoice.paid", "payload": PAYLOAD}
            answers.append(await each.post(PUBLISH, json=body))
        fast, slow = answers
        assert fast.status_code == 401
        assert (fast.status_code, fast.json()) == (slow.status_code, slow.json())
        assert await count(sessions, Message) == before

    async def test_guarantee_10_a_portal_token_cannot_publish_on_the_fast_path(
        self, client: Client, slow_client: Client, sessions: Any
    ) -> None:
        await warm_tenant(client)
        token = (await client.post("/api/v1/tenants/acme/portal-tokens", json={})).json()["token"]
        before = await count(sessions, Message)
        body = {"event_type": "invoice.paid", "payload": PAYLOAD}
        answers = [
            await each.post(PUBLISH, json=body, headers={"authorization": f"Bearer {token}"})
            for each in (client, slow_client)
        ]
        assert [a.status_code for a in answers] == [403, 403]
        assert answers[0].json() == answers[1].json()
        assert answers[0].json()["code"] == "publish_admin_only"
        assert await count(sessions, Message) == before

    @pytest.mark.parametrize("content_type", [None, "text/plain", "application/json; x=1"])
    async def test_any_content_type_is_answered_as_the_normal_route_answers_it(
        self, client: Client, slow_client: Client, content_type: str | None
    ) -> None:
        await warm_tenant(client)
        raw = msgspec.json.encode({"event_type": "invoice.paid", "payload": PAYLOAD})
        answers = []
        for each in (client, slow_client):
            request = each.build_request("POST", PUBLISH, content=raw)
            request.headers.pop("content-type", None)
            if content_type is not None:
                request.headers["content-type"] = content_type
            answers.append(await each.send(request))
        fast, slow = answers
        assert fast.status_code == slow.status_code, (fast.text, slow.text)
        assert list(fast.json()) == list(slow.json())

    async def test_an_unknown_tenant_gets_the_routes_404(
        self, client: Client, slow_client: Client
    ) -> None:
        await warm_tenant(client)
        body = {"event_type": "invoice.paid", "payload": PAYLOAD}
        fast = await client.post("/api/v1/tenants/nobody/messages", json=body)
        slow = await slow_client.post("/api/v1/tenants/nobody/messages", json=body)
        assert fast.status_code == 404
        assert fast.json() == slow.json()


class TestGuarantees:
    async def test_guarantee_1_the_fast_answer_starts_only_after_its_commit(
        self, app: Litestar, client: Client, sessions: Any, engine: Any
    ) -> None:
        # Given a warm tenant, when the app's answer starts, the message is already visible to
        # another connection: the 202 never precedes the COMMIT that holds the row.
        await warm_tenant(client)
        before = await count(sessions, Message)
        seen: list[int] = []

        async def count_stored() -> None:
            seen.append(await count(sessions, Message))

        answer = await direct_post(
            app,
            PUBLISH,
            {"event_type": "invoice.paid", "payload": {"amount": 1}},
            on_start=count_stored,
        )

        assert answer.status == 202
        assert seen == [before + 1]

    async def test_guarantee_1_a_failed_group_commit_answers_503_to_every_waiter(
        self, app: Litestar, client: Client, sessions: Any, engine: Any, database_url: str
    ) -> None:
        # Given a deferred check that fails at COMMIT for one marked payload, when publishes
        # arrive together, then every publish of the marked one's group is answered 503 and
        # none of them is stored; every 202 is stored.
        await warm_tenant(client)
        marked = "convert_from(NEW.body, 'UTF8')::jsonb -> 'mark' = 'true'::jsonb"
        async with commits_refused(engine, "message_payloads", when=marked):
            bodies = [
                {"event_type": "invoice.paid", "payload": {"amount": n, "mark": n == 0}}
                for n in range(20)
            ]
            answers = await asyncio.gather(*(direct_post(app, PUBLISH, b) for b in bodies))

        async with sessions() as session:
            stored = set(await session.scalars(select(Message.id)))
        accepted = [a for a in answers if a.status == 202]
        assert all(a.json()["id"] in stored for a in accepted)
        assert len(stored) == 1 + len(accepted)  # the warm-up's and the accepted ones
        refused = [a for a in answers if a.status != 202]
        if database_url.startswith("postgresql"):
            assert answers[0].status == 503
            assert {(a.status, a.json()["code"]) for a in refused} == {(503, "unavailable")}
            assert all(a.headers["retry-after"] == "1" for a in refused)
        else:
            assert refused == []

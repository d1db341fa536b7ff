"""Ordered delivery per key (issue 17), on both databases: the publish API, a real receiver on
127.0.0.1 that fails at random, and the workers' real dispatcher, recorder and scheduler."""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter, defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import pytest
from aiohttp import web
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from sqlalchemy import event, select, text

from app.deliveries import ordering, repository
from app.health import repository as health
from app.kit.clock import utc_now
from app.messages import service as messages
from app.messages.schemas import MessageCreate
from app.models import Delivery, OrderingKey, Tenant
from tests.conftest import Clock
from workers.contracts import DELIVERY_QUEUE, RunRecovery, SendDeliveries
from workers.delivery import DeliveryContext
from workers.dispatch import Dispatcher
from workers.recovery import run_recovery
from workers.scheduler import run_once

Client = AsyncTestClient[Any]
TENANT = "/api/v1/tenants/acme"


@dataclass
class OrderedReceiver:
    """A receiver that fails ``fail_ratio`` of tries at random (seeded) and every try of the keys
    in ``failing``; it keeps each key's delivered sequence and the most tries of one key it ever
    had in flight at once."""

    fail_ratio: float = 0.0
    failing: set[str] = field(default_factory=set)
    failing_tries: set[tuple[str, int]] = field(default_factory=set)  # (key, seq) always fails
    base_url: str = ""
    rng: random.Random = field(default_factory=lambda: random.Random(17))
    delivered: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    in_flight: Counter[str] = field(default_factory=Counter)
    most_in_flight: int = 0
    tries: int = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        key, seq = body["key"], body["seq"]
        self.tries += 1
        self.in_flight[key] += 1
        self.most_in_flight = max(self.most_in_flight, self.in_flight[key])
        try:
            await asyncio.sleep(0.001)  # a receiver's work: room for a second try to overlap
            failing = key in self.failing or (key, seq) in self.failing_tries
            if failing or self.rng.random() < self.fail_ratio:
                return web.Response(status=500)
            self.delivered[key].append(seq)
            return web.Response(status=200)
        finally:
            self.in_flight[key] -= 1


@asynccontextmanager
async def ordered_receiver(**kwargs: Any) -> AsyncIterator[OrderedReceiver]:
    receiver = OrderedReceiver(**kwargs)
    app = web.Application()
    app.router.add_route("POST", "/{tail:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.base_url = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        await runner.cleanup()


async def set_up(client: Client, url: str, **endpoint: Any) -> str:
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    response = await client.post(f"{TENANT}/endpoints", json={"url": url, **endpoint})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def publish(client: Client, keys: list[str | None], *, start: int = 0) -> list[str]:
    """Publish one message per entry (its key, or none), in batches; the payload carries its key
    and its place among the key's messages. Returns the message ids."""
    seqs: Counter[str] = Counter({k: start for k in keys if k})
    items = []
    for n, key in enumerate(keys):
        item: dict[str, Any] = {"event_type": "order.updated"}
        if key is None:
            item["payload"] = {"key": f"none-{n}", "seq": 0}
        else:
            item["payload"] = {"key": key, "seq": seqs[key]}
            item["ordering_key"] = key
            seqs[key] += 1
        items.append(item)
    ids = []
    for start_at in range(0, len(items), 100):
        batch = {"messages": items[start_at : start_at + 100]}
        response = await client.post(f"{TENANT}/messages/batch", json=batch)
        assert response.status_code == 202, response.text
        ids.extend(m["id"] for m in response.json()["data"])
    return ids


def take_tasks(broker: StubBroker) -> list[tuple[str, dict[str, Any]]]:
    queue = broker.queues[DELIVERY_QUEUE]
    tasks = []
    while queue.qsize():
        message = json.loads(queue.get_nowait())
        tasks.append((message["actor_name"], message["kwargs"]))
    return tasks


async def pending_count(ctx: DeliveryContext) -> int:
    async with ctx.sessions() as session:
        found = await session.scalars(select(Delivery.id).where(Delivery.status == "pending"))
        return len(list(found))


async def drive(
    ctx: DeliveryContext,
    broker: StubBroker,
    clock: Clock,
    *,
    dispatchers: int = 2,
    tasks: list[tuple[str, dict[str, Any]]] | None = None,
    rounds: int = 400,
) -> None:
    """Run the pipeline as workers and the scheduler would until it settles: every task on the
    broker goes to each of ``dispatchers`` workers at once (so that they race for the same
    deliveries); when the broker is empty the clock moves on and the scheduler enqueues what came
    due (retries, busy endpoints, probes). Settled: nothing pending, or twice nothing came due
    (what is left waits: queued behind a held key, or parked)."""
    workers = [Dispatcher(ctx) for _ in range(dispatchers)]
    idle = 0
    for _ in range(rounds):
        batch = (tasks or []) + take_tasks(broker)
        tasks = None
        sends = [kw for name, kw in batch if name == SendDeliveries.actor_name]
        for name, kw in batch:
            if name == RunRecovery.actor_name:
                await run_recovery(ctx.sessions, ctx.jobs, kw["recovery_id"])
        if sends:
            idle = 0
            ids = [i for kw in sends for i in kw["delivery_ids"]]
            trigger = sends[0]["trigger"]
            await asyncio.gather(*(w.dispatch(ids, trigger=trigger) for w in workers))
            await asyncio.gather(*(w.drain() for w in workers))
            continue
        if batch:
            continue
        if idle >= 2 or await pending_count(ctx) == 0:
            return
        clock.advance(5)
        if await run_once(ctx.settings, ctx.sessions, ctx.jobs) == 0:
            idle += 1
    raise AssertionError("the pipeline did not settle")


def expected(keys: list[str | None]) -> dict[str, list[int]]:
    counts = Counter(k for k in keys if k)
    return {k: list(range(n)) for k, n in counts.items()}


@pytest.fixture
def ordered_ctx(make_ctx: Any) -> DeliveryContext:
    """A worker whose receiver's random failures never exhaust a delivery's tries, nor open the
    circuit (tests of those set them up themselves)."""
    ctx: DeliveryContext = make_ctx(retry_schedule=[1] * 12, circuit_failure_threshold=10_000)
    return ctx


class TestOrderedDelivery:
    async def test_500_messages_over_50_keys_arrive_complete_and_in_order_despite_random_failures(
        self, client: Client, broker: StubBroker, ordered_ctx: DeliveryContext, clock: Clock
    ) -> None:
        # Given an ordered endpoint whose receiver fails a fifth of all tries at random
        async with ordered_receiver(fail_ratio=0.2) as receiver:
            await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            keys: list[str | None] = [f"key-{n % 50}" for n in range(500)]
            # When 500 messages over 50 keys are published and two workers race to send them
            await publish(client, keys)
            await drive(ordered_ctx, broker, clock)
        # Then every key's sequence arrived complete, in publish order, one try at a time
        assert dict(receiver.delivered) == expected(keys)
        assert receiver.most_in_flight == 1
        assert receiver.tries > 500  # the failures were real, and retried

    async def test_different_keys_go_in_parallel_and_keyless_messages_are_their_own_key(
        self, client: Client, broker: StubBroker, ordered_ctx: DeliveryContext, clock: Clock
    ) -> None:
        async with ordered_receiver() as receiver:
            await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            keys: list[str | None] = ["a", "b", "c", None, None, "a", "b", "c"]
            await publish(client, keys)
            # The publish's task holds the heads of a, b, c and both keyless messages: five at once
            tasks = take_tasks(broker)
            assert [len(kw["delivery_ids"]) for _, kw in tasks] == [5]
            await drive(ordered_ctx, broker, clock, tasks=tasks)
        assert receiver.delivered["a"] == [0, 1]
        assert receiver.delivered["b"] == [0, 1]
        assert sorted(k for k in receiver.delivered if k.startswith("none")) == ["none-3", "none-4"]

    async def test_a_crashed_workers_head_is_taken_again_after_its_lease_and_the_key_goes_on(
        self,
        client: Client,
        broker: StubBroker,
        ordered_ctx: DeliveryContext,
        clock: Clock,
    ) -> None:
        async with ordered_receiver() as receiver:
            await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            await publish(client, ["k", "k", "k"])
            (_, task) = take_tasks(broker)[0]
            # Given a worker that leased the key's head and died before sending it
            async with ordered_ctx.sessions() as session:
                now = utc_now()
                leased = await repository.claim_for_send(
                    session, task["delivery_ids"], now=now, lease_until=now + timedelta(seconds=30)
                )
                await session.commit()
            assert len(leased) == 1
            # When the scheduler runs before the lease is out, nothing of the key goes
            await run_once(ordered_ctx.settings, ordered_ctx.sessions, ordered_ctx.jobs)
            assert take_tasks(broker) == []
            # Then after the lease (and the task's stuck bound) the head is sent again, and the key
            # goes on in order
            clock.advance(ordered_ctx.settings.stuck_after_seconds + 31)
            await drive(ordered_ctx, broker, clock)
        assert receiver.delivered["k"] == [0, 1, 2]
        assert receiver.most_in_flight == 1

    async def test_hold_policy_holds_a_failed_key_visibly_until_its_head_is_resent(
        self,
        client: Client,
        broker: StubBroker,
        make_ctx: Any,
        clock: Clock,
        sessions: Any,
    ) -> None:
        ctx: DeliveryContext = make_ctx(retry_schedule=[1], circuit_failure_threshold=10_000)
        async with ordered_receiver(failing={"bad"}) as receiver:
            endpoint = await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            messages = await publish(client, ["bad", "good", "bad", "good", "bad"])
            # When the head of "bad" exhausts its tries
            await drive(ctx, broker, clock)
            # Then the key is held, visibly: the list of held keys, the metric, the log
            held = await client.get(f"{TENANT}/endpoints/{endpoint}/ordering-keys?held=true")
            assert held.status_code == 200, held.text
            (key,) = held.json()["data"]
            assert key["ordering_key"] == "bad"
            assert key["head_message_id"] == messages[0]
            assert key["queued"] == 2 and key["held_since"] is not None
            async with sessions() as session:
                assert (await health.backlog(session, now=utc_now())).held_keys == 1
            log = await client.get(f"{TENANT}/messages/{messages[2]}/deliveries")
            assert log.json()["data"][0]["queued"] is True
            assert log.json()["data"][0]["status"] == "pending"
            assert receiver.delivered["good"] == [0, 1]
            # When the receiver is fixed and the head is resent
            receiver.failing.clear()
            resent = await client.post(
                f"{TENANT}/messages/{messages[0]}/endpoints/{endpoint}/resend"
            )
            assert resent.status_code == 202, resent.text
            await drive(ctx, broker, clock)
        # Then the key goes on, in order
        assert receiver.delivered["bad"] == [0, 1, 2]
        released = await client.get(f"{TENANT}/endpoints/{endpoint}/ordering-keys?held=true")
        assert released.json()["data"] == []

    async def test_skip_route_releases_a_held_key_past_its_failed_head(
        self, client: Client, broker: StubBroker, make_ctx: Any, clock: Clock
    ) -> None:
        ctx: DeliveryContext = make_ctx(retry_schedule=[1], circuit_failure_threshold=10_000)
        async with ordered_receiver(failing={"bad"}) as receiver:
            endpoint = await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            messages = await publish(client, ["bad", "bad", "bad"])
            await drive(ctx, broker, clock)  # settles: the head failed, two wait behind it
            (key,) = (await client.get(f"{TENANT}/endpoints/{endpoint}/ordering-keys")).json()[
                "data"
            ]
            assert key["held_since"] is not None and key["queued"] == 2
            receiver.failing.clear()
            skipped = await client.post(f"{TENANT}/endpoints/{endpoint}/ordering-keys/bad/skip")
            assert skipped.status_code == 204, skipped.text
            await drive(ctx, broker, clock)
            again = await client.post(f"{TENANT}/endpoints/{endpoint}/ordering-keys/bad/skip")
        assert receiver.delivered["bad"] == [1, 2]
        first = (await client.get(f"{TENANT}/messages/{messages[0]}/deliveries")).json()["data"]
        assert first[0]["status"] == "failed"
        assert again.status_code == 404 and again.json()["code"] == "ordering_key_not_held"

    async def test_skip_policy_records_the_failed_head_and_moves_on(
        self, client: Client, broker: StubBroker, make_ctx: Any, clock: Clock
    ) -> None:
        ctx: DeliveryContext = make_ctx(retry_schedule=[1], circuit_failure_threshold=10_000)
        async with ordered_receiver() as receiver:
            endpoint = await set_up(
                client, f"{receiver.base_url}/hook", ordered=True, ordering_failure_policy="skip"
            )
            receiver.failing_tries.add(("k", 0))
            messages = await publish(client, ["k", "k", "k"])
            await drive(ctx, broker, clock)
        assert receiver.delivered["k"] == [1, 2]
        first = (await client.get(f"{TENANT}/messages/{messages[0]}/deliveries")).json()["data"]
        assert first[0]["status"] == "failed"
        keys = await client.get(f"{TENANT}/endpoints/{endpoint}/ordering-keys")
        assert keys.json()["data"] == []  # the key's sequence is done: its row went


class TestOrderingWithTheEngineRules:
    async def test_open_circuit_parks_heads_and_the_keys_go_on_in_order_once_it_closes(
        self, client: Client, broker: StubBroker, make_ctx: Any, clock: Clock, sessions: Any
    ) -> None:
        ctx: DeliveryContext = make_ctx(retry_schedule=[1] * 12, circuit_failure_threshold=3)
        async with ordered_receiver(failing={"a", "b"}) as receiver:
            endpoint = await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            await publish(client, ["a", "b", "a", "b", "a", "b"])
            await drive(ctx, broker, clock)  # the circuit opens: the heads are parked
            got = (await client.get(f"{TENANT}/endpoints/{endpoint}")).json()
            assert got["circuit_state"] == "open"
            receiver.failing.clear()
            clock.advance(ctx.settings.circuit_cooldown_seconds * 4)
            await drive(ctx, broker, clock)  # a probe closes it; the keys resume, in order
        assert receiver.delivered["a"] == [0, 1, 2]
        assert receiver.delivered["b"] == [0, 1, 2]
        assert receiver.most_in_flight == 1
        async with sessions() as session:
            assert (await health.backlog(session, now=utc_now())).parked == 0

    async def test_rate_limited_ordered_endpoint_delivers_every_key_in_order(
        self, client: Client, broker: StubBroker, ordered_ctx: DeliveryContext, clock: Clock
    ) -> None:
        async with ordered_receiver(fail_ratio=0.2) as receiver:
            await set_up(
                client, f"{receiver.base_url}/hook", ordered=True, rate_limit_per_second=20
            )
            keys: list[str | None] = [f"k{n % 4}" for n in range(24)]
            await publish(client, keys)
            await drive(ordered_ctx, broker, clock)
        assert dict(receiver.delivered) == expected(keys)
        assert receiver.most_in_flight == 1

    @pytest.mark.parametrize("policy", ["hold", "skip"])
    async def test_recovery_sends_a_keys_failed_messages_again_in_their_order(
        self, client: Client, broker: StubBroker, make_ctx: Any, clock: Clock, policy: str
    ) -> None:
        ctx: DeliveryContext = make_ctx(retry_schedule=[1], circuit_failure_threshold=10_000)
        async with ordered_receiver(failing_tries={("k", 0), ("k", 1)}) as receiver:
            endpoint = await set_up(
                client, f"{receiver.base_url}/hook", ordered=True, ordering_failure_policy=policy
            )
            await publish(client, ["k", "k", "k", "k"])
            await drive(ctx, broker, clock)
            receiver.failing_tries.clear()
            recovery = await client.post(
                f"{TENANT}/endpoints/{endpoint}/recover", json={"since": "2020-01-01T00:00:00Z"}
            )
            assert recovery.status_code == 202, recovery.text
            await drive(ctx, broker, clock)
        # hold: the key waited at its first message; skip: it went past both, and the recovery
        # sends them again after the key's others, in their own order
        assert receiver.delivered["k"] == ([0, 1, 2, 3] if policy == "hold" else [2, 3, 0, 1])
        assert receiver.most_in_flight == 1

    async def test_turning_ordering_off_sends_what_waited_behind_the_heads(
        self, client: Client, broker: StubBroker, make_ctx: Any, clock: Clock
    ) -> None:
        ctx: DeliveryContext = make_ctx(retry_schedule=[1], circuit_failure_threshold=10_000)
        async with ordered_receiver(failing={"k"}) as receiver:
            endpoint = await set_up(client, f"{receiver.base_url}/hook", ordered=True)
            await publish(client, ["k", "k", "k"])
            await drive(ctx, broker, clock)  # held at its head
            receiver.failing.clear()
            changed = await client.patch(f"{TENANT}/endpoints/{endpoint}", json={"ordered": False})
            assert changed.status_code == 200 and changed.json()["ordered"] is False
            await drive(ctx, broker, clock)
        assert sorted(receiver.delivered["k"]) == [1, 2]
        async with ctx.sessions() as session:
            assert list(await session.scalars(select(OrderingKey))) == []


class StatementLog:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)


@asynccontextmanager
async def logged(engine: Any) -> AsyncIterator[StatementLog]:
    log = StatementLog()
    event.listen(engine.sync_engine, "before_cursor_execute", log)
    try:
        yield log
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", log)


class TestUnorderedEndpointsLoseNothing:
    async def test_publish_and_send_to_an_unordered_endpoint_run_the_same_statements_with_keys(
        self, client: Client, broker: StubBroker, ctx: DeliveryContext, engine: Any
    ) -> None:
        async with ordered_receiver() as receiver:
            await set_up(client, f"{receiver.base_url}/hook")
            await publish(client, [None])  # warm the subscription cache
            take_tasks(broker)
            async with logged(engine) as without_keys:
                await publish(client, [None] * 10)
            async with logged(engine) as with_keys:
                await publish(client, [f"k{n}" for n in range(10)])
            assert len(with_keys.statements) == len(without_keys.statements)
            async with logged(engine) as sending:
                await drive(ctx, broker, Clock(), dispatchers=1)
        assert len(receiver.delivered) == 20
        assert not [s for s in with_keys.statements + sending.statements if "ordering_keys" in s]


class TestBadInput:
    @pytest.mark.parametrize(
        "item",
        [
            {"ordering_key": ""},
            {"ordering_key": "has space"},
            {"ordering_key": "x" * 129},
            {"ordering_key": 42},
            {"ordering_key": "ünïcode"},
        ],
    )
    async def test_bad_ordering_key_is_a_4xx_and_publishes_nothing(
        self, client: Client, broker: StubBroker, item: dict[str, Any]
    ) -> None:
        await set_up(client, "http://127.0.0.1:9/hook", ordered=True)
        body = {"event_type": "order.updated", "payload": {}, **item}
        single = await client.post(f"{TENANT}/messages", json=body)
        batch = await client.post(f"{TENANT}/messages/batch", json={"messages": [body]})
        for response in (single, batch):
            assert 400 <= response.status_code < 500, response.text
            assert response.json()["code"]
        listed = await client.get(f"{TENANT}/messages")
        assert listed.json()["data"] == []
        assert take_tasks(broker) == []

    @pytest.mark.parametrize(
        "body", [{"ordering_failure_policy": "drop"}, {"ordered": "yes"}, {"ordered": None}]
    )
    async def test_bad_ordering_settings_are_a_4xx_and_change_nothing(
        self, client: Client, body: dict[str, Any]
    ) -> None:
        endpoint = await set_up(client, "http://127.0.0.1:9/hook")
        created = await client.post(f"{TENANT}/endpoints", json={"url": "https://e.x", **body})
        changed = await client.patch(f"{TENANT}/endpoints/{endpoint}", json=body)
        for response in (created, changed):
            assert 400 <= response.status_code < 500, response.text
            assert response.json()["code"]
        got = (await client.get(f"{TENANT}/endpoints/{endpoint}")).json()
        assert (got["ordered"], got["ordering_failure_policy"]) == (False, "hold")
        assert len((await client.get(f"{TENANT}/endpoints")).json()["data"]) == 1

    async def test_ordering_key_routes_refuse_an_unordered_endpoint_and_unknown_keys(
        self, client: Client
    ) -> None:
        unordered = await set_up(client, "http://127.0.0.1:9/hook")
        ordered = (
            await client.post(
                f"{TENANT}/endpoints", json={"url": "http://127.0.0.1:9/o", "ordered": True}
            )
        ).json()["id"]
        listed = await client.get(f"{TENANT}/endpoints/{unordered}/ordering-keys")
        skipped = await client.post(f"{TENANT}/endpoints/{unordered}/ordering-keys/k/skip")
        unknown = await client.post(f"{TENANT}/endpoints/{ordered}/ordering-keys/nope/skip")
        bad_held = await client.get(f"{TENANT}/endpoints/{ordered}/ordering-keys?held=maybe")
        missing = await client.get(f"{TENANT}/endpoints/ep_nothing/ordering-keys")
        assert (listed.status_code, listed.json()["code"]) == (409, "endpoint_not_ordered")
        assert (skipped.status_code, skipped.json()["code"]) == (409, "endpoint_not_ordered")
        assert (unknown.status_code, unknown.json()["code"]) == (404, "ordering_key_not_held")
        assert bad_held.status_code == 400
        assert missing.status_code == 404

    async def test_a_queued_delivery_cannot_be_resent_ahead_of_its_key(
        self, client: Client, broker: StubBroker
    ) -> None:
        endpoint = await set_up(client, "http://127.0.0.1:9/hook", ordered=True)
        messages = await publish(client, ["k", "k"])
        resent = await client.post(f"{TENANT}/messages/{messages[1]}/endpoints/{endpoint}/resend")
        assert (resent.status_code, resent.json()["code"]) == (409, "delivery_queued")
        (delivery,) = (await client.get(f"{TENANT}/messages/{messages[1]}/deliveries")).json()[
            "data"
        ]
        assert delivery["queued"] is True and delivery["next_attempt_at"] is None


class TestPublishAndResultRace:
    async def test_a_publish_queued_behind_a_head_that_finishes_meanwhile_becomes_the_head(
        self, client: Client, sessions: Any, database_url: str
    ) -> None:
        """The head's result and a publish into its key, at once: the result waits for the
        publish's lock on the key and then sees its delivery (on PostgreSQL, from a statement
        begun after the lock; a snapshot taken before would miss it and strand the key)."""
        await set_up(client, "http://127.0.0.1:9/hook", ordered=True)
        (first,) = await publish(client, ["k"])
        async with sessions() as session:
            tenant = await session.scalar(select(Tenant))
            head = await session.scalar(select(Delivery).where(Delivery.message_id == first))
        assert tenant is not None and head is not None
        # Given a publish into the key, not yet committed (it holds the key's row)
        publishing = sessions()
        async with publishing:
            data = MessageCreate(
                event_type="order.updated", payload={"key": "k", "seq": 1}, ordering_key="k"
            )
            second = await messages.publish(
                publishing, tenant, data, max_payload_bytes=1024, deliveries_per_task=50
            )

            # When the head's success is recorded meanwhile
            async def record_head() -> list[str]:
                async with sessions() as recording:
                    found = await recording.get_one(Delivery, head.id)
                    found.status = "succeeded"
                    await recording.flush()
                    now = utc_now()
                    heads = await ordering.after_results(
                        recording, done=[head.id], held=[], now=now
                    )
                    await recording.commit()
                    return heads

            recorder = asyncio.create_task(record_head())
            if database_url.startswith("postgresql"):
                await wait_for_lock_wait(sessions)
            await publishing.commit()
            promoted = await recorder
        # Then the published delivery is the key's head, due now
        async with sessions() as session:
            behind = await session.scalar(
                select(Delivery).where(Delivery.message_id == second.message.id)
            )
            key = await session.get_one(OrderingKey, (behind.endpoint_id if behind else "", "k"))
        assert behind is not None and promoted == [behind.id]
        assert key.head_id == behind.id
        assert behind.queued is False and behind.next_attempt_at is not None


async def wait_for_lock_wait(sessions: Any) -> None:
    """Until some session of this database waits for a row lock."""
    for _ in range(500):
        async with sessions() as session:
            waiting = await session.scalar(
                text(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                    "AND datname = current_database()"
                )
            )
        if waiting:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the recording never waited for the publish's lock")

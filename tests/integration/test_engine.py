"""The delivery engine's rules, each against a real receiver on 127.0.0.1 and a real database:
Retry-After and slow-down, 410 Gone, rate limits, the circuit breaker, auto-disable, isolation,
and the operational events they raise."""

from __future__ import annotations

import asyncio
import itertools
import json
from datetime import timedelta
from typing import Any

import msgspec
import pytest
from dramatiq.brokers.stub import StubBroker
from sqlalchemy import func, select, update

from app.kit.clock import utc_now
from app.kit.jobs import JobQueue
from app.messages.repository import payload_of
from app.models import Attempt, Delivery, Endpoint, Message, Tenant
from app.ops import service as ops
from tests.conftest import Clock
from tests.factories import (
    create_endpoint,
    create_tenant,
    done_before_and_rows,
    publish,
    send_deliveries,
)
from tests.integration.receiver import Receiver, running_receiver
from workers.delivery import DeliveryContext
from workers.dispatch import Dispatcher
from workers.scheduler import run_once


async def setup(
    sessions: Any, url: str, *, messages: int = 1, rate: int | None = None
) -> tuple[Endpoint, list[str]]:
    """Given an endpoint at ``url`` and ``messages`` published to it: the delivery ids, in order.

    A ``rate`` is set once they are published, so all are due at once (as a recovery or a resumed
    backlog makes them) and the dispatcher's own pacing is under test; publish's plan of a
    rate-limited endpoint's line is tested in test_delivery_plan.
    """
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoint = await create_endpoint(session, tenant, url=url)
        for n in range(messages):
            await publish(session, tenant, payload={"n": n})
        endpoint.rate_limit_per_second = rate
        await session.commit()
    return endpoint, await delivery_ids(sessions, endpoint.id)


async def delivery_ids(sessions: Any, endpoint_id: str) -> list[str]:
    async with sessions() as session:
        query = select(Delivery.id).where(Delivery.endpoint_id == endpoint_id).order_by(Delivery.id)
        return list(await session.scalars(query))


async def fetch(sessions: Any, model: Any, key: str) -> Any:
    async with sessions() as session:
        return await session.get(model, key)


async def count_attempts(sessions: Any, endpoint_id: str) -> int:
    async with sessions() as session:
        query = select(func.count()).select_from(Attempt).where(Attempt.endpoint_id == endpoint_id)
        return int(await session.scalar(query) or 0)


async def operator_events(sessions: Any) -> list[tuple[str, dict[str, Any]]]:
    async with sessions() as session:
        operator = await session.scalar(select(Tenant).where(Tenant.uid == ops.OPERATOR_TENANT_UID))
        assert operator is not None
        found = await session.scalars(
            select(Message).where(Message.tenant_id == operator.id).order_by(Message.id)
        )
        events = []
        for message in found:
            payload = await payload_of(session, message.id)
            assert payload is not None
            events.append((message.event_type, payload["data"]))
        return events


async def with_operator(sessions: Any, ctx: DeliveryContext, url: str) -> None:
    """Given an operator webhook URL: the operator tenant and its endpoint exist."""
    settings = msgspec.structs.replace(ctx.settings, operator_webhook_url=url)
    async with sessions() as session:
        await ops.ensure_operator_endpoint(session, settings, ctx.secret_box)
        await session.commit()


class TestRetryAfterAndSlowDown:
    async def test_retry_after_on_429_sets_the_next_try_and_pauses_the_endpoint(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        receiver.default_status = 429
        receiver.headers = {"Retry-After": "120"}
        endpoint, ids = await setup(sessions, receiver.url("/a"))
        before = utc_now()

        await send_deliveries(make_ctx(), ids)

        delivery = await fetch(sessions, Delivery, ids[0])
        assert before + timedelta(seconds=119) <= delivery.next_attempt_at
        assert delivery.next_attempt_at <= utc_now() + timedelta(seconds=121)
        paused = await fetch(sessions, Endpoint, endpoint.id)
        assert paused.send_after >= before + timedelta(seconds=119)

    async def test_retry_after_is_bounded(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        receiver.default_status = 503
        receiver.headers = {"Retry-After": "999999"}
        _, ids = await setup(sessions, receiver.url("/a"))

        await send_deliveries(make_ctx(retry_after_max_seconds=600), ids)

        delivery = await fetch(sessions, Delivery, ids[0])
        assert delivery.next_attempt_at <= utc_now() + timedelta(seconds=601)

    async def test_503_slows_the_endpoint_down_without_spending_tries(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        receiver.on("/a", 503)
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=4)
        ctx = make_ctx(slowdown_seconds=30)

        await send_deliveries(ctx, ids[:1])
        assert await send_deliveries(ctx, ids[1:]) == 0

        assert len(receiver.requests) == 1
        assert await count_attempts(sessions, endpoint.id) == 1
        for delivery_id in ids[1:]:
            held = await fetch(sessions, Delivery, delivery_id)
            assert (held.status, held.attempt_count) == ("pending", 0)
            assert held.next_attempt_at >= utc_now() + timedelta(seconds=25)

    async def test_retry_after_1_on_429_does_not_spend_the_tries_faster_than_the_schedule(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, clock: Clock
    ) -> None:
        # Given a receiver that answers every request 429 Retry-After: 1, and a 10 s, 20 s schedule
        receiver.default_status = 429
        receiver.headers = {"Retry-After": "1"}
        ctx = make_ctx(retry_schedule=[10, 20])
        _, ids = await setup(sessions, receiver.url("/a"))

        # When the worker comes back for the delivery as often as the receiver asks (every 1.1 s)
        tries_by_second: dict[int, int] = {}
        for n in range(1, 36):
            await send_deliveries(ctx, ids)
            clock.advance(1.1)
            tries_by_second[int(n * 1.1)] = len(receiver.requests)

        # Then the tries went by the schedule, not by the Retry-After: one try in the first 8 s,
        # three in all, the last no sooner than 10 + 20 s after the first
        assert tries_by_second[8] == 1
        assert len(receiver.requests) == 3
        async with sessions() as session:
            attempts = list(
                await session.scalars(select(Attempt.created_at).order_by(Attempt.attempt_number))
            )
        assert attempts[1] - attempts[0] >= timedelta(seconds=10 - 1.1)  # DUE_SLACK, a round
        assert attempts[2] - attempts[0] >= timedelta(seconds=30 - 2.2)
        delivery = await fetch(sessions, Delivery, ids[0])
        assert (delivery.status, delivery.attempt_count) == ("failed", 3)


class Test429IsNotAFailingEndpoint:
    @pytest.mark.parametrize(("status", "counts"), [(429, False), (500, True)])
    async def test_only_rate_limiting_answers_neither_open_the_circuit_nor_disable(
        self,
        make_ctx: Any,
        sessions: Any,
        receiver: Receiver,
        clock: Clock,
        status: int,
        counts: bool,
    ) -> None:
        # Given a breaker that opens after 3 failures and an endpoint disabled after failing
        # for 0.36 s (DISABLE_AFTER_HOURS 0.0001)
        receiver.default_status = status
        receiver.headers = {"Retry-After": "1"}
        ctx = make_ctx(circuit_failure_threshold=3, disable_after_hours=0.0001)
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=8)

        # When every try is answered with the status, two now and six 1.5 s later (a 429's
        # Retry-After: 1 pauses the endpoint for a second)
        assert await send_deliveries(ctx, ids[:2]) == 2
        clock.advance(1.5)
        assert await send_deliveries(ctx, ids[2:]) == 6

        # Then a 429 leaves the circuit closed and the endpoint healthy; a 500 still counts
        after = await fetch(sessions, Endpoint, endpoint.id)
        if counts:
            assert after.circuit_state == "open"
            assert after.failing_since is not None
            assert after.disabled is True
        else:
            assert (after.circuit_state, after.circuit_failures) == ("closed", 0)
            assert after.failing_since is None
            assert (after.disabled, after.disabled_reason) == (False, None)
            # The receiver's request to slow down is still honoured
            assert after.send_after is not None and after.send_after > utc_now()


class TestGone:
    async def test_410_disables_the_endpoint_with_a_reason_and_tells_the_operator(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        ctx = make_ctx()
        await with_operator(sessions, ctx, receiver.url("/ops"))
        receiver.default_status = 410
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=2)

        await send_deliveries(ctx, ids)

        disabled = await fetch(sessions, Endpoint, endpoint.id)
        assert disabled.disabled is True
        assert disabled.disabled_reason == "the endpoint answered 410 Gone"
        parked = [await fetch(sessions, Delivery, i) for i in ids]
        assert all(d.status == "pending" and d.next_attempt_at is None for d in parked)
        events = await operator_events(sessions)
        assert [e[0] for e in events] == ["endpoint.disabled"]
        assert events[0][1]["endpoint_id"] == endpoint.id


class TestGuarantee3RateLimitsAndCircuitsDelayButNeverDrop:
    async def test_guarantee_3_rate_limit_holds_deliveries_without_failing_or_charging_them(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=30, rate=10)

        started = await send_deliveries(make_ctx(), ids)

        assert started == 11  # the slots of the next second
        waiting = [await fetch(sessions, Delivery, i) for i in ids[started:]]
        assert all((d.status, d.attempt_count) == ("pending", 0) for d in waiting)
        times = [d.next_attempt_at for d in waiting]
        assert times == sorted(times)
        assert all(b - a == timedelta(seconds=0.1) for a, b in itertools.pairwise(times))
        # A slot the loop woke too late for (a busy machine) is given back untried: never charged.
        tried = await count_attempts(sessions, endpoint.id)
        first = [await fetch(sessions, Delivery, i) for i in ids[:started]]
        assert 0 < tried <= 11
        assert sum(d.attempt_count for d in first) == tried
        assert all(d.status != "failed" for d in first)

    async def test_rate_limit_paces_the_receiver(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=60, rate=20)
        ctx = make_ctx(scheduler_interval_seconds=0.05)
        dispatcher = Dispatcher(ctx)
        jobs = JobQueue(StubBroker())
        jobs.broker.declare_queue("deliveries")

        await dispatcher.dispatch(ids)
        while len(receiver.requests) < 60:
            await run_once(ctx.settings, sessions, jobs)
            queue = jobs.broker.queues["deliveries"]
            for _ in range(queue.qsize()):
                await dispatcher.dispatch(json.loads(queue.get_nowait())["kwargs"]["delivery_ids"])
            await asyncio.sleep(0.05)
        await dispatcher.drain()

        times = sorted(r.received_at for r in receiver.requests)
        for start in times:
            assert sum(1 for t in times if start <= t < start + 1) <= 21
        assert await count_attempts(sessions, endpoint.id) == 60
        assert len({r.headers["webhook-id"] for r in receiver.requests}) == 60

    async def test_guarantee_3_open_circuit_parks_deliveries_without_charging_them(
        self, make_ctx: Any, sessions: Any, receiver: Receiver
    ) -> None:
        receiver.default_status = 500
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=5)
        ctx = make_ctx(circuit_failure_threshold=3, circuit_cooldown_seconds=60)

        await send_deliveries(ctx, ids[:3])
        opened = await fetch(sessions, Endpoint, endpoint.id)
        assert (opened.circuit_state, opened.circuit_failures) == ("open", 3)
        assert opened.circuit_next_probe_at > utc_now() + timedelta(seconds=55)

        assert await send_deliveries(ctx, ids[3:]) == 0
        for delivery_id in ids[3:]:
            parked = await fetch(sessions, Delivery, delivery_id)
            assert (parked.status, parked.attempt_count, parked.next_attempt_at) == (
                "pending",
                0,
                None,
            )
        assert len(receiver.requests) == 3


class TestCircuitBreaker:
    async def test_probe_after_cooldown_closes_the_circuit_and_the_backlog_drains(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, clock: Clock
    ) -> None:
        # Retries a minute out: with the tests' 1 s schedule, a slow moment on a shared machine
        # made the two failed deliveries due before the scheduler ran (it enqueued 3, not 1).
        ctx = make_ctx(
            circuit_failure_threshold=2, circuit_cooldown_seconds=0.2, retry_schedule=[60, 60]
        )
        await with_operator(sessions, ctx, receiver.url("/ops"))
        receiver.on("/a", 500, 500)
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=6)
        await send_deliveries(ctx, ids[:2])
        await send_deliveries(ctx, ids[2:])  # parked: the circuit is open
        clock.advance(0.25)

        # The scheduler wakes exactly one parked delivery: the probe.
        broker = StubBroker()
        broker.declare_queue("deliveries")
        assert await run_once(ctx.settings, sessions, JobQueue(broker)) == 1
        probe_ids = json.loads(broker.queues["deliveries"].get_nowait())["kwargs"]["delivery_ids"]
        assert await send_deliveries(ctx, probe_ids) == 1

        closed = await fetch(sessions, Endpoint, endpoint.id)
        assert (closed.circuit_state, closed.circuit_failures) == ("closed", 0)
        clock.advance(max(ctx.settings.retry_schedule))
        assert await send_deliveries(ctx, ids) == 5  # 2 retries + the 3 left of the backlog
        statuses = {(await fetch(sessions, Delivery, i)).status for i in ids}
        assert statuses == {"succeeded"}
        assert "endpoint.recovered" in [e[0] for e in await operator_events(sessions)]

    async def test_failed_probe_reopens_with_a_longer_cooldown(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, clock: Clock
    ) -> None:
        receiver.default_status = 500
        ctx = make_ctx(circuit_failure_threshold=2, circuit_cooldown_seconds=0.2)
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=3)
        await send_deliveries(ctx, ids[:2])
        clock.advance(0.25)

        assert await send_deliveries(ctx, ids[2:]) == 1  # cool-down over: the probe goes

        reopened = await fetch(sessions, Endpoint, endpoint.id)
        assert (reopened.circuit_state, reopened.circuit_cooldown_seconds) == ("open", 0.4)

    async def test_guarantee_11_a_half_open_probe_takes_a_rate_limit_slot(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, clock: Clock
    ) -> None:
        receiver.default_status = 500
        ctx = make_ctx(circuit_failure_threshold=2, circuit_cooldown_seconds=0.2)
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=3, rate=1)
        await send_deliveries(ctx, ids[:1])
        clock.advance(1)
        await send_deliveries(ctx, ids[1:2])  # two failures: the circuit opens
        clock.advance(0.25)
        # The limit's next free slot is seconds away (other tries took the ones before it).
        next_slot = utc_now() + timedelta(seconds=5)
        async with sessions() as session:
            await session.execute(
                update(Endpoint).where(Endpoint.id == endpoint.id).values(send_after=next_slot)
            )
            await session.commit()
        assert len(receiver.requests) == 2

        # The cool-down is over, but the probe waits for a slot like any try: none is free now.
        assert await send_deliveries(ctx, ids[2:]) == 0
        assert len(receiver.requests) == 2
        probe = await fetch(sessions, Delivery, ids[2])
        assert (probe.status, probe.attempt_count) == ("pending", 0)
        assert probe.next_attempt_at >= next_slot - timedelta(seconds=1)


class TestAutoDisable:
    async def test_endpoint_failing_for_days_is_disabled_and_reenabling_resumes(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, client: Any, clock: Clock
    ) -> None:
        ctx = make_ctx(disable_after_hours=120)
        await with_operator(sessions, ctx, receiver.url("/ops"))
        receiver.on("/a", 500)
        endpoint, ids = await setup(sessions, receiver.url("/a"), messages=2)
        async with sessions() as session:
            await session.execute(
                update(Endpoint)
                .where(Endpoint.id == endpoint.id)
                .values(failing_since=utc_now() - timedelta(hours=121))
            )
            await session.commit()

        await send_deliveries(ctx, ids[:1])

        disabled = await fetch(sessions, Endpoint, endpoint.id)
        assert disabled.disabled and disabled.disabled_reason.startswith(
            "failing without a success"
        )
        assert "endpoint.disabled" in [e[0] for e in await operator_events(sessions)]
        assert await send_deliveries(ctx, ids[1:]) == 0  # parked

        response = await client.patch(
            f"/api/v1/tenants/acme/endpoints/{endpoint.id}", json={"disabled": False}
        )
        assert response.json()["disabled"] is False
        clock.advance(max(ctx.settings.retry_schedule))
        assert await send_deliveries(ctx, ids) == 2
        assert {(await fetch(sessions, Delivery, i)).status for i in ids} == {"succeeded"}


class TestOperationalEvents:
    async def test_failing_and_exhausted_events(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, clock: Clock
    ) -> None:
        ctx = make_ctx(failing_event_after_tries=2, circuit_failure_threshold=100)
        await with_operator(sessions, ctx, receiver.url("/ops"))
        receiver.default_status = 500
        _, ids = await setup(sessions, receiver.url("/a"))

        for _ in range(len(ctx.settings.retry_schedule) + 1):
            clock.advance(max(ctx.settings.retry_schedule))
            await send_deliveries(ctx, ids)

        events = [e for e in await operator_events(sessions)]
        assert [e[0] for e in events] == ["message.attempt.failing", "message.attempt.exhausted"]
        assert events[1][1]["delivery_id"] == ids[0]
        assert events[1][1]["attempt_count"] == 4

    async def test_events_arrive_signed_at_the_operator_url(
        self, make_ctx: Any, sessions: Any, receiver: Receiver, broker: StubBroker
    ) -> None:
        ctx = make_ctx()
        await with_operator(sessions, ctx, receiver.url("/ops"))
        receiver.on("/a", 410)
        _, ids = await setup(sessions, receiver.url("/a"))
        await send_deliveries(ctx, ids)

        # The event's delivery was enqueued after the commit, like any publish.
        queue = broker.queues["deliveries"]
        event_ids = [
            i
            for _ in range(queue.qsize())
            for i in json.loads(queue.get_nowait())["kwargs"]["delivery_ids"]
        ]
        assert await send_deliveries(ctx, event_ids) == 1
        (request,) = [r for r in receiver.requests if r.path == "/ops"]
        body = json.loads(request.body)
        assert body["type"] == "endpoint.disabled"
        assert request.headers["webhook-signature"].startswith("v1,")


class TestGuarantee4Isolation:
    # With 8 slots in the process, the slow endpoint's 20 deliveries (2 trying, 18 queued for
    # its turns) once took all 8, and the fast endpoint's waited for the slow tries to time out.
    @pytest.mark.parametrize("max_in_flight", [512, 8])
    async def test_guarantee_4_slow_endpoint_does_not_delay_other_endpoints(
        self, make_ctx: Any, sessions: Any, max_in_flight: int
    ) -> None:
        ctx = make_ctx(
            request_timeout_seconds=1.0,
            max_in_flight_per_endpoint=2,
            max_in_flight=max_in_flight,
        )
        async with running_receiver() as slow, running_receiver() as fast:
            slow.delay_seconds = 3
            async with sessions() as session:
                tenant = await create_tenant(session)
                slow_ep = await create_endpoint(session, tenant, url=slow.url("/slow"))
                for n in range(20):
                    await publish(session, tenant, payload={"n": n})
                fast_ep = await create_endpoint(session, tenant, url=fast.url("/fast"))
                for n in range(3):
                    await publish(session, tenant, payload={"n": n})
                await session.commit()
            slow_ids = await delivery_ids(sessions, slow_ep.id)
            fast_ids = await delivery_ids(sessions, fast_ep.id)

            # One batch holding both endpoints' deliveries, slow ones first.
            await send_deliveries(ctx, slow_ids + fast_ids)

        assert len(fast.requests) == 3
        fast_first, slow_rows = await done_before_and_rows(sessions, fast_ep.id, slow_ep.id)
        # Every fast delivery was stored before the first slow try had even timed out.
        assert fast_first
        # The slow endpoint got two tries at a time: what could not start within the turn wait
        # went back to the database untried, due again shortly; nothing failed or was lost.
        tried = [d for d in slow_rows if d.attempt_count == 1]
        untried = [d for d in slow_rows if d.attempt_count == 0]
        assert len(tried) + len(untried) == len(slow_ids)
        assert len(slow.requests) == len(tried) <= 2 * 6
        assert untried
        assert all(d.status == "pending" and d.next_attempt_at is not None for d in untried)

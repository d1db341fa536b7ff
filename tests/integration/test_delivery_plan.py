"""Publish plans a rate-limited endpoint's line (app.deliveries.planning, for guarantee 4): each
delivery is written due one interval after the one before it, only those due within a second are
enqueued, and the scheduler enqueues the others as they come due."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from app.deliveries import service as recoveries
from app.endpoints import service as endpoints
from app.kit.clock import utc_now
from app.kit.jobs import JobQueue, take_buffer
from app.models import Delivery, Endpoint, Tenant
from tests.conftest import Clock
from tests.factories import create_endpoint, create_tenant, publish_batch
from tests.integration.test_scheduler import stub_broker, take_ids
from workers.contracts import SendDeliveries
from workers.scheduler import run_once


async def publish_ids(sessions: Any, tenant: Tenant, count: int) -> list[str]:
    """Publish ``count`` messages in one batch; return the delivery ids it enqueued."""
    return [i for task in await publish_batch(sessions, tenant, count) for i in task]


async def line(sessions: Any, endpoint_id: str) -> list[Delivery]:
    async with sessions() as session:
        query = select(Delivery).where(Delivery.endpoint_id == endpoint_id)
        return list(await session.scalars(query.order_by(Delivery.next_attempt_at)))


async def limited_and_free(sessions: Any, *, rate: int) -> tuple[Tenant, Endpoint, Endpoint]:
    """Given a tenant with an endpoint limited to ``rate`` a second and one without a limit."""
    async with sessions() as session:
        tenant = await create_tenant(session)
        limited = await create_endpoint(session, tenant, url="http://127.0.0.1:9/limited")
        limited.rate_limit_per_second = rate
        free = await create_endpoint(session, tenant, url="http://127.0.0.1:9/free")
        await session.commit()
    return tenant, limited, free


def gaps(deliveries: list[Delivery]) -> set[float]:
    times: list[datetime] = [d.next_attempt_at for d in deliveries if d.next_attempt_at]
    return {round((b - a).total_seconds(), 3) for a, b in itertools.pairwise(times)}


class TestPublishPlansARateLimitedLine:
    async def test_only_a_second_of_the_line_is_enqueued_the_rest_due_one_interval_apart(
        self, sessions: Any
    ) -> None:
        tenant, limited, free = await limited_and_free(sessions, rate=10)
        before = utc_now()

        enqueued = await publish_ids(sessions, tenant, 30)

        planned = await line(sessions, limited.id)
        assert [d.id for d in planned if d.id in enqueued] == [d.id for d in planned[:11]]
        assert all(d.enqueued_at is None for d in planned[11:])
        assert all((d.status, d.attempt_count) == ("pending", 0) for d in planned)
        assert gaps(planned) == {0.1}
        assert before <= planned[0].next_attempt_at <= utc_now()  # type: ignore[operator]
        # An endpoint without a limit is untouched: every delivery due now, and enqueued
        unlimited = await line(sessions, free.id)
        assert {d.id for d in unlimited} <= set(enqueued) and len(unlimited) == 30
        assert gaps(unlimited) <= {0.0}

    async def test_a_later_publish_joins_the_end_of_the_line(self, sessions: Any) -> None:
        tenant, limited, _ = await limited_and_free(sessions, rate=10)
        await publish_ids(sessions, tenant, 30)

        enqueued = await publish_ids(sessions, tenant, 5)

        planned = await line(sessions, limited.id)
        assert gaps(planned) == {0.1}
        assert len(planned) == 35 and not set(enqueued) & {d.id for d in planned}

    async def test_the_line_starts_at_the_next_free_slot(self, sessions: Any) -> None:
        # Given an endpoint paused for two minutes (a Retry-After)
        tenant, limited, _ = await limited_and_free(sessions, rate=10)
        resume_at = utc_now() + timedelta(minutes=2)
        async with sessions() as session:
            await session.execute(
                update(Endpoint).where(Endpoint.id == limited.id).values(send_after=resume_at)
            )
            await session.commit()

        enqueued = await publish_ids(sessions, tenant, 3)

        planned = await line(sessions, limited.id)
        assert planned[0].next_attempt_at == resume_at
        assert not set(enqueued) & {d.id for d in planned}

    async def test_a_line_sent_to_its_end_starts_anew_now(self, sessions: Any) -> None:
        tenant, limited, _ = await limited_and_free(sessions, rate=1)
        await publish_ids(sessions, tenant, 5)
        async with sessions() as session:  # as if all five were sent
            await session.execute(
                update(Delivery)
                .where(Delivery.endpoint_id == limited.id)
                .values(status="succeeded", attempt_count=1, next_attempt_at=None)
            )
            await session.commit()
        before = utc_now()

        await publish_ids(sessions, tenant, 1)

        (waiting,) = [d for d in await line(sessions, limited.id) if d.status == "pending"]
        assert before <= waiting.next_attempt_at <= utc_now()  # type: ignore[operator]

    async def test_the_scheduler_enqueues_the_line_as_it_comes_due(
        self, sessions: Any, make_settings: Any, database_url: str, clock: Clock
    ) -> None:
        tenant, limited, _ = await limited_and_free(sessions, rate=10)
        enqueued = await publish_ids(sessions, tenant, 30)
        planned = [d.id for d in await line(sessions, limited.id)]
        broker = stub_broker()
        settings = make_settings(database_url)
        clock.advance(1.52)  # past the 16th (due at 1.5 s), and a moment for a busy machine

        await run_once(settings, sessions, JobQueue(broker))

        # Then it enqueued the next ones in line that came due, not the first 11 again
        taken = take_ids(broker)
        assert set(taken) == set(planned[11 : 11 + len(taken)]) and 5 <= len(taken) <= 7
        assert not set(taken) & set(enqueued)
        clock.advance(10)
        await run_once(settings, sessions, JobQueue(broker))
        assert set(take_ids(broker)) == set(planned[11 + len(taken) :])


async def park_and_enable(sessions: Any, *endpoint_ids: str) -> None:
    """Park every delivery of the endpoints (as while they were disabled), then enable them."""
    async with sessions() as session:
        await session.execute(
            update(Delivery)
            .where(Delivery.endpoint_id.in_(endpoint_ids))
            .values(next_attempt_at=None, enqueued_at=None)
        )
        for endpoint_id in endpoint_ids:
            endpoint = await session.get_one(Endpoint, endpoint_id)
            endpoint.disabled = True
            await endpoints.set_disabled(session, endpoint, False)
        await session.commit()


class TestAResumedBacklogFollowsTheLine:
    async def test_a_rate_limited_endpoint_enabled_again_resumes_along_its_line(
        self, sessions: Any
    ) -> None:
        # Given two endpoints, one limited to 2 a second, each with 20 deliveries parked
        tenant, limited, free = await limited_and_free(sessions, rate=2)
        await publish_ids(sessions, tenant, 20)
        before = utc_now()

        # When both are enabled again
        await park_and_enable(sessions, limited.id, free.id)

        # Then the limited one's backlog comes due one half second apart, oldest first, from
        # now (not all at once, to go round the workers' claims only to be held back again)
        resumed = await line(sessions, limited.id)
        assert [d.id for d in resumed] == sorted(d.id for d in resumed)
        assert gaps(resumed) == {0.5}
        assert before <= resumed[0].next_attempt_at <= utc_now()  # type: ignore[operator]
        assert all((d.status, d.attempt_count) == ("pending", 0) for d in resumed)
        # and the other's is due at once, as before
        assert gaps(await line(sessions, free.id)) == {0.0}

    async def test_a_recovery_of_a_rate_limited_endpoint_requeues_along_its_line(
        self, sessions: Any
    ) -> None:
        # Given an endpoint limited to 2 a second whose 20 deliveries all failed
        tenant, limited, _ = await limited_and_free(sessions, rate=2)
        await publish_ids(sessions, tenant, 20)
        async with sessions() as session:
            await session.execute(
                update(Delivery)
                .where(Delivery.endpoint_id == limited.id)
                .values(status="failed", attempt_count=3, next_attempt_at=None, enqueued_at=None)
            )
            await session.commit()

        # When a recovery requeues them
        async with sessions() as session:
            recovery = await recoveries.start_recovery(
                session, tenant, limited.id, since=utc_now() - timedelta(hours=1), until=None
            )
            take_buffer(session)
            await recoveries.requeue_batch(session, recovery, after_message_id="", batch_size=50)
            await session.commit()
            enqueued = [
                i
                for t in take_buffer(session)
                if isinstance(t, SendDeliveries)
                for i in t.delivery_ids
            ]

        # Then a second's worth is enqueued; the rest wait their turn, half a second apart, for
        # their one manual try, uncharged meanwhile
        requeued = await line(sessions, limited.id)
        assert {d.id for d in requeued[:3]} == set(enqueued) and len(enqueued) == 3
        assert gaps(requeued[3:]) == {0.5}  # the first three are due now; the rest in line
        assert requeued[3].next_attempt_at - requeued[0].next_attempt_at == timedelta(seconds=1.5)  # type: ignore[operator]
        assert all(
            (d.status, d.trigger, d.attempt_count) == ("pending", "manual", 3) for d in requeued
        )
        assert all(d.enqueued_at is None for d in requeued[3:])

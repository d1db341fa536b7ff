"""Leases and row locks: a publish never waits for a worker that holds an endpoint's row while it
records outcomes (that wait deadlocked batch publishes under load), and a worker records a
delivery's state only while it holds the delivery's lease."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select, text, update

from app.deliveries import repository
from app.kit.clock import utc_now
from app.models import Delivery
from tests.factories import create_endpoint, create_tenant, publish


# SQLite runs one writer at a time (BEGIN IMMEDIATE): it has no row locks to order.
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_publish_is_not_blocked_by_a_worker_holding_the_endpoint_lock(
    sessions: Any,
) -> None:
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoints = [await create_endpoint(session, tenant) for _ in range(2)]
        await session.commit()

    async with sessions() as worker, sessions() as api:
        # The worker's recording transaction holds the endpoints' rows ...
        locked = await repository.lock_endpoints(worker, [e.id for e in endpoints])
        assert set(locked) == {e.id for e in endpoints}
        # ... and a publish that creates deliveries to them goes through at once (the foreign
        # key checks take FOR KEY SHARE, which FOR NO KEY UPDATE does not block).
        await api.execute(text("SET LOCAL lock_timeout = '2s'"))
        message = await publish(api, tenant)
        await api.commit()
        await worker.commit()
    assert message.id.startswith("msg_")


async def test_a_result_counts_only_while_its_lease_is_held(sessions: Any) -> None:
    """A worker whose lease ran out (another worker took the delivery) records its attempt, but
    the delivery's state is the new holder's to write."""
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoint = await create_endpoint(session, tenant)
        message = await publish(session, tenant)
        await session.commit()
    now = utc_now()
    async with sessions() as session:
        delivery_id = await session.scalar(
            select(Delivery.id).where(Delivery.message_id == message.id)
        )
        assert delivery_id is not None
        (row,) = await repository.claim_for_send(
            session, [delivery_id], now=now, lease_until=now + timedelta(seconds=30)
        )
        assert (row.url, row.endpoint_id, row.body) == (endpoint.url, endpoint.id, b'{"n":1}')
        # Nothing else can lease it while the lease holds.
        again = await repository.claim_for_send(
            session, [delivery_id], now=now, lease_until=now + timedelta(seconds=60)
        )
        assert again == []
        await session.commit()

    def change(lease: Any, status: str) -> repository.DeliveryChange:
        return repository.DeliveryChange(
            delivery_id=delivery_id,
            sent_lease=lease,
            new_status=status,
            tries=1,
            next_try_at=None,
            tried_at=now,
        )

    async with sessions() as session:
        # Another worker took it over: its lease replaced ours.
        await session.execute(
            update(Delivery)
            .where(Delivery.id == delivery_id)
            .values(lease_until=now + timedelta(minutes=5))
        )
        await repository.record(session, [], [change(row.lease_until, "failed")])
        await session.commit()
    async with sessions() as session:
        found = await session.get_one(Delivery, delivery_id)
        assert (found.status, found.attempt_count) == ("pending", 0)
        await repository.record(session, [], [change(found.lease_until, "succeeded")])
        await session.commit()
    async with sessions() as session:
        found = await session.get_one(Delivery, delivery_id)
        assert (found.status, found.attempt_count, found.lease_until) == ("succeeded", 1, None)


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_the_lease_update_stays_in_place_on_postgresql(sessions: Any) -> None:
    """The worker's lease touches no indexed column, and deliveries keep room in each page
    (fillfactor, migration 0004), so PostgreSQL updates the row in place (HOT) rather than writing
    a new version and an entry in each of the table's indexes: ~20 % of the database's CPU per
    delivery, measured. Packed pages (the default) made nearly every lease a full update."""
    async with sessions() as session:
        tenant = await create_tenant(session)
        for _ in range(2):
            await create_endpoint(session, tenant)
        for n in range(150):
            await publish(session, tenant, payload={"n": n})
        await session.commit()
    now = utc_now()
    async with sessions() as session:
        ids = list(await session.scalars(select(Delivery.id)))
        assert len(ids) == 300
        before = await _update_counts(session)
        leased = await repository.claim_for_send(
            session, ids, now=now, lease_until=now + timedelta(seconds=30)
        )
        assert len(leased) == 300
        after = await _update_counts(session)
        await session.rollback()
    updated, in_place = (a - b for a, b in zip(after, before, strict=True))
    assert updated == 300
    assert in_place >= 0.95 * updated


async def _update_counts(session: Any) -> tuple[int, int]:
    """Updates of deliveries so far, and how many of them in place (HOT), as this backend counts
    them (PostgreSQL may add a pooled connection's earlier, unflushed transactions)."""
    row = (
        await session.execute(
            text(
                "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_xact_user_tables "
                "WHERE relname = 'deliveries'"
            )
        )
    ).one()
    return int(row[0]), int(row[1])

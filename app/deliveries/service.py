"""Recovery: resend one delivery, recover an endpoint's failures, the undelivered report.

Rules:

- A resend is one try now, recorded with trigger ``manual``. A pending delivery is simply made
  due (its retry schedule goes on if the try fails); a finished one (failed or succeeded) is put
  back to pending with ``Delivery.trigger = manual``, which makes its try a single one: if it
  fails the delivery is failed again, with no new retry schedule.
- A recovery does the same to every failed delivery of an endpoint whose message was created in
  ``[since, until)``; the deliveries become due at once and the engine's per-endpoint rate limit
  and circuit breaker pace them.
- Undelivered: the message x endpoint pairs that ended without success, i.e. failed deliveries,
  plus pending deliveries on a disabled endpoint (parked: they go nowhere until it is enabled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import service as endpoints
from app.errors import Conflict, InvalidRequest, NotFound
from app.kit.clock import utc_now
from app.kit.ids import id_bound, new_id
from app.kit.jobs import enqueue
from app.kit.pagination import paginate_pair
from app.models import Delivery, Endpoint, Message, Recovery, Tenant
from app.models.delivery import FAILED, MANUAL, PENDING
from workers.contracts import RunRecovery, SendDeliveries

_NO_SYNC = {"synchronize_session": False}
RUNNING = "running"
DONE = "done"


async def _enabled_endpoint(session: AsyncSession, tenant: Tenant, endpoint_id: str) -> Endpoint:
    endpoint = await endpoints.get(session, tenant, endpoint_id)
    if endpoint.disabled:
        raise Conflict(
            f"endpoint {endpoint_id!r} is disabled; enable it first", code="endpoint_disabled"
        )
    return endpoint


# -- resend ----------------------------------------------------------------------------------


async def resend(
    session: AsyncSession, tenant: Tenant, message_id: str, endpoint_id: str
) -> Delivery:
    """Try the message's delivery to the endpoint once, now (the task goes after commit)."""
    endpoint = await _enabled_endpoint(session, tenant, endpoint_id)
    delivery = await session.scalar(
        select(Delivery).where(
            Delivery.message_id == message_id,
            Delivery.endpoint_id == endpoint.id,
            Delivery.tenant_id == tenant.id,
        )
    )
    if delivery is None:
        raise NotFound(
            f"message {message_id!r} has no delivery to endpoint {endpoint_id!r}",
            code="delivery_not_found",
        )
    if delivery.lease_until is not None and delivery.lease_until > utc_now():
        raise Conflict("the delivery is being sent right now", code="delivery_in_flight")
    now = utc_now()
    if delivery.status != PENDING:
        delivery.status = PENDING
        delivery.trigger = MANUAL
    delivery.next_attempt_at = now
    delivery.enqueued_at = now
    delivery.updated_at = now
    await session.flush()
    enqueue(session, SendDeliveries(delivery_ids=[delivery.id], trigger=MANUAL))
    return delivery


# -- recovery --------------------------------------------------------------------------------


async def start_recovery(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: str,
    *,
    since: datetime,
    until: datetime | None,
) -> Recovery:
    """Create a running recovery; its actor is enqueued after commit."""
    if until is not None and until <= since:
        raise InvalidRequest("until must be later than since", code="invalid_time_range")
    endpoint = await _enabled_endpoint(session, tenant, endpoint_id)
    now = utc_now()
    recovery = Recovery(
        id=new_id("rcv"),
        tenant_id=tenant.id,
        endpoint_id=endpoint.id,
        since=since,
        until=until,
        status=RUNNING,
        total=await _count_failed(session, endpoint.id, since, until, as_of=now),
        requeued=0,
        created_at=now,
        updated_at=now,
    )
    session.add(recovery)
    await session.flush()
    enqueue(session, RunRecovery(recovery_id=recovery.id))
    return recovery


def _failed_in_range(
    endpoint_id: str, since: datetime, until: datetime | None, *, as_of: datetime
) -> Select[str, str]:
    """An endpoint's deliveries that had failed by ``as_of`` (the recovery's start: one that
    fails again after its manual try is not tried again, even if the recovery is re-run),
    whose message was made in the range. The index deliveries (endpoint_id, message_id) drives
    it, with time as message id bounds."""
    query = select(Delivery.id, Delivery.message_id).where(
        Delivery.endpoint_id == endpoint_id,
        Delivery.status == FAILED,
        Delivery.updated_at <= as_of,
        Delivery.message_id >= id_bound("msg", since),
    )
    if until is not None:
        query = query.where(Delivery.message_id < id_bound("msg", until))
    return query


async def _count_failed(
    session: AsyncSession,
    endpoint_id: str,
    since: datetime,
    until: datetime | None,
    *,
    as_of: datetime,
) -> int:
    found = _failed_in_range(endpoint_id, since, until, as_of=as_of).subquery()
    return int(await session.scalar(select(func.count()).select_from(found)) or 0)


async def get_recovery(
    session: AsyncSession, tenant: Tenant, endpoint_id: str, recovery_id: str
) -> Recovery:
    found = await session.scalar(
        select(Recovery).where(
            Recovery.id == recovery_id,
            Recovery.tenant_id == tenant.id,
            Recovery.endpoint_id == endpoint_id,
        )
    )
    if found is None:
        raise NotFound(f"recovery {recovery_id!r} not found", code="recovery_not_found")
    return found


async def requeue_batch(
    session: AsyncSession, recovery: Recovery, *, after_message_id: str, batch_size: int
) -> str | None:
    """Put the next ``batch_size`` failed deliveries (by message id) back to pending for one
    manual try, enqueue them, and count them; the last message id done, or None when finished."""
    rows = (
        await session.execute(
            _failed_in_range(
                recovery.endpoint_id, recovery.since, recovery.until, as_of=recovery.created_at
            )
            .where(Delivery.message_id > after_message_id)
            .order_by(Delivery.message_id)
            .limit(batch_size)
        )
    ).all()
    now = utc_now()
    if rows:
        requeued = await session.execute(
            update(Delivery)
            .where(Delivery.id.in_([row.id for row in rows]), Delivery.status == FAILED)
            .values(
                status=PENDING,
                trigger=MANUAL,
                next_attempt_at=now,
                enqueued_at=now,
                updated_at=now,
            )
            .returning(Delivery.id),
            execution_options=_NO_SYNC,
        )
        ids = list(requeued.scalars())
        if ids:
            enqueue(session, SendDeliveries(delivery_ids=ids, trigger=MANUAL))
        recovery.requeued += len(ids)
    if len(rows) < batch_size:
        recovery.status = DONE
        recovery.finished_at = now
        recovery.total = max(recovery.total, recovery.requeued)
    recovery.updated_at = now
    await session.flush()
    return str(rows[-1].message_id) if rows and len(rows) == batch_size else None


async def claim_stale_recoveries(
    session: AsyncSession, *, now: datetime, stale_before: datetime
) -> list[str]:
    """Running recoveries that made no progress since ``stale_before`` (their task was lost
    with a worker or a broker): marked as touched, and returned to be enqueued again."""
    found = await session.execute(
        update(Recovery)
        .where(Recovery.status == RUNNING, Recovery.updated_at < stale_before)
        .values(updated_at=now)
        .returning(Recovery.id),
        execution_options=_NO_SYNC,
    )
    return list(found.scalars())


# -- undelivered report ----------------------------------------------------------------------


async def undelivered(
    session: AsyncSession,
    tenant: Tenant,
    *,
    after: datetime | None,
    before: datetime | None,
    endpoint_id: str | None,
    cursor: tuple[str, str] | None,
    limit: int,
) -> list[Any]:
    """Pairs that ended without success, newest message first (see the module docstring).

    Two index-backed scans merged: failed deliveries on (tenant_id, status, message_id), and
    pending deliveries of each disabled endpoint on (endpoint_id, message_id).
    """
    disabled = select(Endpoint.id).where(
        Endpoint.tenant_id == tenant.id, Endpoint.disabled.is_(True)
    )
    if endpoint_id is not None:
        disabled = disabled.where(Endpoint.id == endpoint_id)
    disabled_ids = list(await session.scalars(disabled))
    scans: list[tuple[Any, ...]] = [(Delivery.status == FAILED,)]
    if disabled_ids:
        scans.append((Delivery.status == PENDING, Delivery.endpoint_id.in_(disabled_ids)))
    found: list[Any] = []
    for conditions in scans:
        query = (
            select(
                Delivery.id,
                Delivery.message_id,
                Delivery.endpoint_id,
                Delivery.status,
                Delivery.attempt_count,
                Delivery.last_attempt_at,
                Message.event_type,
                Message.created_at,
            )
            .join(Message, Message.id == Delivery.message_id)
            .where(Delivery.tenant_id == tenant.id, *conditions)
        )
        if endpoint_id is not None:
            query = query.where(Delivery.endpoint_id == endpoint_id)
        if after is not None:
            query = query.where(Delivery.message_id >= id_bound("msg", after))
        if before is not None:
            query = query.where(Delivery.message_id < id_bound("msg", before))
        paged = paginate_pair(query, Delivery.message_id, Delivery.id, after=cursor, limit=limit)
        found.extend((await session.execute(paged)).all())
    found.sort(key=lambda r: (r.message_id, r.id), reverse=True)
    return found[: limit + 1]

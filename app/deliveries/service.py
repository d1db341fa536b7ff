"""Recovery: resend one delivery, recover an endpoint's failures, the undelivered report.

Rules:

- A resend is one try now, recorded with trigger ``manual``. A pending delivery is simply made
  due (its retry schedule goes on if the try fails); a finished one (failed or succeeded) is put
  back to pending with ``Delivery.trigger = manual``, which makes its try a single one: if it
  fails the delivery is failed again, with no new retry schedule.
- A recovery does the same to every failed delivery of an endpoint whose message was created in
  ``[since, until)``; the deliveries become due at once and the engine's per-endpoint rate limit
  and circuit breaker pace them.
- On an ordered endpoint (``app.deliveries.ordering``) a resend or a recovery keeps the order: a
  key's held head is tried again (the key is no longer held), any other delivery joins the end of
  its key's sequence; a delivery queued behind its key's head cannot be resent (409).
- Undelivered: the message x endpoint pairs that ended without success, i.e. failed deliveries,
  plus pending deliveries on a disabled endpoint (parked: they go nowhere until it is enabled).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import log_repository as repository
from app.deliveries import ordering, planning
from app.deliveries.schemas import UndeliveredFilter
from app.endpoints import service as endpoints
from app.errors import Conflict, InvalidRequest, NotFound
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.kit.jobs import enqueue
from app.models import Delivery, Endpoint, Recovery, Tenant
from app.models.delivery import MANUAL, PENDING
from workers.contracts import RunRecovery, SendDeliveries

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
    delivery = await repository.delivery_of(session, tenant.id, message_id, endpoint.id)
    if delivery is None:
        raise NotFound(
            f"message {message_id!r} has no delivery to endpoint {endpoint_id!r}",
            code="delivery_not_found",
        )
    if delivery.lease_until is not None and delivery.lease_until > utc_now():
        raise Conflict("the delivery is being sent right now", code="delivery_in_flight")
    if delivery.queued:
        raise Conflict(
            "the delivery waits behind an earlier message of its ordering key",
            code="delivery_queued",
        )
    now = utc_now()
    if delivery.status != PENDING:
        delivery.status = PENDING
        delivery.trigger = MANUAL
    delivery.next_attempt_at = now
    delivery.enqueued_at = now
    delivery.updated_at = now
    await session.flush()
    due = [delivery.id]
    if endpoint.ordered:
        due = await ordering.requeue(session, endpoint.id, due, now=now)
        await session.refresh(delivery)
    if due:
        enqueue(session, SendDeliveries(delivery_ids=due, trigger=MANUAL))
    return delivery


# -- ordering keys -----------------------------------------------------------------------------


async def _ordered_endpoint(session: AsyncSession, tenant: Tenant, endpoint_id: str) -> Endpoint:
    endpoint = await endpoints.get(session, tenant, endpoint_id)
    if not endpoint.ordered:
        raise Conflict(
            f"endpoint {endpoint_id!r} does not have ordered delivery", code="endpoint_not_ordered"
        )
    return endpoint


async def ordering_keys(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: str,
    *,
    held: bool | None,
    cursor: str | None,
    limit: int,
) -> list[ordering.KeyState]:
    """An ordered endpoint's live keys (``held``: only the held ones, or only the others)."""
    endpoint = await _ordered_endpoint(session, tenant, endpoint_id)
    return await ordering.keys_page(session, endpoint.id, held=held, cursor=cursor, limit=limit)


async def skip_key(session: AsyncSession, tenant: Tenant, endpoint_id: str, key: str) -> None:
    """Release a held key: its head stays failed, the key's next message goes now."""
    endpoint = await _ordered_endpoint(session, tenant, endpoint_id)
    try:
        heads = await ordering.skip(session, endpoint.id, key, now=utc_now())
    except LookupError:
        raise NotFound(
            f"ordering key {key!r} of endpoint {endpoint_id!r} is not held",
            code="ordering_key_not_held",
        ) from None
    if heads:
        enqueue(session, SendDeliveries(delivery_ids=heads))


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
        total=await repository.count_failed(session, endpoint.id, since, until, as_of=now),
        requeued=0,
        created_at=now,
        updated_at=now,
    )
    session.add(recovery)
    await session.flush()
    enqueue(session, RunRecovery(recovery_id=recovery.id))
    return recovery


async def get_recovery(
    session: AsyncSession, tenant: Tenant, endpoint_id: str, recovery_id: str
) -> Recovery:
    found = await repository.recovery(session, tenant.id, endpoint_id, recovery_id)
    if found is None:
        raise NotFound(f"recovery {recovery_id!r} not found", code="recovery_not_found")
    return found


async def requeue_batch(
    session: AsyncSession, recovery: Recovery, *, after_message_id: str, batch_size: int
) -> str | None:
    """Put the next ``batch_size`` failed deliveries (by message id) back to pending for one
    manual try, enqueue them, and count them; the last message id done, or None when finished."""
    rows = await repository.failed_after(
        session, recovery, after_message_id=after_message_id, limit=batch_size
    )
    now = utc_now()
    if rows:
        requeued = set(await repository.requeue_failed(session, [r.id for r in rows], now=now))
        ids = [row.id for row in rows if row.id in requeued]  # by message id: the line's order
        recovery.requeued += len(ids)
        endpoint = await session.get(Endpoint, recovery.endpoint_id)
        if endpoint is not None and endpoint.ordered:  # the others wait behind their key's head
            ids = await ordering.requeue(session, endpoint.id, ids, now=now)
        due = await planning.replan(session, recovery.endpoint_id, ids, now=now) if ids else []
        if due:
            enqueue(session, SendDeliveries(delivery_ids=due, trigger=MANUAL))
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
    return await repository.claim_stale_recoveries(
        session, status=RUNNING, now=now, stale_before=stale_before
    )


# -- undelivered report ----------------------------------------------------------------------


async def undelivered(
    session: AsyncSession,
    tenant: Tenant,
    filters: UndeliveredFilter,
    *,
    cursor: tuple[str, str] | None,
    limit: int,
) -> list[Any]:
    """Pairs that ended without success, newest message first (see the module docstring)."""
    return await repository.undelivered(session, tenant.id, filters, cursor=cursor, limit=limit)

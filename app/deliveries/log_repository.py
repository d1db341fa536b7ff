"""The tenant-facing queries of the deliveries domain: resend, recovery, the undelivered report
and an endpoint's log. ``readable`` is what a tenant may read; every lookup starts there.

(The engine's queries, which act for every tenant at once, are in ``repository``.)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar

from sqlalchemy import Row, Select, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries.schemas import UndeliveredFilter
from app.kit.ids import id_bound
from app.kit.pagination import paginate_pair
from app.models import Attempt, Delivery, Endpoint, Message, Recovery
from app.models.delivery import FAILED, MANUAL, PENDING

Owned = TypeVar("Owned", Delivery, Recovery, Attempt)
_NO_SYNC = {"synchronize_session": False}


def readable(model: type[Owned], tenant_id: str) -> Select[Owned]:
    """The rows of ``model`` that one tenant may read: the only way this module reads them."""
    return select(model).where(model.tenant_id == tenant_id)


# -- resend and recovery ---------------------------------------------------------------------


async def delivery_of(
    session: AsyncSession, tenant_id: str, message_id: str, endpoint_id: str
) -> Delivery | None:
    found: Delivery | None = await session.scalar(
        readable(Delivery, tenant_id).where(
            Delivery.message_id == message_id, Delivery.endpoint_id == endpoint_id
        )
    )
    return found


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


async def count_failed(
    session: AsyncSession,
    endpoint_id: str,
    since: datetime,
    until: datetime | None,
    *,
    as_of: datetime,
) -> int:
    found = _failed_in_range(endpoint_id, since, until, as_of=as_of).subquery()
    return int(await session.scalar(select(func.count()).select_from(found)) or 0)


async def failed_after(
    session: AsyncSession, recovery: Recovery, *, after_message_id: str, limit: int
) -> Sequence[Row[str, str]]:
    """The recovery's next ``limit`` failed deliveries (id, message id), by message id."""
    query = _failed_in_range(
        recovery.endpoint_id, recovery.since, recovery.until, as_of=recovery.created_at
    )
    query = query.where(Delivery.message_id > after_message_id)
    return (await session.execute(query.order_by(Delivery.message_id).limit(limit))).all()


async def requeue_failed(session: AsyncSession, ids: list[str], *, now: datetime) -> list[str]:
    """Put those of ``ids`` still failed back to pending for one manual try, due ``now``."""
    requeued = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids), Delivery.status == FAILED)
        .values(
            status=PENDING, trigger=MANUAL, next_attempt_at=now, enqueued_at=now, updated_at=now
        )
        .returning(Delivery.id),
        execution_options=_NO_SYNC,
    )
    return list(requeued.scalars())


async def recovery(
    session: AsyncSession, tenant_id: str, endpoint_id: str, recovery_id: str
) -> Recovery | None:
    found: Recovery | None = await session.scalar(
        readable(Recovery, tenant_id).where(
            Recovery.id == recovery_id, Recovery.endpoint_id == endpoint_id
        )
    )
    return found


async def claim_stale_recoveries(
    session: AsyncSession, *, status: str, now: datetime, stale_before: datetime
) -> list[str]:
    """Recoveries in ``status`` untouched since ``stale_before``: touched now, and returned.

    Every tenant's: the scheduler runs this for the whole service."""
    found = await session.execute(
        update(Recovery)
        .where(Recovery.status == status, Recovery.updated_at < stale_before)
        .values(updated_at=now)
        .returning(Recovery.id),
        execution_options=_NO_SYNC,
    )
    return list(found.scalars())


# -- undelivered report ----------------------------------------------------------------------


async def undelivered(
    session: AsyncSession,
    tenant_id: str,
    filters: UndeliveredFilter,
    *,
    cursor: tuple[str, str] | None,
    limit: int,
) -> list[Any]:
    """Failed deliveries, and pending ones on a disabled endpoint, newest message first.

    Two index-backed scans merged: failed deliveries on (tenant_id, status, message_id), and
    pending deliveries of each disabled endpoint on (endpoint_id, message_id).
    """
    endpoint_id, after, before = filters.endpoint_id, filters.after, filters.before
    disabled = select(Endpoint.id).where(
        Endpoint.tenant_id == tenant_id, Endpoint.disabled.is_(True)
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
            readable(Delivery, tenant_id)
            .with_only_columns(
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
            .where(*conditions)
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


# -- an endpoint's log -----------------------------------------------------------------------


async def endpoint_attempts(
    session: AsyncSession,
    endpoint: Endpoint,
    *,
    status: str | None,
    after: tuple[datetime, str] | None,
    limit: int,
) -> list[Attempt]:
    """The endpoint's attempts, newest first, on the index attempts (endpoint_id, created_at)."""
    query = readable(Attempt, endpoint.tenant_id).where(Attempt.endpoint_id == endpoint.id)
    if status is not None:
        query = query.where(Attempt.status == status)
    paged = paginate_pair(query, Attempt.created_at, Attempt.id, after=after, limit=limit)
    return list((await session.scalars(paged)).all())


async def endpoint_attempt(
    session: AsyncSession, endpoint: Endpoint, attempt_id: str
) -> Attempt | None:
    found: Attempt | None = await session.scalar(
        readable(Attempt, endpoint.tenant_id).where(
            Attempt.id == attempt_id, Attempt.endpoint_id == endpoint.id
        )
    )
    return found

"""Every query on delivery state: created by publish, claimed by scheduler and worker, recorded.

Claims are single ``UPDATE … WHERE id IN (…) RETURNING`` statements, so they are atomic on SQLite
(which ignores ``FOR UPDATE SKIP LOCKED``) and, with ``SKIP LOCKED`` in the sub-select, let several
schedulers on PostgreSQL claim disjoint rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.clock import utc_now
from app.models import Attempt, Delivery, Endpoint, MessagePayload
from app.models.delivery import PENDING

# A task may reach a worker a moment before the row's time (clock skew between processes).
DUE_SLACK = timedelta(seconds=1)
_NO_SYNC = {"synchronize_session": False}


async def claim_due(
    session: AsyncSession, *, now: datetime, stuck_before: datetime, limit: int
) -> list[str]:
    """Mark as enqueued, and return, pending deliveries that are due and have no live task."""
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now,
            or_(Delivery.enqueued_at.is_(None), Delivery.enqueued_at < stuck_before),
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    claimed = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(enqueued_at=now)
        .returning(Delivery.id),
        execution_options=_NO_SYNC,
    )
    return list(claimed.scalars())


async def claim_for_send(
    session: AsyncSession, ids: Sequence[str], *, now: datetime, lease_until: datetime
) -> list[Any]:
    """Lease the due, unleased deliveries among ``ids`` and return what sending them needs."""
    leased = await session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(ids),
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now + DUE_SLACK,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .values(lease_until=lease_until)
        .returning(Delivery.id),
        execution_options=_NO_SYNC,
    )
    leased_ids = list(leased.scalars())
    if not leased_ids:
        return []
    rows = await session.execute(
        select(
            Delivery.id,
            Delivery.attempt_count,
            Delivery.message_id,
            Delivery.tenant_id,
            Delivery.endpoint_id,
            Endpoint.url,
            Endpoint.secret_encrypted,
            Endpoint.disabled,
            MessagePayload.body,
        )
        .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
        .outerjoin(MessagePayload, MessagePayload.message_id == Delivery.message_id)
        .where(Delivery.id.in_(leased_ids))
    )
    return list(rows.all())


async def record(
    session: AsyncSession, attempts: list[dict[str, Any]], changes: list[dict[str, Any]]
) -> None:
    """Write attempts and delivery changes in bulk (``changes`` rows carry ``id`` and new values)."""
    if attempts:
        await session.execute(insert(Attempt), attempts)
    if changes:
        await session.execute(update(Delivery), changes)


async def park(session: AsyncSession, ids: Sequence[str]) -> None:
    """Hold deliveries of a disabled endpoint until it is enabled again (no try is spent)."""
    if ids:
        await session.execute(
            update(Delivery)
            .where(Delivery.id.in_(ids))
            .values(next_attempt_at=None, enqueued_at=None, lease_until=None, updated_at=utc_now()),
            execution_options=_NO_SYNC,
        )


async def resume_parked(session: AsyncSession, endpoint_id: str) -> None:
    """Make an enabled endpoint's parked deliveries due now; the scheduler picks them up."""
    await session.execute(
        update(Delivery)
        .where(
            Delivery.endpoint_id == endpoint_id,
            Delivery.status == PENDING,
            Delivery.next_attempt_at.is_(None),
        )
        .values(next_attempt_at=utc_now(), updated_at=utc_now()),
        execution_options=_NO_SYNC,
    )

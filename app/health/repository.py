"""What the operator's probes read: readiness (``/health/ready``) and the gauges of ``/metrics``.

Operator-wide by nature: these count across every tenant and show no tenant's rows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Delivery, Endpoint, OrderingKey
from app.models.delivery import PENDING


async def ping(session: AsyncSession) -> None:
    await session.execute(text("SELECT 1"))


@dataclass(frozen=True, slots=True)
class Backlog:
    due: int  # pending deliveries due now, not yet tried
    oldest_due_at: datetime | None
    parked: int  # pending deliveries with no due time: disabled endpoint or open circuit
    circuits: dict[str, int]  # endpoints by circuit state
    held_keys: int  # ordered endpoints' keys held behind a head that exhausted its tries


async def backlog(session: AsyncSession, *, now: datetime) -> Backlog:
    due, oldest = (
        await session.execute(
            select(func.count(), func.min(Delivery.next_attempt_at)).where(
                Delivery.status == PENDING, Delivery.next_attempt_at <= now
            )
        )
    ).one()
    parked = await session.scalar(
        select(func.count()).where(
            Delivery.status == PENDING,
            Delivery.next_attempt_at.is_(None),
            Delivery.queued.is_(False),  # waiting behind their ordering key's head: not parked
        )
    )
    rows = await session.execute(
        select(Endpoint.circuit_state, func.count())
        .where(Endpoint.deleted_at.is_(None))
        .group_by(Endpoint.circuit_state)
    )
    circuits = {circuit_state: count for circuit_state, count in rows}
    held_keys = await session.scalar(
        select(func.count()).select_from(OrderingKey).where(OrderingKey.held_since.is_not(None))
    )
    return Backlog(
        due=due,
        oldest_due_at=oldest,
        parked=parked or 0,
        circuits=circuits,
        held_keys=held_keys or 0,
    )

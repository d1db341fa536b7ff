"""Thin Dramatiq actors: each opens nothing itself and calls a plain, tested function."""

from __future__ import annotations

import dramatiq

from workers import resources
from workers.contracts import RunRecovery, SendDeliveries
from workers.recovery import run_recovery

# The actor only claims and starts tries (they run on past its return); a minute is ample.
TIME_LIMIT_MS = 60 * 1000


async def send(delivery_ids: list[str], trigger: str = "scheduled") -> None:
    await resources.dispatcher().dispatch(delivery_ids, trigger=trigger)


async def recover(recovery_id: str) -> None:
    ctx = resources.dispatcher().ctx
    await run_recovery(ctx.sessions, ctx.jobs, recovery_id)


def declare_actors(broker: dramatiq.Broker) -> None:
    """Register the actors on ``broker`` (idempotent)."""
    if SendDeliveries.actor_name in broker.actors:
        return
    dramatiq.actor(
        broker=broker,
        actor_name=SendDeliveries.actor_name,
        queue_name=SendDeliveries.queue_name,
        max_retries=0,
        time_limit=TIME_LIMIT_MS,
    )(send)
    dramatiq.actor(
        broker=broker,
        actor_name=RunRecovery.actor_name,
        queue_name=RunRecovery.queue_name,
        max_retries=3,
        time_limit=10 * TIME_LIMIT_MS,
    )(recover)

"""Thin Dramatiq actors: each opens nothing itself and calls a plain, tested function."""

from __future__ import annotations

import dramatiq

from workers import resources
from workers.contracts import SendDeliveries

# The actor only claims and starts tries (they run on past its return); a minute is ample.
TIME_LIMIT_MS = 60 * 1000


async def send(delivery_ids: list[str]) -> None:
    await resources.dispatcher().dispatch(delivery_ids)


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

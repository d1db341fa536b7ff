"""Thin Dramatiq actors: each opens nothing itself and calls a plain, tested function."""

from __future__ import annotations

import dramatiq

from workers import resources
from workers.contracts import SendDeliveries
from workers.delivery import send_deliveries

# One task carries up to deliveries_per_task tries at 15 s each, run concurrently.
TIME_LIMIT_MS = 5 * 60 * 1000


async def send(delivery_ids: list[str]) -> None:
    await send_deliveries(resources.current(), delivery_ids)


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

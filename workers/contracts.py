"""The task contract between ``app/`` and ``workers/``: actor names, queues and payloads (ids only).

``app/`` imports this module and nothing else from ``workers/`` (the CLI, the composition root,
aside), so the API can enqueue work without loading the actors.
"""

from __future__ import annotations

import zlib
from typing import Any, ClassVar

import dramatiq
import msgspec

DELIVERY_QUEUE = "deliveries"
# Delivery tasks of a networked broker go to one of these lanes, chosen by tenant, so that one
# tenant's backlog fills its own lane and not the queue everyone else waits in (issue 15). A
# worker consumes every lane (and DELIVERY_QUEUE: tasks enqueued before the lanes, recoveries, and
# every task of the in-process broker, whose one process has nobody to be fair to).
DELIVERY_LANES = 8


def lane_queue(lane_key: str | None, lanes: int) -> str:
    """The queue of a task whose lane is chosen by ``lane_key`` (a tenant id) among ``lanes``."""
    if lane_key is None or lanes <= 0:
        return DELIVERY_QUEUE
    return f"{DELIVERY_QUEUE}.{zlib.crc32(lane_key.encode()) % lanes}"


def broker_lanes(broker: dramatiq.Broker) -> int:
    """How many lanes delivery tasks are spread over on ``broker``: none on the in-process one."""
    return 0 if type(broker).__name__ == "StubBroker" else DELIVERY_LANES


def delivery_queues(lanes: int) -> list[str]:
    """Every queue that a worker consumes when tasks are spread over ``lanes``."""
    return [DELIVERY_QUEUE, *(f"{DELIVERY_QUEUE}.{lane}" for lane in range(lanes))]


class Task(msgspec.Struct, frozen=True, kw_only=True):
    """One unit of work for a worker; subclasses name their actor and queue."""

    actor_name: ClassVar[str]
    queue_name: ClassVar[str]

    def queue_for(self, lanes: int) -> str:
        """The broker queue of this task when delivery tasks are spread over ``lanes``."""
        return self.queue_name

    def to_message(self, *, lanes: int = 0) -> dramatiq.Message[Any]:
        return dramatiq.Message(
            queue_name=self.queue_for(lanes),
            actor_name=self.actor_name,
            args=(),
            kwargs=msgspec.to_builtins(self),
            options={},
        )


class SendDeliveries(Task, frozen=True, kw_only=True):
    """Try these deliveries now (the worker skips any that are not due or are being sent)."""

    actor_name: ClassVar[str] = "delivery.send"
    queue_name: ClassVar[str] = DELIVERY_QUEUE

    delivery_ids: list[str]
    trigger: str = "scheduled"  # "manual": a resend asked for by a person
    # The tenant whose lane carries the task; not sent (a worker of any version takes the message).
    lane_key: str | None = None

    def queue_for(self, lanes: int) -> str:
        return lane_queue(self.lane_key, lanes)

    def to_message(self, *, lanes: int = 0) -> dramatiq.Message[Any]:
        message = super().to_message(lanes=lanes)
        message.kwargs.pop("lane_key", None)
        return message


class RunRecovery(Task, frozen=True, kw_only=True):
    """Put an endpoint's failed deliveries back to pending, in batches, reporting progress."""

    actor_name: ClassVar[str] = "recovery.run"
    queue_name: ClassVar[str] = DELIVERY_QUEUE

    recovery_id: str

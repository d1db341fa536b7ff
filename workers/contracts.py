"""The task contract between ``app/`` and ``workers/``: actor names, queues and payloads (ids only).

``app/`` imports this module and nothing else from ``workers/`` (the CLI, the composition root,
aside), so the API can enqueue work without loading the actors.
"""

from __future__ import annotations

from typing import Any, ClassVar

import dramatiq
import msgspec

DELIVERY_QUEUE = "deliveries"


class Task(msgspec.Struct, frozen=True, kw_only=True):
    """One unit of work for a worker; subclasses name their actor and queue."""

    actor_name: ClassVar[str]
    queue_name: ClassVar[str]

    def to_message(self) -> dramatiq.Message[Any]:
        return dramatiq.Message(
            queue_name=self.queue_name,
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


class RunRecovery(Task, frozen=True, kw_only=True):
    """Put an endpoint's failed deliveries back to pending, in batches, reporting progress."""

    actor_name: ClassVar[str] = "recovery.run"
    queue_name: ClassVar[str] = DELIVERY_QUEUE

    recovery_id: str

"""Enqueue after commit: jobs go to a buffer that the unit of work sends only after it commits.

``enqueue(session, task)`` appends to the buffer of the unit of work that owns the session (kept in
``session.info``, so it follows the session rather than the task that happens to run); ``JobQueue``
sends a buffer to the broker. A rolled-back unit of work drops its buffer, so a worker never sees a
job whose rows do not exist. If sending fails after the commit, nothing is lost: the scheduler finds
the rows in the database and enqueues them again.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import structlog

from workers.contracts import Task

if TYPE_CHECKING:
    import dramatiq
    from sqlalchemy.ext.asyncio import AsyncSession

log = structlog.get_logger(__name__)

_BUFFER_KEY = "hookrelay_jobs"


def enqueue(session: AsyncSession, task: Task) -> None:
    """Buffer ``task`` on the unit of work that owns ``session``; it is sent after commit."""
    session.info.setdefault(_BUFFER_KEY, []).append(task)


def take_buffer(session: AsyncSession) -> list[Task]:
    """Remove and return the tasks buffered on ``session`` (after commit: send; on rollback: drop)."""
    tasks: list[Task] = session.info.pop(_BUFFER_KEY, [])
    return tasks


class JobQueue:
    """Sends buffered tasks to the Dramatiq broker (off the event loop: broker clients block)."""

    def __init__(self, broker: dramatiq.Broker) -> None:
        self.broker = broker

    def ping(self) -> None:
        """Raise if the broker does not answer (blocking; /health/ready runs it in a thread)."""
        kind = type(self.broker).__name__
        if kind == "RabbitmqBroker":
            import pika

            params = getattr(self.broker, "parameters", None)
            pika.BlockingConnection(params[0] if isinstance(params, list) else params).close()
        elif kind == "RedisBroker":
            getattr(self.broker, "client").ping()  # noqa: B009 (Broker does not declare it)

    def send_now(self, tasks: list[Task]) -> None:
        for task in tasks:
            self.broker.enqueue(task.to_message())

    async def send(self, tasks: list[Task]) -> None:
        if not tasks:
            return
        try:
            await asyncio.to_thread(self.send_now, tasks)
        except Exception:
            # Committed rows are safe; the scheduler re-enqueues them after the stuck bound.
            log.exception("enqueue_failed", tasks=len(tasks))

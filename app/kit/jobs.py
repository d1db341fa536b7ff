"""Enqueue after commit: jobs go to a buffer that the unit of work sends only after it commits.

``enqueue(session, task)`` appends to the buffer of the unit of work that owns the session (kept in
``session.info``, so it follows the session rather than the task that happens to run); ``JobQueue``
sends a buffer to the broker. A rolled-back unit of work drops its buffer, so a worker never sees a
job whose rows do not exist. If sending fails after the commit, nothing is lost: the scheduler finds
the rows in the database and enqueues them again. The API sends through ``BackgroundJobQueue``: a
request hands its committed tasks over and answers without waiting for the broker.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from typing import TYPE_CHECKING

import structlog

from workers.contracts import SendDeliveries, Task

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


class BackgroundJobQueue(JobQueue):
    """Sends committed tasks from one thread of its own; ``send`` only hands them over.

    A publish no longer waits for a thread hop and a broker publish before it answers (issue 15).
    Tasks handed over but not yet sent when the process dies are lost with it, which is the crash
    between commit and enqueue the design already covers: their deliveries are in the database,
    enqueued_at the commit's time, and the scheduler enqueues them again after its stuck bound
    (``test_guarantee_1_a_crash_before_the_background_send_loses_nothing``). ``close`` sends what
    is in hand, for a clean stop.
    """

    def __init__(self, broker: dramatiq.Broker, *, deliveries_per_task: int = 200) -> None:
        super().__init__(broker)
        self.deliveries_per_task = deliveries_per_task
        self._handed: queue.SimpleQueue[list[Task] | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="hookrelay-enqueue", daemon=True)
        self._thread.start()

    async def send(self, tasks: list[Task]) -> None:
        if tasks:
            self._handed.put(tasks)

    def _run(self) -> None:
        while (first := self._handed.get()) is not None:
            tasks, stopping = self._take_handed(list(first))
            try:
                self.send_now(coalesce(tasks, deliveries_per_task=self.deliveries_per_task))
            except Exception:
                log.exception("enqueue_failed", tasks=len(tasks))
            if stopping:
                return

    def _take_handed(self, tasks: list[Task]) -> tuple[list[Task], bool]:
        """``tasks`` and everything handed over meanwhile (several requests' worth under load),
        and whether ``close`` asked to stop."""
        while True:
            try:
                more = self._handed.get_nowait()
            except queue.Empty:
                return tasks, False
            if more is None:
                return tasks, True
            tasks.extend(more)

    def close(self, *, timeout_seconds: float = 10.0) -> None:
        """Send what was handed over, then stop the thread (at most ``timeout_seconds``)."""
        self._handed.put(None)
        self._thread.join(timeout_seconds)


def coalesce(tasks: list[Task], *, deliveries_per_task: int) -> list[Task]:
    """The scheduled ``SendDeliveries`` of several units of work as few tasks of at most
    ``deliveries_per_task`` ids (one broker publish each, and a worker takes a task's deliveries
    together: measured, 7 % of the API's CPU per publish went to one publish per request); any
    other task as it is."""
    others = [t for t in tasks if not _mergeable(t)]
    ids = [
        i for t in tasks if isinstance(t, SendDeliveries) and _mergeable(t) for i in t.delivery_ids
    ]
    merged = [
        SendDeliveries(delivery_ids=ids[start : start + deliveries_per_task])
        for start in range(0, len(ids), deliveries_per_task)
    ]
    return [*others, *merged]


def _mergeable(task: Task) -> bool:
    return isinstance(task, SendDeliveries) and task.trigger == "scheduled"  # not a person's resend


def job_queue_for(broker: dramatiq.Broker, *, deliveries_per_task: int) -> JobQueue:
    """The API's queue: in the background for a networked broker; the in-process one (``dev``,
    the tests) takes a task with a local queue put, sent at once."""
    if type(broker).__name__ == "StubBroker":
        return JobQueue(broker)
    return BackgroundJobQueue(broker, deliveries_per_task=deliveries_per_task)

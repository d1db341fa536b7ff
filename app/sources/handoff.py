"""Handing acknowledged events' deliveries to the broker without holding the provider's answer.

The ingest URL answers once the event and its deliveries are committed (guarantee 9). The broker
send after that is only a wake-up for the workers: a delivery whose task is never sent is found
in the database by the scheduler (after the stuck bound), as after any failed send. Waiting for
it, as the other routes' unit of work does, put a broker round trip (a publisher confirm, one
thread each) on every acknowledgement, and capped one API at a few dozen ingests a second on a
busy machine (``tests/bench/bench_inbound.py``). So the ingest path's tasks go to a ``Handoff``:
one send in flight per process at a time, carrying the delivery ids of every request answered
meanwhile, merged into tasks of up to ``per_task`` ids.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app.kit.jobs import JobQueue
from workers.contracts import SendDeliveries, Task

if TYPE_CHECKING:
    import dramatiq


class Handoff(JobQueue):
    """A job queue whose ``send`` returns at once; the tasks follow, merged, in the background."""

    def __init__(self, broker: dramatiq.Broker, *, per_task: int) -> None:
        super().__init__(broker)
        self.per_task = per_task
        self._delivery_ids: list[str] = []
        self._other: list[Task] = []
        self._sending: asyncio.Task[None] | None = None

    async def send(self, tasks: list[Task]) -> None:
        for task in tasks:
            if isinstance(task, SendDeliveries):
                self._delivery_ids.extend(task.delivery_ids)
            else:
                self._other.append(task)
        if self._sending is None or self._sending.done():
            self._sending = asyncio.create_task(self._drain())

    async def _drain(self) -> None:
        while self._delivery_ids or self._other:
            ids, self._delivery_ids = self._delivery_ids, []
            tasks, self._other = self._other, []
            tasks += [
                SendDeliveries(delivery_ids=ids[start : start + self.per_task])
                for start in range(0, len(ids), self.per_task)
            ]
            await super().send(tasks)  # logs a failure; the scheduler sends those tasks later

    async def wait_sent(self) -> None:
        """Until everything handed over so far has been sent (or failed): for tests, whose
        event loop may not be the app's (so the sending task is polled, not awaited)."""
        while self._sending is not None and not self._sending.done():  # noqa: ASYNC110
            await asyncio.sleep(0.005)

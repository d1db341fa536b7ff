"""Group commit: concurrent requests' writes share one transaction on one connection.

A request hands its item to ``GroupCommit.submit`` and waits. A writer task takes every item
waiting (at most ``max_group``), writes them with one call of ``write`` (one statement, as the
caller builds it: Core SQL over psycopg, no ORM), commits, and only then answers each waiter with
its own result. Under load a group holds as many requests as arrived during the previous commit,
so one statement and one commit serve them all; alone, a request waits for nothing but its own.

Failure is per group, and nothing is answered before the commit that holds the waiter's row:

    GroupFailed                 the group was not stored
     ├── WriteFailed            ``write`` raised: rolled back, certainly nothing stored; the caller
     │                          may do the request another way (its own transaction)
     └── CommitFailed           the COMMIT itself failed or was cut: the outcome is unknown to
                                the writer, so every waiter answers 503 and the client retries
                                (idempotent on its ``event_id``), as for any cut commit

A connection that failed is closed; the next group opens a new one.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from typing import Generic, TypeVar

import psycopg
import structlog

log = structlog.get_logger(__name__)

T = TypeVar("T")
R = TypeVar("R")

Connect = Callable[[], Awaitable[psycopg.AsyncConnection[object]]]
Write = Callable[[psycopg.AsyncConnection[object], Sequence[T]], Awaitable[Sequence[R]]]
AfterCommit = Callable[[Sequence[R]], Awaitable[None]]


class GroupFailed(Exception):
    """The waiter's group was not stored (see the subclasses)."""


class WriteFailed(GroupFailed):
    """The group's statement failed and was rolled back: nothing of it is stored."""


class CommitFailed(GroupFailed):
    """The group's COMMIT failed or its connection was cut: answer 503, the client retries."""


class GroupCommit(Generic[T, R]):
    """Writes submitted items in groups (module docstring); ``close`` stops the writers."""

    def __init__(
        self,
        connect: Connect,
        write: Write[T, R],
        *,
        after_commit: AfterCommit[R] | None = None,
        max_group: int = 256,
        writers: int = 1,
    ) -> None:
        self._connect = connect
        self._write = write
        self._after_commit = after_commit
        self.max_group = max_group
        self._writers = writers
        self._queue: asyncio.Queue[tuple[T, asyncio.Future[R]]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self.groups = 0  # groups committed (the tests and the bench read it)

    async def submit(self, item: T) -> R:
        """Wait until ``item`` is committed with its group; its result, or ``GroupFailed``."""
        loop = asyncio.get_running_loop()
        if self._queue is None or self._loop is not loop:
            self._start(loop)
        assert self._queue is not None
        future: asyncio.Future[R] = loop.create_future()
        self._queue.put_nowait((item, future))
        return await future

    def _start(self, loop: asyncio.AbstractEventLoop) -> None:
        # Started by the first submit, on the loop that serves requests. A server has one loop;
        # an app served from another loop later (test clients run each on a loop of their own)
        # gets writers of its own there, and the earlier loop's are stopped on that loop.
        self._stop_elsewhere(loop)
        self._loop = loop
        self._queue = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._run(), name=f"group-commit-{n}") for n in range(self._writers)
        ]

    async def _run(self) -> None:
        assert self._queue is not None
        connection: psycopg.AsyncConnection[object] | None = None
        try:
            while True:
                group = [await self._queue.get()]
                while len(group) < self.max_group and not self._queue.empty():
                    group.append(self._queue.get_nowait())
                connection = await self._commit(connection, group)
        finally:
            if connection is not None:
                with contextlib.suppress(Exception):
                    await connection.close()

    async def _commit(
        self,
        connection: psycopg.AsyncConnection[object] | None,
        group: list[tuple[T, asyncio.Future[R]]],
    ) -> psycopg.AsyncConnection[object] | None:
        """Write and commit one group and answer its waiters; the connection to use next."""
        try:
            if connection is None or connection.closed:
                connection = await self._connect()
            results = await self._write(connection, [item for item, _ in group])
        except Exception as exc:
            log.warning("group_write_failed", size=len(group), error=type(exc).__name__)
            connection = await _rolled_back(connection)
            _fail(group, WriteFailed(str(exc)))
            return connection
        try:
            await connection.commit()
        except Exception as exc:
            log.warning("group_commit_failed", size=len(group), error=type(exc).__name__)
            with contextlib.suppress(Exception):
                await connection.close()
            _fail(group, CommitFailed(str(exc)))
            return None
        self.groups += 1
        for (_, future), result in zip(group, results, strict=True):
            if not future.done():  # a waiter whose request was cancelled meanwhile
                future.set_result(result)
        if self._after_commit is not None:
            try:
                await self._after_commit(results)
            except Exception:
                # Committed rows are safe; the scheduler finds them after its stuck bound.
                log.exception("group_after_commit_failed", size=len(group))
        return connection

    async def close(self) -> None:
        """Stop the writers (a group in flight is cancelled: its waiters get no answer)."""
        loop = asyncio.get_running_loop()
        here = [task for task in self._tasks if task.get_loop() is loop]
        self._stop_elsewhere(loop)
        for task in here:
            task.cancel()
        await asyncio.gather(*here, return_exceptions=True)
        self._tasks = []
        self._queue = None
        self._loop = None

    def _stop_elsewhere(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel, on their own loop, the writers that run on a loop other than ``loop``."""
        for task in self._tasks:
            other = task.get_loop()
            if other is not loop and not other.is_closed():
                other.call_soon_threadsafe(task.cancel)
        self._tasks = [task for task in self._tasks if task.get_loop() is loop]


async def _rolled_back(
    connection: psycopg.AsyncConnection[object] | None,
) -> psycopg.AsyncConnection[object] | None:
    """The connection after a rollback, or None when even that failed (it is closed)."""
    if connection is None:
        return None
    try:
        await connection.rollback()
    except Exception:
        with contextlib.suppress(Exception):
            await connection.close()
        return None
    return connection


def _fail(group: list[tuple[T, asyncio.Future[R]]], error: GroupFailed) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(error)

"""The fair pump: a worker's claimed tries start as its slots free, one tenant after another.

Before it (issue 15), each actor call waited on one FIFO semaphore for a slot per claimed try, so
a tenant with a backlog held every worker thread and had hundreds of tries queued ahead of any
other tenant's (another tenant's p95 went from 40 ms to minutes behind 100,000 deliveries). Now
the actor hands its tries over and returns; they wait here per tenant, and each slot that frees
goes to the next tenant in turn that has a try waiting. A tenant alone takes every slot (nothing
is reserved for tenants that are not there); with others waiting it gets one slot in as many as
there are tenants waiting.

``room`` is the backpressure: an actor returns (acks its broker message) only once each of its
tenants has at most ``tenant_cap`` tries waiting here and the process at most ``total_cap``, so a
backlog stays in the broker (in its tenant's lane), not in leases that would run out while they
wait. The worker's per-lane prefetch is smaller than its thread count
(``workers.broker.build_worker``), so the actors waiting for one tenant's room never hold every
thread.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Callable, Collection, Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class FairPump(Generic[T]):
    """Starts waiting items round-robin by tenant, at most ``slots`` at once."""

    def __init__(
        self, slots: int, start: Callable[[T], None], *, tenant_cap: int, total_cap: int
    ) -> None:
        self._free = slots
        self._start = start
        self.tenant_cap = tenant_cap
        self.total_cap = total_cap
        # Insertion order is the turn order: a tenant served goes to the back.
        self._waiting: OrderedDict[str, deque[T]] = OrderedDict()
        self.waiting = 0
        self._room_waiters: list[tuple[Collection[str], asyncio.Future[None]]] = []

    def offer(self, items: Iterable[tuple[str, T]]) -> None:
        """Queue ``(tenant_id, item)`` pairs and start what the free slots allow."""
        for tenant_id, item in items:
            queue = self._waiting.get(tenant_id)
            if queue is None:
                queue = self._waiting[tenant_id] = deque()
            queue.append(item)
            self.waiting += 1
        self._pump()

    def release(self) -> None:
        """A slot is free again (its try's outcome is stored)."""
        self._free += 1
        self._pump()

    def waiting_of(self, tenant_id: str) -> int:
        queue = self._waiting.get(tenant_id)
        return len(queue) if queue else 0

    async def room(self, tenant_ids: Collection[str]) -> None:
        """Until each of ``tenant_ids`` has room for more (see the module docstring)."""
        if self._has_room(tenant_ids):
            return
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        waiter = (tenant_ids, future)
        self._room_waiters.append(waiter)
        try:
            await future
        finally:
            if waiter in self._room_waiters:
                self._room_waiters.remove(waiter)

    def _pump(self) -> None:
        started = False
        while self._free > 0 and self._waiting:
            tenant_id, queue = self._waiting.popitem(last=False)
            item = queue.popleft()
            if queue:
                self._waiting[tenant_id] = queue
            self._free -= 1
            self.waiting -= 1
            started = True
            self._start(item)
        if started and self._room_waiters:
            self._wake()

    def _has_room(self, tenant_ids: Collection[str]) -> bool:
        return self.waiting <= self.total_cap and all(
            self.waiting_of(t) <= self.tenant_cap for t in tenant_ids
        )

    def _wake(self) -> None:
        still: list[tuple[Collection[str], asyncio.Future[None]]] = []
        for tenant_ids, future in self._room_waiters:
            if future.done():
                continue
            if self._has_room(tenant_ids):
                future.set_result(None)
            else:
                still.append((tenant_ids, future))
        self._room_waiters = still

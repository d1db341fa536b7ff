"""The dispatcher: decides which claimed deliveries go now, sends them, hands outcomes on.

Per worker process, one ``Dispatcher`` runs on the worker's event loop:

1. ``dispatch(ids)`` leases the due deliveries among ``ids`` and, per endpoint, lets through what
   the endpoint may take now: nothing while it is disabled or its circuit is open (parked, no try
   spent), one probe when the cool-down is over, ``MAX_IN_FLIGHT_PER_ENDPOINT`` tries at once in
   this process with ``QUEUE_FACTOR`` times as many queued behind them (the rest wait a moment in
   the database), and under a rate limit or slow-down pause only the GCRA slots of the next second
   (the rest wait in the database until their turn).
2. The tries run as tasks on the event loop; the actor returns once they are started, so a slow
   endpoint holds only its own share of ``MAX_IN_FLIGHT`` (at most half of it, queue included)
   and never a worker thread.
3. Outcomes are recorded by one writer in batches (``workers.recording``); a slot is released
   only when its outcome is stored, which bounds the work a crash can cut short.

A worker killed mid-try loses nothing: its leases run out and the scheduler enqueues the
deliveries again (at-least-once; ``webhook-id`` lets receivers drop the duplicate).
"""

from __future__ import annotations

import asyncio
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import repository
from app.deliveries.repository import ClaimedDelivery
from app.kit.clock import utc_now
from workers import metrics
from workers.delivery import DeliveryContext, Outcome, try_delivery
from workers.policy import Circuit, reserve_slots
from workers.recording import Result, record_results

log = structlog.get_logger(__name__)

T = TypeVar("T")

# A lease outlives the longest wait for a rate-limit slot plus the longest try plus this margin.
LEASE_MARGIN_SECONDS = 30.0
# Beyond its MAX_IN_FLIGHT_PER_ENDPOINT tries, an endpoint may have this many times as many
# deliveries queued in this process for its next free try; the rest wait in the database.
QUEUE_FACTOR = 32
# A queued delivery whose endpoint has no free try within this long goes back to the database,
# untried (a slow endpoint), so that a lease never has to cover a long queue.
TURN_WAIT_SECONDS = 5.0
# Rate-limit slots are handed out this far ahead; the sender sleeps until its slot.
SLOT_HORIZON_SECONDS = 1.0
# Tasks arriving together are claimed in one transaction after gathering this long.
CLAIM_GATHER_SECONDS = 0.002
# A claim that fails (database unreachable) is retried this long before its tasks fail.
CLAIM_RETRY_SECONDS = 20.0
# Outcomes are gathered this long before a batch is written.
WRITE_GATHER_SECONDS = 0.01
# A batch that cannot be stored (database down) is retried this long before giving up to the
# lease expiry (which re-sends: a duplicate, never a loss).
WRITE_RETRY_SECONDS = 25.0


@dataclass(frozen=True, slots=True)
class Planned:
    """A leased delivery let through: when its rate-limit slot is (None: at once), and whether it
    is its endpoint's half-open probe."""

    row: ClaimedDelivery
    send_at: datetime | None
    probe: bool


# A delivery given back untried, and when it is due again (None: parked).
Hold = tuple[str, datetime | None]


class Dispatcher:
    """Sends leased deliveries under the endpoint rules; one per worker process."""

    def __init__(self, ctx: DeliveryContext) -> None:
        self.ctx = ctx
        settings = ctx.settings
        self._slots = asyncio.Semaphore(settings.max_in_flight)
        self._in_flight: Counter[str] = Counter()
        self._tasks: set[asyncio.Task[None]] = set()
        self._results: list[Result] = []
        self._writer: asyncio.Task[None] | None = None
        self._claims: list[tuple[list[str], asyncio.Future[list[Planned]]]] = []
        self._endpoint_slots: dict[str, asyncio.Semaphore] = {}
        self._given_back: list[Hold] = []
        self._unstored: Exception | None = None  # why the last batch given up could not be stored
        self._busy_delay = timedelta(seconds=settings.endpoint_busy_delay_seconds)
        # What one endpoint may hold here, trying and queued for its turns: at most half the
        # process's slots. A slow endpoint's queue once took 500 of 512 for the turn wait, and
        # every other endpoint's tries waited behind it (healthy p95 2.2-2.4x).
        self._max_held_per_endpoint = min(
            settings.max_in_flight_per_endpoint * (1 + QUEUE_FACTOR),
            max(settings.max_in_flight // 2, settings.max_in_flight_per_endpoint),
        )
        self._claimer: asyncio.Task[None] | None = None

    async def dispatch(self, delivery_ids: Sequence[str], *, trigger: str = "scheduled") -> int:
        """Start the tries that may go now; return how many started.

        Concurrent calls (one per worker thread) are claimed together in one transaction.
        """
        future: asyncio.Future[list[Planned]] = asyncio.get_running_loop().create_future()
        self._claims.append((list(delivery_ids), future))
        if self._claimer is None or self._claimer.done():
            self._claimer = asyncio.create_task(self._claim_loop())
        planned = await future
        for plan in planned:
            await self._slots.acquire()
            task = asyncio.create_task(self._send(plan, trigger))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return len(planned)

    async def drain(self) -> None:
        """Wait until every started try is sent and stored; raise if a batch of outcomes could not
        be stored (its deliveries go out again when their leases run out)."""
        while (
            self._tasks
            or self._results
            or self._given_back
            or (self._writer and not self._writer.done())
        ):
            await asyncio.gather(*self._tasks, return_exceptions=True)
            if self._writer is not None:
                await asyncio.gather(self._writer, return_exceptions=True)
            if self._results or self._given_back:
                self._kick_writer()
        if self._unstored is not None:
            error, self._unstored = self._unstored, None
            raise RuntimeError("outcomes could not be stored") from error

    # -- claiming ---------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while self._claims:
            await asyncio.sleep(CLAIM_GATHER_SECONDS)
            batch, self._claims = self._claims, []
            try:
                planned = await self._claim_retrying([i for ids, _ in batch for i in ids])
            except Exception as exc:
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            by_id = {plan.row.id: plan for plan in planned}
            for ids, future in batch:
                if not future.done():
                    # pop: tasks gathered together may name the same delivery (the scheduler
                    # re-enqueued it while its first task waited); only one of them sends it.
                    future.set_result([by_id.pop(i) for i in dict.fromkeys(ids) if i in by_id])

    async def _claim_retrying(self, delivery_ids: list[str]) -> list[Planned]:
        """Claim, riding out a short database outage (a restart, a failover) rather than failing
        the tasks, which would leave their deliveries to the scheduler's stuck bound."""
        return await _retrying(
            lambda: self._claim(delivery_ids),
            for_seconds=CLAIM_RETRY_SECONDS,
            event="claim_failed_retrying",
            deliveries=len(delivery_ids),
        )

    async def _claim(self, delivery_ids: Sequence[str]) -> list[Planned]:
        settings = self.ctx.settings
        now = utc_now()
        lease_until = now + timedelta(
            seconds=SLOT_HORIZON_SECONDS
            + TURN_WAIT_SECONDS
            + settings.request_timeout_seconds
            + LEASE_MARGIN_SECONDS
        )
        reserved: Counter[str] = Counter()
        try:
            async with self.ctx.sessions() as session:
                rows = await repository.claim_for_send(
                    session, delivery_ids, now=now, lease_until=lease_until
                )
                by_endpoint: dict[str, list[ClaimedDelivery]] = defaultdict(list)
                for row in rows:
                    by_endpoint[row.endpoint_id].append(row)
                planned: list[Planned] = []
                holds: list[Hold] = []
                for endpoint_id, group in by_endpoint.items():
                    go, wait = await self._admit(session, group, now)
                    planned.extend(go)
                    holds.extend(wait)
                    reserved[endpoint_id] += len(go)
                    self._in_flight[endpoint_id] += len(go)
                await repository.hold(session, holds)
                await session.commit()
        except BaseException:
            self._in_flight.subtract(reserved)
            raise
        return planned

    async def _admit(
        self, session: AsyncSession, group: list[ClaimedDelivery], now: datetime
    ) -> tuple[list[Planned], list[Hold]]:
        """Which of one endpoint's leased deliveries go now, and until when the others wait."""
        first = group[0]
        if first.disabled:
            return [], _park(group)
        circuit = Circuit.of(first)
        admit = circuit.admit(now)
        if admit == "wait":
            metrics.CIRCUIT_HELD.inc(len(group))
            return [], _park(group)
        if admit == "probe":
            return await self._probe(session, group, circuit, now)
        free = max(self._max_held_per_endpoint - self._in_flight[first.endpoint_id], 0)
        if first.rate_limit_per_second or (first.send_after is not None and first.send_after > now):
            return await self._reserve(session, group, now, limit=free)
        busy_until = now + self._busy_delay
        holds: list[Hold] = [(r.id, busy_until) for r in group[free:]]
        return [Planned(r, None, False) for r in group[:free]], holds

    async def _probe(
        self, session: AsyncSession, group: list[ClaimedDelivery], circuit: Circuit, now: datetime
    ) -> tuple[list[Planned], list[Hold]]:
        window = self.ctx.settings.request_timeout_seconds + LEASE_MARGIN_SECONDS
        started = await repository.start_probe(
            session,
            group[0].endpoint_id,
            seen_state=circuit.state,
            seen_probe_at=circuit.next_probe_at,
            probe_until=circuit.probing(now, window).next_probe_at or now,
        )
        if not started:
            return [], _park(group)
        log.info("circuit_probe", endpoint_id=group[0].endpoint_id, delivery_id=group[0].id)
        first = group[0]
        if not (first.rate_limit_per_second or (first.send_after and first.send_after > now)):
            return [Planned(first, None, True)], _park(group[1:])
        # A probe is a try like any other: under a rate limit (or a pause) it takes a GCRA slot, so
        # the circuit closing cannot add a try the limit has no room for (guarantee 11).
        go, wait = await self._reserve(session, group[:1], now, limit=1)
        return [Planned(plan.row, plan.send_at, True) for plan in go], wait + _park(group[1:])

    async def _reserve(
        self, session: AsyncSession, group: list[ClaimedDelivery], now: datetime, *, limit: int
    ) -> tuple[list[Planned], list[Hold]]:
        """Take up to ``limit`` GCRA slots under the endpoint's row lock; the rest wait their turn."""
        endpoint = (await repository.lock_endpoints(session, [group[0].endpoint_id])).get(
            group[0].endpoint_id
        )
        if endpoint is None:
            return [], _park(group)
        now = utc_now()  # slots start from when the lock was had, not from before the claim
        per_second = endpoint.rate_limit_per_second
        slots, send_after = reserve_slots(
            send_after=endpoint.send_after,
            now=now,
            wanted=min(len(group), limit),
            per_second=per_second,
            horizon_seconds=SLOT_HORIZON_SECONDS,
        )
        endpoint.send_after = send_after
        go = [Planned(row, slot, False) for row, slot in zip(group, slots, strict=False)]
        # The rest come due one interval apart from the next free slot, in order.
        start = send_after or now
        interval = timedelta(seconds=1 / per_second) if per_second else timedelta(0)
        wait: list[Hold] = [
            (row.id, start + interval * i) for i, row in enumerate(group[len(slots) :])
        ]
        if wait:
            metrics.RATE_LIMITED.inc(len(wait))
        await session.flush()
        return go, wait

    # -- sending and recording -------------------------------------------------------------

    async def _send(self, plan: Planned, trigger: str) -> None:
        endpoint_id = plan.row.endpoint_id
        turn = self._endpoint_slot(endpoint_id)
        try:
            try:
                async with asyncio.timeout(TURN_WAIT_SECONDS):
                    await turn.acquire()
            except TimeoutError:
                # The endpoint is slow: give the delivery back, untried, rather than hold it.
                self._given_back.append((plan.row.id, utc_now() + self._busy_delay))
                self._kick_writer()
                return
            try:
                if plan.send_at is not None and not await self._pace(plan):
                    metrics.RATE_LIMITED.inc()
                    self._given_back.append((plan.row.id, utc_now()))
                    self._kick_writer()
                    return
                outcome = await try_delivery(self.ctx, plan.row)
            finally:
                turn.release()
        except asyncio.CancelledError:
            self._slots.release()
            raise
        except Exception as exc:  # a bug here must not strand the slot
            log.exception("try_failed", delivery_id=plan.row.id)
            outcome = Outcome(
                status_code=None,
                response_body="",
                duration_ms=0,
                error_kind="other",
                error_detail=f"{type(exc).__name__}: {exc}"[:500],
            )
        finally:
            self._endpoint_done(endpoint_id)
        metrics.observe(outcome)
        self._results.append(Result(plan.row, outcome, plan.probe, trigger))
        self._kick_writer()

    def _endpoint_slot(self, endpoint_id: str) -> asyncio.Semaphore:
        """At most MAX_IN_FLIGHT_PER_ENDPOINT tries of one endpoint at once in this process."""
        slot = self._endpoint_slots.get(endpoint_id)
        if slot is None:
            slot = self._endpoint_slots[endpoint_id] = asyncio.Semaphore(
                self.ctx.settings.max_in_flight_per_endpoint
            )
        return slot

    async def _pace(self, plan: Planned) -> bool:
        """Wait for the reserved slot; False if the loop woke too late to use it.

        A try that would leave more than half an interval after its slot gives the slot up
        (the delivery goes back to the database, untried): sent late, it would crowd the next
        slots, which another worker may be sending on time.
        """
        assert plan.send_at is not None
        delay = (plan.send_at - utc_now()).total_seconds()
        if delay > 0:
            await asyncio.sleep(delay)
        per_second = plan.row.rate_limit_per_second
        if not per_second:
            return True
        late_seconds = (utc_now() - plan.send_at).total_seconds()
        return late_seconds <= 0.5 / per_second

    def _kick_writer(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop())

    async def _write_loop(self) -> None:
        while self._results or self._given_back:
            await asyncio.sleep(WRITE_GATHER_SECONDS)
            batch, self._results = self._results, []
            given_back, self._given_back = self._given_back, []
            try:
                await self._write(batch, given_back)
            finally:
                for _ in range(len(batch) + len(given_back)):
                    self._slots.release()

    async def _write(self, batch: list[Result], given_back: list[Hold]) -> None:
        try:
            await _retrying(
                lambda: record_results(self.ctx, batch, holds=given_back),
                for_seconds=WRITE_RETRY_SECONDS,
                event="record_failed_retrying",
                results=len(batch),
            )
        except Exception as exc:
            log.exception("record_failed_giving_up", results=len(batch))
            self._unstored = exc

    def _endpoint_done(self, endpoint_id: str) -> None:
        self._in_flight[endpoint_id] -= 1
        if self._in_flight[endpoint_id] <= 0:
            del self._in_flight[endpoint_id]
            self._endpoint_slots.pop(endpoint_id, None)


def _park(group: Sequence[ClaimedDelivery]) -> list[Hold]:
    return [(row.id, None) for row in group]


async def _retrying(
    attempt: Callable[[], Awaitable[T]], *, for_seconds: float, event: str, **fields: object
) -> T:
    """``attempt()``, tried again after 0.2 s, 0.4 s, … (3 s at most) while it raises, for
    ``for_seconds``; then its error is raised. Each failure is logged as ``event``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + for_seconds
    delay = 0.2
    while True:
        try:
            return await attempt()
        except Exception:
            if loop.time() > deadline:
                raise
            log.warning(event, exc_info=True, **fields)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 3.0)

"""Storing outcomes: attempts, each delivery's next state, the endpoint's health, events.

One transaction per batch of outcomes (from many tasks): the endpoints are row-locked in id order,
their breaker, slow-down and failing-since folded over the outcomes in order, then attempts are
inserted and deliveries updated in bulk. Operational events are published in the same unit of
work, so they exist exactly when the state that caused them does.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import Settings
from app.deliveries import ordering, planning, repository
from app.deliveries.repository import AttemptRow, ClaimedDelivery, DeliveryChange
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.kit.jobs import enqueue
from app.kit.uow import unit_of_work
from app.models import Endpoint
from app.models.delivery import FAILED, MANUAL, PENDING, SUCCEEDED
from app.ops import service as ops
from workers.contracts import SendDeliveries
from workers.delivery import DeliveryContext, Outcome
from workers.policy import (
    CLOSED,
    GONE,
    RETRY_AFTER_STATUSES,
    SLOWDOWN_STATUSES,
    Circuit,
    CircuitConfig,
    bounded_retry_after,
    parse_retry_after,
    retry_delay_seconds,
    says_nothing_of_health,
    should_auto_disable,
)

log = structlog.get_logger(__name__)

# Kinds that say nothing about the receiver's health. A failing transformation is the customer's
# expression meeting a payload, decided before any request: it must not open the circuit of (or
# auto-disable) a receiver that is healthy, and hold back the endpoint's other deliveries.
_NOT_ENDPOINT_HEALTH = frozenset({"payload_purged", "transformation"})


@dataclass(frozen=True, slots=True)
class Result:
    """One finished try, as the dispatcher hands it over."""

    row: ClaimedDelivery
    outcome: Outcome
    probe: bool
    trigger: str


class _Recorder:
    def __init__(self, settings: Settings, now: datetime, operator_id: str | None) -> None:
        self.settings = settings
        self.now = now
        self.operator_id = operator_id
        self.circuit_config = CircuitConfig(
            failure_threshold=settings.circuit_failure_threshold,
            cooldown_seconds=settings.circuit_cooldown_seconds,
            max_cooldown_seconds=settings.circuit_max_cooldown_seconds,
        )
        self.attempts: list[AttemptRow] = []
        self.changes: list[DeliveryChange] = []
        self.resume: set[str] = set()
        # Ordered endpoints' finished deliveries: those whose key moves on, those that hold it.
        self.key_done: list[str] = []
        self.key_held: list[str] = []
        self.events: list[tuple[str, dict[str, Any]]] = []

    def event(self, tenant_id: str, event_type: str, payload: dict[str, Any]) -> None:
        if tenant_id != self.operator_id:
            self.events.append((event_type, payload))

    def fold_endpoint(self, endpoint: Endpoint, results: list[Result]) -> None:
        """Apply the outcomes, in order, to the endpoint's breaker, pauses and health."""
        circuit = Circuit.of(endpoint)
        was_open = circuit.state != CLOSED
        for result in results:
            outcome = result.outcome
            if outcome.error_kind in _NOT_ENDPOINT_HEALTH:
                continue
            self._slow_down(endpoint, outcome)
            if says_nothing_of_health(outcome.status_code):
                continue
            circuit = circuit.after(
                succeeded=outcome.succeeded,
                probe=result.probe,
                now=self.now,
                config=self.circuit_config,
            )
            if outcome.succeeded:
                endpoint.failing_since = None
                endpoint.last_success_at = self.now
            elif endpoint.failing_since is None:
                endpoint.failing_since = self.now
            if outcome.status_code == GONE:
                self._disable(endpoint, "the endpoint answered 410 Gone")
        if not endpoint.disabled and should_auto_disable(
            endpoint.failing_since, self.now, self.settings.disable_after_hours
        ):
            since = endpoint.failing_since.isoformat() if endpoint.failing_since else ""
            self._disable(endpoint, f"failing without a success since {since}")
        endpoint.circuit_state = circuit.state
        endpoint.circuit_failures = circuit.failures
        endpoint.circuit_cooldown_seconds = circuit.cooldown_seconds
        endpoint.circuit_next_probe_at = circuit.next_probe_at
        if was_open and circuit.state == CLOSED:
            self.resume.add(endpoint.id)
            self.event(endpoint.tenant_id, ops.ENDPOINT_RECOVERED, _endpoint_data(endpoint))

    def _slow_down(self, endpoint: Endpoint, outcome: Outcome) -> None:
        if outcome.status_code not in SLOWDOWN_STATUSES:
            return
        retry_after = parse_retry_after(outcome.retry_after, self.now)
        pause = (
            bounded_retry_after(retry_after, self.settings.retry_after_max_seconds)
            if retry_after is not None
            else self.settings.slowdown_seconds
        )
        until = self.now + timedelta(seconds=pause)
        if endpoint.send_after is None or endpoint.send_after < until:
            endpoint.send_after = until

    def _disable(self, endpoint: Endpoint, reason: str) -> None:
        if endpoint.disabled:
            return
        endpoint.disabled = True
        endpoint.disabled_reason = reason
        log.warning("endpoint_disabled", endpoint_id=endpoint.id, reason=reason)
        self.event(endpoint.tenant_id, ops.ENDPOINT_DISABLED, _endpoint_data(endpoint))

    def delivery(self, result: Result, endpoint: Endpoint) -> None:
        """The attempt row and the delivery's next state."""
        row, outcome = result.row, result.outcome
        tries = row.attempt_count + 1
        status, next_at = self._next_state(row, outcome, endpoint, tries)
        self.attempts.append(_attempt_row(result, tries, self.now))
        self.changes.append(
            DeliveryChange(
                delivery_id=row.id,
                sent_lease=row.lease_until,
                new_status=status,
                tries=tries,
                next_try_at=next_at,
                tried_at=self.now,
            )
        )
        if endpoint.ordered and status != PENDING:
            failed_hold = status == FAILED and endpoint.ordering_failure_policy == ordering.HOLD
            (self.key_held if failed_hold else self.key_done).append(row.id)
        if status == SUCCEEDED:
            return
        fields = {
            "message_id": row.message_id,
            "endpoint_id": row.endpoint_id,
            "delivery_id": row.id,
            "attempt": tries,
            "status_code": outcome.status_code,
            "error_kind": outcome.error_kind,
            "duration_ms": outcome.duration_ms,
        }
        if status == FAILED:
            log.warning("delivery_failed", **fields)
            self.event(row.tenant_id, ops.ATTEMPT_EXHAUSTED, _delivery_data(row, outcome, tries))
        elif status == PENDING:
            log.info("delivery_retry_scheduled", next_attempt_at=next_at, **fields)
            if tries == self.settings.failing_event_after_tries:
                self.event(row.tenant_id, ops.ATTEMPT_FAILING, _delivery_data(row, outcome, tries))

    def _next_state(
        self, row: ClaimedDelivery, outcome: Outcome, endpoint: Endpoint, tries: int
    ) -> tuple[str, datetime | None]:
        if outcome.succeeded:
            return SUCCEEDED, None
        if outcome.error_kind == "payload_purged" or row.trigger == MANUAL:
            return FAILED, None
        retry_after = parse_retry_after(outcome.retry_after, self.now)
        delay = retry_delay_seconds(
            self.settings.retry_schedule,
            tries,
            jitter=self.settings.retry_jitter,
            retry_after=retry_after if outcome.status_code in RETRY_AFTER_STATUSES else None,
            retry_after_max=self.settings.retry_after_max_seconds,
        )
        if delay is None:
            return FAILED, None
        if endpoint.disabled:
            return PENDING, None  # parked until the endpoint is enabled again
        return PENDING, self.now + timedelta(seconds=delay)


def _attempt_row(result: Result, tries: int, now: datetime) -> AttemptRow:
    row, outcome = result.row, result.outcome
    return AttemptRow(
        id=new_id("att"),
        tenant_id=row.tenant_id,
        delivery_id=row.id,
        message_id=row.message_id,
        endpoint_id=row.endpoint_id,
        attempt_number=tries,
        status=SUCCEEDED if outcome.succeeded else FAILED,
        status_code=outcome.status_code,
        request_headers=outcome.request_headers,
        response_headers=outcome.response_headers
        and {name: _storable(value) for name, value in outcome.response_headers.items()},
        response_body=_storable(outcome.response_body),
        request_body=outcome.request_body,
        duration_ms=outcome.duration_ms,
        error_kind=outcome.error_kind,
        error_detail=outcome.error_detail and _storable(outcome.error_detail),
        trigger=MANUAL if MANUAL in (row.trigger, result.trigger) else result.trigger,
        created_at=now,
    )


def _storable(text: str) -> str:
    """What the receiver sent, as a database text takes it: PostgreSQL refuses NUL, so it becomes
    U+FFFD (as undecodable bytes do). One such answer would otherwise fail its whole batch, whose
    deliveries would then go out again when their leases ran out, over and over."""
    return text.replace("\x00", "\ufffd")


def _endpoint_data(endpoint: Endpoint) -> dict[str, Any]:
    return {
        "endpoint_id": endpoint.id,
        "tenant_id": endpoint.tenant_id,
        "url": endpoint.url,
        "disabled": endpoint.disabled,
        "disabled_reason": endpoint.disabled_reason,
    }


def _delivery_data(row: ClaimedDelivery, outcome: Outcome, tries: int) -> dict[str, Any]:
    return {
        "message_id": row.message_id,
        "endpoint_id": row.endpoint_id,
        "tenant_id": row.tenant_id,
        "delivery_id": row.id,
        "attempt_count": tries,
        "last_status_code": outcome.status_code,
        "last_error_kind": outcome.error_kind,
    }


async def _apply(session: AsyncSession, results: list[Result], settings: Settings) -> None:
    now = utc_now()
    by_endpoint: dict[str, list[Result]] = defaultdict(list)
    for result in sorted(results, key=lambda r: r.row.id):
        by_endpoint[result.row.endpoint_id].append(result)
    endpoints = await repository.lock_endpoints(session, list(by_endpoint))
    operator = await ops.operator_tenant(session)
    recorder = _Recorder(settings, now, operator.id if operator else None)
    for endpoint_id, group in by_endpoint.items():
        endpoint = endpoints.get(endpoint_id)
        if endpoint is None:
            log.info("endpoint_deleted_during_send", endpoint_id=endpoint_id, results=len(group))
            continue
        recorder.fold_endpoint(endpoint, group)
        for result in group:
            recorder.delivery(result, endpoint)
    await session.flush()
    await repository.record(session, recorder.attempts, recorder.changes)
    if recorder.key_done or recorder.key_held:
        heads = await ordering.after_results(
            session, done=recorder.key_done, held=recorder.key_held, now=now
        )
        per_task = settings.deliveries_per_task
        for start in range(0, len(heads), per_task):
            enqueue(session, SendDeliveries(delivery_ids=heads[start : start + per_task]))
    for endpoint_id in recorder.resume:
        await planning.resume_parked(session, endpoint_id, now=now)
    if operator is not None:
        for event_type, payload in recorder.events:
            await ops.emit(session, operator, event_type, payload)


async def record_results(
    ctx: DeliveryContext,
    results: list[Result],
    *,
    holds: Sequence[tuple[str, datetime | None]] = (),
) -> None:
    """Store a batch of finished tries, and give back untried ``holds``, in one unit of work
    (the tasks of operational events are enqueued after its commit)."""
    async with unit_of_work(ctx.sessions, ctx.jobs) as session:
        await repository.hold(session, holds)
        if results:
            await _apply(session, results, ctx.settings)

"""Delivery policy as pure functions: retry timing, the circuit breaker, the rate-limit slots.

Nothing here does I/O or reads the clock; the dispatcher passes ``now`` in and stores the results.

Circuit breaker, per endpoint:

    closed ──(CIRCUIT_FAILURE_THRESHOLD consecutive failed tries)──▶ open
    open ──(cool-down over: the next due delivery is sent as the one probe)──▶ half_open
    half_open ──probe succeeds──▶ closed          (the parked backlog resumes)
    half_open ──probe fails──▶ open, cool-down doubled (up to CIRCUIT_MAX_COOLDOWN_SECONDS)

Any success closes the circuit. While it is open, deliveries wait (parked) without spending tries.
A half-open circuit whose probe never reports (worker died) may probe again after the probe window.
A 429 is neither: the receiver is up and asks to slow down (``says_nothing_of_health``).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Literal, Protocol

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half_open"
RETRY_AFTER_STATUSES = frozenset({429, 503})
SLOWDOWN_STATUSES = frozenset({429, 502, 503, 504})
TOO_MANY_REQUESTS = 429
GONE = 410


def is_success(status_code: int | None) -> bool:
    return status_code is not None and 200 <= status_code < 300


def says_nothing_of_health(status_code: int | None) -> bool:
    """A 429 is the receiver asking to slow down, not a failing endpoint: it pauses the endpoint
    (``send_after``) but neither counts towards opening its circuit nor starts ``failing_since``
    (a receiver that only rate-limits must not be auto-disabled)."""
    return status_code == TOO_MANY_REQUESTS


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds from ``now`` that a ``Retry-After`` header asks for (delta-seconds or HTTP-date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def bounded_retry_after(retry_after: float, maximum: float) -> float:
    """A receiver's Retry-After, kept between one second and ``maximum``."""
    return min(max(retry_after, 1.0), maximum)


def retry_delay_seconds(
    schedule: Sequence[int],
    tries_made: int,
    *,
    jitter: float = 0.0,
    rng: random.Random | None = None,
    retry_after: float | None = None,
    retry_after_max: float = 3600.0,
) -> float | None:
    """Seconds until the next try after ``tries_made`` tries, or None when the tries are used up.

    ``schedule[i]`` is the wait after try ``i + 1``; with ``jitter`` 0.2 each wait is drawn from
    ±20 % around it so that a burst of failures does not retry in lock-step.

    A ``retry_after`` (from a 429 or 503, bounded by ``bounded_retry_after``) can only lengthen
    the wait, never shorten it: the try is spent, so a receiver answering ``Retry-After: 1``
    would otherwise use up every try within seconds, and one answering it forever would never
    let the delivery come to an end. The endpoint itself pauses for the Retry-After (recording's
    slow-down), so its other deliveries wait too and spend nothing.
    """
    if tries_made < 1 or tries_made > len(schedule):
        return None
    delay = float(schedule[tries_made - 1])
    if jitter:
        delay *= (rng or random).uniform(1 - jitter, 1 + jitter)
    if retry_after is not None:
        delay = max(delay, bounded_retry_after(retry_after, retry_after_max))
    return delay


@dataclass(frozen=True)
class CircuitConfig:
    failure_threshold: int = 5
    cooldown_seconds: float = 30.0
    max_cooldown_seconds: float = 3600.0


class CircuitColumns(Protocol):
    """Where a breaker is kept: the endpoint's row, or a claim's copy of its columns."""

    @property
    def circuit_state(self) -> str: ...
    @property
    def circuit_failures(self) -> int: ...
    @property
    def circuit_cooldown_seconds(self) -> float: ...
    @property
    def circuit_next_probe_at(self) -> datetime | None: ...


@dataclass(frozen=True)
class Circuit:
    """One endpoint's breaker: state, consecutive failures, current cool-down, next probe time."""

    state: str = CLOSED
    failures: int = 0
    cooldown_seconds: float = 0.0
    next_probe_at: datetime | None = None

    @classmethod
    def of(cls, columns: CircuitColumns) -> Circuit:
        """The breaker as stored in an endpoint's columns."""
        return cls(
            columns.circuit_state,
            columns.circuit_failures,
            columns.circuit_cooldown_seconds,
            columns.circuit_next_probe_at,
        )

    def admit(self, now: datetime) -> Literal["send", "probe", "wait"]:
        if self.state == CLOSED:
            return "send"
        if self.next_probe_at is None or now >= self.next_probe_at:
            return "probe"
        return "wait"

    def probing(self, now: datetime, window_seconds: float) -> Circuit:
        """Half-open while the one probe is out; after ``window_seconds`` another may go."""
        return replace(self, state=HALF_OPEN, next_probe_at=now + timedelta(seconds=window_seconds))

    def after(
        self, *, succeeded: bool, probe: bool, now: datetime, config: CircuitConfig
    ) -> Circuit:
        """The breaker after one try's outcome (``probe``: the try was the half-open probe)."""
        if succeeded:
            return Circuit()
        failures = self.failures + 1
        if self.state == CLOSED:
            if failures < config.failure_threshold:
                return replace(self, failures=failures)
            return self._open(config.cooldown_seconds, now, failures)
        if probe:
            cooldown = min(self.cooldown_seconds * 2, config.max_cooldown_seconds)
            return self._open(max(cooldown, config.cooldown_seconds), now, failures)
        # A try that left before the circuit opened: it tells nothing new.
        return replace(self, failures=failures)

    @staticmethod
    def _open(cooldown: float, now: datetime, failures: int) -> Circuit:
        return Circuit(OPEN, failures, cooldown, now + timedelta(seconds=cooldown))


def reserve_slots(
    *,
    send_after: datetime | None,
    now: datetime,
    wanted: int,
    per_second: int | None,
    horizon_seconds: float,
) -> tuple[list[datetime], datetime | None]:
    """Send times for up to ``wanted`` deliveries, and the endpoint's new ``send_after``.

    GCRA: sends are spaced ``1 / per_second`` apart starting at ``max(send_after, now)``; only
    slots within ``horizon_seconds`` are handed out (the caller waits for them), the rest of the
    deliveries wait in the database. Without a rate limit, every delivery may go at
    ``max(send_after, now)`` if that is within the horizon.
    """
    start = max(send_after or now, now)
    horizon = now + timedelta(seconds=horizon_seconds)
    if start > horizon:
        return [], send_after
    if not per_second:
        return [start] * wanted, send_after
    interval = timedelta(seconds=1 / per_second)
    slots: list[datetime] = []
    slot = start
    while len(slots) < wanted and slot <= horizon:
        slots.append(slot)
        slot += interval
    return slots, slot


def should_auto_disable(failing_since: datetime | None, now: datetime, after_hours: float) -> bool:
    return failing_since is not None and now - failing_since >= timedelta(hours=after_hours)

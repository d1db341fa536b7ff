"""Prometheus metrics of the delivery pipeline (per process; the API adds database gauges)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from prometheus_client import Counter, Histogram

if TYPE_CHECKING:
    from workers.delivery import Outcome

ATTEMPTS = Counter(
    "hookrelay_attempts_total",
    "HTTP tries by outcome (succeeded, or the error kind of a failure)",
    ["outcome"],
)
ATTEMPT_SECONDS = Histogram(
    "hookrelay_attempt_duration_seconds",
    "Duration of one HTTP try",
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30),
)
RATE_LIMITED = Counter(
    "hookrelay_rate_limit_waits_total",
    "Deliveries held back by an endpoint's rate limit or slow-down pause",
)
CIRCUIT_HELD = Counter(
    "hookrelay_circuit_held_total", "Deliveries parked because their endpoint's circuit is open"
)

RETENTION_PURGED = Counter(
    "hookrelay_retention_purged_rows_total",
    "Rows removed by retention (the scheduler's), by kind",
    ["kind"],
)


def observe(outcome: Outcome) -> None:
    ATTEMPTS.labels("succeeded" if outcome.succeeded else (outcome.error_kind or "other")).inc()
    ATTEMPT_SECONDS.observe(outcome.duration_ms / 1000)

"""``/metrics`` (Prometheus): database-derived gauges, read at scrape time, plus this process's
counters. In the embedded shape the worker's counters (workers.metrics) live in this process too;
a separate worker serves its own on ``HOOKRELAY_METRICS_PORT``."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest

from app.health import repository as health
from app.kit.clock import utc_now

PUBLISHED = Counter("hookrelay_messages_published_total", "Messages accepted by the publish API")
BACKLOG = Gauge(
    "hookrelay_backlog_deliveries", "Pending deliveries that are due now but not yet tried"
)
BACKLOG_AGE = Gauge(
    "hookrelay_backlog_oldest_age_seconds", "How long the oldest due, untried delivery has waited"
)
PARKED = Gauge(
    "hookrelay_parked_deliveries", "Deliveries waiting for a disabled endpoint or an open circuit"
)
CIRCUITS = Gauge("hookrelay_endpoint_circuits", "Endpoints by circuit state", ["state"])


async def refresh(state: State) -> None:
    now = utc_now()
    async with state.sessions() as session:
        found = await health.backlog(session, now=now)
    BACKLOG.set(found.due)
    oldest = found.oldest_due_at
    BACKLOG_AGE.set(0 if oldest is None else max((now - oldest).total_seconds(), 0))
    PARKED.set(found.parked)
    for circuit_state in ("closed", "open", "half_open"):
        CIRCUITS.labels(circuit_state).set(found.circuits.get(circuit_state, 0))


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get("/", media_type=CONTENT_TYPE_LATEST)
    async def metrics(self, state: State) -> Response[bytes]:
        """Prometheus metrics."""
        await refresh(state)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""``/metrics`` (Prometheus): database-derived gauges, read at scrape time, plus this process's
counters. In the embedded shape the worker's counters (workers.metrics) live in this process too;
a separate worker serves its own on ``HOOKRELAY_METRICS_PORT``."""

from __future__ import annotations

from litestar import Controller, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest
from sqlalchemy import func, select

from app.kit.clock import utc_now
from app.models import Delivery, Endpoint

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
INBOUND_EVENTS = Counter(
    "hookrelay_inbound_events_total",
    "Inbound events stored, by source and outcome (accepted, duplicate)",
    ["source", "outcome"],
)
INBOUND_REJECTED = Counter(
    "hookrelay_inbound_rejected_total",
    "Requests to ingest URLs refused, by source (unknown: no such URL) and cause",
    ["source", "cause"],
)
CIRCUITS = Gauge("hookrelay_endpoint_circuits", "Endpoints by circuit state", ["state"])


async def refresh(state: State) -> None:
    now = utc_now()
    async with state.sessions() as session:
        due, oldest = (
            await session.execute(
                select(func.count(), func.min(Delivery.next_attempt_at)).where(
                    Delivery.status == "pending", Delivery.next_attempt_at <= now
                )
            )
        ).one()
        parked = await session.scalar(
            select(func.count()).where(
                Delivery.status == "pending", Delivery.next_attempt_at.is_(None)
            )
        )
        rows = await session.execute(
            select(Endpoint.circuit_state, func.count()).group_by(Endpoint.circuit_state)
        )
        circuits = {circuit_state: count for circuit_state, count in rows}
    BACKLOG.set(due)
    BACKLOG_AGE.set(0 if oldest is None else max((now - oldest).total_seconds(), 0))
    PARKED.set(parked or 0)
    for circuit_state in ("closed", "open", "half_open"):
        CIRCUITS.labels(circuit_state).set(circuits.get(circuit_state, 0))


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get("/", media_type=CONTENT_TYPE_LATEST)
    async def metrics(self, state: State) -> Response[bytes]:
        """Prometheus metrics."""
        await refresh(state)
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

"""``/metrics`` (Prometheus): database-derived gauges, plus this process's counters. In the
embedded shape the worker's counters (workers.metrics) live in this process too; a separate worker
serves its own on ``HOOKRELAY_METRICS_PORT``.

The gauges are aggregate queries: they are read at most once per ``GAUGES_CACHE_SECONDS`` per
process, however often the route is called, and ``HOOKRELAY_METRICS_TOKEN`` (when set) makes the
route answer only ``Authorization: Bearer <token>``."""

from __future__ import annotations

import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from litestar import Controller, Request, Response, get
from litestar.datastructures import State
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, generate_latest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.errors import Unauthorized
from app.health import repository as health
from app.kit.clock import utc_now
from app.kit.ids import id_time
from app.retention import repository as retention

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
HELD_KEYS = Gauge(
    "hookrelay_ordering_held_keys",
    "Ordering keys of ordered endpoints held behind a head that exhausted its tries",
)
CIRCUITS = Gauge("hookrelay_endpoint_circuits", "Endpoints by circuit state", ["state"])
RETENTION_OLDEST_AGE = Gauge(
    "hookrelay_retention_oldest_age_seconds",
    "Age of the oldest retained row, by kind (0: none): what retention keeps, at a glance",
    ["kind"],
)
GAUGES_CACHE_SECONDS = 2.0


async def refresh(sessions: async_sessionmaker[AsyncSession]) -> bool:
    """Read the database-derived gauges (``True``, so that ``Throttled`` keeps the result)."""
    now = utc_now()
    async with sessions() as session:
        found = await health.backlog(session, now=now)
        oldest_ids = await retention.oldest_ids(session)
    BACKLOG.set(found.due)
    oldest = found.oldest_due_at
    BACKLOG_AGE.set(0 if oldest is None else max((now - oldest).total_seconds(), 0))
    PARKED.set(found.parked)
    HELD_KEYS.set(found.held_keys)
    for circuit_state in ("closed", "open", "half_open"):
        CIRCUITS.labels(circuit_state).set(found.circuits.get(circuit_state, 0))
    for kind, oldest_id in oldest_ids.items():
        age = 0.0 if oldest_id is None else (now - id_time(oldest_id)).total_seconds()
        RETENTION_OLDEST_AGE.labels(kind).set(max(age, 0.0))
    return True


def token_accepted(token: str, authorization: str | None) -> bool:
    """Whether a request's ``Authorization`` header passes ``METRICS_TOKEN`` (always, when unset)."""
    if not token:
        return True
    return hmac.compare_digest((authorization or "").encode(), f"Bearer {token}".encode())


def serve_process_metrics(port: int, host: str, token: str) -> ThreadingHTTPServer:
    """A worker's or scheduler's own counters on ``port``, in a daemon thread, behind the same
    ``METRICS_TOKEN`` as the API's ``/metrics``: 401 without it, so no port is left open."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if not token_accepted(token, self.headers.get("authorization")):
                body, status, kind = b'{"code":"metrics_token_required"}', 401, "application/json"
            else:
                body, status, kind = generate_latest(), 200, CONTENT_TYPE_LATEST
            self.send_response(status)
            self.send_header("content-type", kind)
            self.send_header("content-length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            """Scrapes are not worth a log line each."""

    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    return server


class MetricsController(Controller):
    path = "/metrics"
    include_in_schema = False

    @get("/", media_type=CONTENT_TYPE_LATEST)
    async def metrics(
        self, request: Request[object, object, State], state: State
    ) -> Response[bytes]:
        """Prometheus metrics."""
        if not token_accepted(state.settings.metrics_token, request.headers.get("authorization")):
            raise Unauthorized("/metrics needs the metrics token", code="metrics_token_required")
        await state.metrics_gauges.get()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

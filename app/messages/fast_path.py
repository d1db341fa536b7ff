"""The single publish, ``POST /api/v1/tenants/{tenant}/messages``, on the fast path (PostgreSQL).

``app.kit.fast_path`` runs this before Litestar's routing; ``app.kit.group_commit`` writes it
together with the publishes that arrive meanwhile: one statement and one COMMIT for the group.
It answers only a publish that it handles whole, from what this process holds in memory; all
else falls through to ``MessageController.publish``, whose answer is then the only one:

- the credential: an admin API key only (the Authenticator's cache); a portal token, a missing
  or bad credential, falls through to the guard (guarantee 10: a portal token cannot publish);
- the body: the route's strict decoding (``StrictBodies``), NUL refused outside the payload, the
  payload size limit, the event type's archived flag and JSON Schema: any refusal falls through;
- a publish with an ``ordering_key`` falls through: the normal route places it in its key's
  sequence (``app.deliveries.ordering``);
- the tenant, the event type's rules and the tenant's subscriptions must be cached (the normal
  route fills the caches), and no rate-limited endpoint may match (their deliveries are planned
  along the endpoint's line, which takes a read);
- the statement inserts a message only while the tenant's ``endpoints_version`` is still the
  one its deliveries were planned from, and only if its ``event_id`` is free: a message left out
  falls through after the commit (a replay of ``event_id``, or deliveries to plan afresh);
- a group whose statement failed is rolled back and its publishes fall through, one by one; a
  group whose COMMIT failed answers 503 ``unavailable`` (nothing acknowledged, the client
  retries).

The 202 is sent after the COMMIT holding the message; the deliveries' tasks are handed to the
job queue after that COMMIT (enqueue after commit; a lost send is the scheduler's to find).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import psycopg
from sqlalchemy.engine import make_url

from app.auth.service import Authenticator
from app.deliveries.repository import new_delivery_row
from app.endpoints import cache as endpoints
from app.endpoints.cache import Subscriptions
from app.errors import AppError, problem_of
from app.event_types import service as event_types
from app.kit.bad_characters import nul_in, nul_in_request
from app.kit.clock import utc_now
from app.kit.fast_path import Fast, FastRoute
from app.kit.group_commit import CommitFailed, Connect, GroupCommit, GroupFailed
from app.kit.ids import new_id
from app.kit.jobs import JobQueue
from app.messages.schemas import MessageCreate
from app.metrics import PUBLISHED
from app.models import Message
from app.tenants import service as tenants
from workers.contracts import SendDeliveries, Task

PATH = re.compile(r"^/api/v1/tenants/(?P<tenant>[^/]+)/messages$")

_DECODER = msgspec.json.Decoder(MessageCreate, strict=True)
_ENCODER = msgspec.json.Encoder()

# One statement for a whole group of publishes, any tenants (as ``repository._PUBLISH_PG`` for
# one). ``current`` keeps the messages whose tenant's endpoints_version is the one their
# deliveries were planned with; ``new`` those of them whose event_id is free.
# The deliveries planned for a group, from the ``%(deliveries)s`` JSON array, read as ``r``.
DELIVERIES_FROM_JSON = """INSERT INTO deliveries (id, tenant_id, message_id, endpoint_id, status,
        attempt_count, next_attempt_at, enqueued_at, created_at, updated_at, trigger)
    SELECT r.id, r.tenant_id, r.message_id, r.endpoint_id, r.status, r.attempt_count,
        r.next_attempt_at, r.enqueued_at, r.created_at, r.updated_at, r.trigger
    FROM json_to_recordset(CAST(%(deliveries)s AS json)) AS r(id varchar, tenant_id varchar,
        message_id varchar, endpoint_id varchar, status varchar, attempt_count integer,
        next_attempt_at timestamptz, enqueued_at timestamptz, created_at timestamptz,
        updated_at timestamptz, trigger varchar)"""

_PUBLISH_GROUP = f"""
WITH input AS (
    SELECT r.* FROM json_to_recordset(CAST(%(messages)s AS json)) AS r(
        id varchar, tenant_id varchar, event_type varchar, event_id varchar, channels json,
        created_at timestamptz, planned_version integer, body text)
), current AS (
    SELECT input.* FROM input JOIN tenants ON tenants.id = input.tenant_id
    WHERE tenants.endpoints_version = input.planned_version
), new AS (
    INSERT INTO messages (id, tenant_id, event_type, event_id, channels, created_at)
    SELECT id, tenant_id, event_type, event_id, channels, created_at FROM current
    ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING id
), payloads AS (
    INSERT INTO message_payloads (message_id, body)
    SELECT current.id, convert_to(current.body, 'UTF8') FROM current JOIN new USING (id)
), channels AS (
    INSERT INTO message_channels (tenant_id, channel, message_id)
    SELECT r.tenant_id, r.channel, r.message_id
    FROM json_to_recordset(CAST(%(channels)s AS json))
        AS r(tenant_id varchar, channel varchar, message_id varchar)
    JOIN new ON new.id = r.message_id
), deliveries AS (
    {DELIVERIES_FROM_JSON}
    JOIN new ON new.id = r.message_id
)
SELECT id FROM new
"""


class _MessageOut(msgspec.Struct):
    """``MessageOut``, field for field, with the payload as the bytes already encoded."""

    id: str
    tenant_id: str
    event_type: str
    event_id: str | None
    channels: list[str] | None
    payload: msgspec.Raw
    created_at: datetime
    ordering_key: None = None  # a publish with a key takes the normal route (its key's sequence)


@dataclass(slots=True)
class Publish:
    """One publish handed to the group: its rows, planned with ``planned_version``."""

    message: dict[str, Any]
    deliveries: list[dict[str, Any]]
    channels: list[dict[str, str]]


async def write_group(
    connection: psycopg.AsyncConnection[object], group: Sequence[Publish]
) -> list[bool]:
    """Insert a group of publishes in one statement; for each, whether it was inserted."""
    params = {
        "messages": _ENCODER.encode([p.message for p in group]).decode(),
        "channels": _ENCODER.encode([c for p in group for c in p.channels]).decode(),
        "deliveries": _ENCODER.encode([d for p in group for d in p.deliveries]).decode(),
    }
    cursor = await connection.execute(_PUBLISH_GROUP, params)
    inserted = {row[0] for row in await cursor.fetchall()}  # type: ignore[index]
    return [p.message["id"] in inserted for p in group]


class PublishFastPath:
    """The route handler of the module docstring, with its group-commit writer."""

    def __init__(
        self,
        *,
        database_url: str,
        auth: Authenticator,
        jobs: JobQueue,
        max_payload_bytes: int,
        deliveries_per_task: int,
        writers: int = 1,
    ) -> None:
        self._auth = auth
        self._jobs = jobs
        self._max_payload_bytes = max_payload_bytes
        self._deliveries_per_task = deliveries_per_task
        self.writer: GroupCommit[Publish, bool] = GroupCommit(
            connector(database_url), write_group, writers=writers
        )

    def route(self) -> FastRoute:
        # A body past the payload limit plus its envelope is the normal route's 413.
        return FastRoute("POST", PATH, self.handle, self._max_payload_bytes + 64 * 1024)

    async def handle(self, scope: Any, match: re.Match[str], body: bytes) -> Fast | None:
        planned = await self._plan(scope, match["tenant"], body)
        if planned is None:
            return None
        publish, answer, delivery_ids = planned
        try:
            created = await self.writer.submit(publish)
        except CommitFailed:
            return unavailable()
        except GroupFailed:
            return None
        if not created:
            return None
        PUBLISHED.inc()
        await self._jobs.send(self._tasks(delivery_ids))
        return Fast(202, answer, _HEADERS)

    async def _plan(
        self, scope: Any, tenant_ref: str, body: bytes
    ) -> tuple[Publish, bytes, list[str]] | None:
        """The publish's rows, its answer and its deliveries' ids; None: fall through."""
        accepted = await self._accepted(scope, tenant_ref, body)
        if accepted is None:
            return None
        tenant_id, data, payload, (version, subscriptions) = accepted
        matched = [
            (endpoint_id, sub)
            for endpoint_id, sub in subscriptions
            if sub.accepts(data.event_type, data.channels, data.payload)
        ]
        if any(sub.rate_limited for _, sub in matched):
            return None  # planned along the endpoint's line by the normal route (a read)
        return _rows(tenant_id, data, payload, version, [endpoint_id for endpoint_id, _ in matched])

    async def _accepted(
        self, scope: Any, tenant_ref: str, body: bytes
    ) -> tuple[str, MessageCreate, bytes, tuple[int, Subscriptions]] | None:
        """The tenant's id, the body, the encoded payload and the cached subscriptions of a
        publish that the normal route would accept; None: anything else."""
        if scope.get("root_path") or not await self._admin(scope):
            return None
        tenant = tenants.cached(tenant_ref)
        data = _decoded(body)
        if tenant is None or data is None or data.ordering_key is not None:
            return None
        payload = _ENCODER.encode(data.payload)
        rules = event_types.cached_rules(data.event_type)
        subscribed = endpoints.cached(tenant.id)
        if len(payload) > self._max_payload_bytes or rules is None or subscribed is None:
            return None
        try:
            rules.check(data.payload)
        except AppError:
            return None
        return tenant.id, data, payload, subscribed

    async def _admin(self, scope: Any) -> bool:
        """Whether the request carries an admin API key, with nothing the edge refuses."""
        authorization = None
        for name, value in scope["headers"]:
            if name == b"authorization":
                authorization = value
            elif name == b"content-type" and not value.startswith(b"application/json"):
                return False
            elif name == b"origin":
                return False  # CORS answers belong to Litestar's middleware
        if authorization is None or nul_in_request(scope) is not None:
            return False
        scheme, _, credential = authorization.decode("latin-1").partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            return False
        principal = await self._auth.authenticate(credential)
        return principal is not None and principal.is_admin

    def _tasks(self, ids: list[str]) -> list[Task]:
        step = self._deliveries_per_task
        return [SendDeliveries(delivery_ids=ids[i : i + step]) for i in range(0, len(ids), step)]

    async def close(self) -> None:
        await self.writer.close()


def _rows(
    tenant_id: str, data: MessageCreate, payload: bytes, version: int, endpoint_ids: list[str]
) -> tuple[Publish, bytes, list[str]]:
    """The publish's rows for the group, its 202 body, and its deliveries' ids."""
    now = utc_now()
    message = Message(
        id=new_id("msg"),
        tenant_id=tenant_id,
        event_type=data.event_type,
        event_id=data.event_id,
        channels=data.channels,
        created_at=now,
    )
    deliveries = [new_delivery_row(message, endpoint_id) for endpoint_id in endpoint_ids]
    row = {
        "id": message.id,
        "tenant_id": tenant_id,
        "event_type": data.event_type,
        "event_id": data.event_id,
        "channels": data.channels,
        "created_at": now,
        "planned_version": version,
        "body": payload.decode(),
    }
    channels = [
        {"tenant_id": tenant_id, "channel": c, "message_id": message.id}
        for c in dict.fromkeys(data.channels or ())
    ]
    answer = _ENCODER.encode(
        _MessageOut(
            message.id,
            tenant_id,
            data.event_type,
            data.event_id,
            data.channels,
            msgspec.Raw(payload),
            now,
        )
    )
    return Publish(row, deliveries, channels), answer, [d["id"] for d in deliveries]


def _decoded(body: bytes) -> MessageCreate | None:
    try:
        data = _DECODER.decode(body)
    except (msgspec.ValidationError, msgspec.DecodeError):
        return None
    return None if nul_in(data) is not None else data


_HEADERS = [
    (b"content-type", b"application/json"),
    (b"hookrelay-idempotent-replay", b"false"),
]


def connector(database_url: str) -> Connect:
    """Opens the group-commit writer's own connection to the database."""
    conninfo = (
        make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    )

    async def connect() -> psycopg.AsyncConnection[object]:
        connection: psycopg.AsyncConnection[object] = await psycopg.AsyncConnection.connect(
            conninfo
        )
        return connection

    return connect


def unavailable() -> Fast:
    """503 ``unavailable`` as ``app.errors`` renders a lost database: the client retries."""
    problem = problem_of(503, "unavailable", "the database is unavailable; retry shortly")
    return Fast(
        503,
        _ENCODER.encode(problem),
        [(b"content-type", b"application/problem+json"), (b"retry-after", b"1")],
    )

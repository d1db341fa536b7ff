"""The ingest URL, ``POST /in/{token}``, on the fast path (PostgreSQL; issue 14's ack latency).

As the single publish (``app.messages.fast_path``): answered before Litestar's routing, written
with the requests that arrive meanwhile in one statement and one COMMIT (``app.kit.group_commit``),
answered 200 only after that COMMIT (persist, then acknowledge: guarantee 9). It takes only a
request it handles whole; all else falls through to ``IngestController.receive``, whose answer is
then the only one, so every refusal keeps its record, its count and its exact body:

- an unknown token, a disabled source, a body over the ingest limit, a handshake, a method other
  than POST, a refused signature, a body of several events (HubSpot's batches): fall through;
- the source comes from ``app.sources.cache`` (its secrets decrypted; filled here on a miss from
  ``repository.by_token_hash``), its destinations from ``app.endpoints.cache``;
- the statement claims the event's dedup key and stores the event only while the source tenant's
  ``endpoints_version`` is the one its deliveries were planned with; an event whose key is held
  (a duplicate) or whose plan is stale stores nothing and falls through after the commit, and
  the normal route records the duplicate or plans afresh;
- a group whose statement failed is rolled back and falls through; one whose COMMIT failed is
  answered 503, so the provider retries.

The deliveries' tasks go to the ingest ``Handoff`` after the COMMIT.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec
import psycopg
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.deliveries.repository import new_delivery_row
from app.endpoints import cache as endpoints
from app.endpoints.cache import Subscriptions
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.fast_path import Fast, FastRoute
from app.kit.group_commit import CommitFailed, GroupCommit, GroupFailed
from app.kit.ids import new_id
from app.kit.jobs import JobQueue
from app.messages.fast_path import DELIVERIES_FROM_JSON, connector, unavailable
from app.metrics import INBOUND_EVENTS
from app.models import Message, Tenant
from app.models.source import ACCEPTED
from app.sources import cache, ingest, providers, repository
from app.sources.cache import CachedSource
from app.sources.providers import InboundRequest, Rejected
from workers.contracts import SendDeliveries

PATH = re.compile(r"^/in/(?P<token>[^/]+)$")
_ENCODER = msgspec.json.Encoder()

_INGEST_GROUP = f"""
WITH input AS (
    SELECT r.* FROM json_to_recordset(CAST(%(events)s AS json)) AS r(
        id varchar, source_id varchar, tenant_id varchar, planned_version integer,
        dedup_key varchar, expires_at timestamptz, created_at timestamptz, event_type varchar,
        method varchar, url text, headers json, content_type varchar, message_id varchar,
        body text, forwarded json)
), current AS (
    SELECT input.* FROM input JOIN tenants ON tenants.id = input.tenant_id
    WHERE tenants.endpoints_version = input.planned_version
), claimed AS (
    INSERT INTO inbound_dedup (source_id, dedup_key, event_id, expires_at)
    SELECT source_id, dedup_key, id, expires_at FROM current WHERE dedup_key IS NOT NULL
    ON CONFLICT (source_id, dedup_key) DO UPDATE
        SET event_id = excluded.event_id, expires_at = excluded.expires_at
        WHERE inbound_dedup.expires_at <= CAST(%(now)s AS timestamptz)
    RETURNING event_id
), accepted AS (
    SELECT current.* FROM current
    WHERE current.dedup_key IS NULL OR current.id IN (SELECT event_id FROM claimed)
), new_events AS (
    INSERT INTO inbound_events (id, source_id, outcome, event_type, dedup_key, message_id,
        method, url, headers, content_type, created_at)
    SELECT id, source_id, 'accepted', event_type, dedup_key, message_id, method, url, headers,
        content_type, created_at
    FROM accepted
), new_messages AS (
    INSERT INTO messages (id, tenant_id, event_type, created_at)
    SELECT message_id, tenant_id, event_type, created_at FROM accepted
), new_payloads AS (
    INSERT INTO message_payloads (message_id, body, headers)
    SELECT message_id, decode(body, 'base64'), forwarded FROM accepted
), new_deliveries AS (
    {DELIVERIES_FROM_JSON}
    JOIN accepted ON accepted.message_id = r.message_id
)
SELECT id FROM accepted
"""


@dataclass(slots=True)
class Ingest:
    """One verified event handed to the group, with its planned deliveries."""

    event: dict[str, Any]
    deliveries: list[dict[str, Any]]


async def write_group(
    connection: psycopg.AsyncConnection[object], group: Sequence[Ingest]
) -> list[bool]:
    """Store a group of events in one statement; for each, whether it was stored. Of events of
    one source with the same dedup key only the first goes in (the statement could not claim
    one key twice); the others fall through and the normal route finds them duplicates."""
    keys: set[tuple[str, str]] = set()
    taken: list[Ingest] = []
    for item in group:
        key = (item.event["source_id"], item.event["dedup_key"])
        if key[1] is None or key not in keys:
            keys.add(key)
            taken.append(item)
    params = {
        "events": _ENCODER.encode([i.event for i in taken]).decode(),
        "deliveries": _ENCODER.encode([d for i in taken for d in i.deliveries]).decode(),
        "now": max(i.event["created_at"] for i in taken),
    }
    cursor = await connection.execute(_INGEST_GROUP, params)
    stored = {row[0] for row in await cursor.fetchall()}  # type: ignore[index]
    return [item.event["id"] in stored for item in group]


class IngestFastPath:
    """The route handler of the module docstring, with its group-commit writer."""

    def __init__(
        self,
        *,
        database_url: str,
        base_url: str,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        handoff: Callable[[], JobQueue],
        max_body_bytes: int,
        writers: int = 1,
    ) -> None:
        self._base_url = base_url
        self._sessions = sessions
        self._box = box
        self._handoff = handoff
        self._max_body_bytes = max_body_bytes
        self.writer: GroupCommit[Ingest, bool] = GroupCommit(
            connector(database_url), write_group, writers=writers
        )

    def route(self) -> FastRoute:
        return FastRoute("POST", PATH, self.handle, self._max_body_bytes)

    async def handle(self, scope: Any, match: re.Match[str], body: bytes) -> Fast | None:
        now = utc_now()
        source = await self._source(match["token"], now=now)
        if source is None or source.disabled or len(body) > self._max_body_bytes:
            return None
        request = InboundRequest(
            method="POST", url=self._url(scope), headers=_headers(scope), body=body
        )
        event = _verified_event(source, request, now=now)
        if event is None:
            return None
        item = await self._plan(source, request, event, now=now)
        try:
            stored = await self.writer.submit(item)
        except CommitFailed:
            return unavailable()
        except GroupFailed:
            return None
        if not stored:
            return None
        INBOUND_EVENTS.labels(source.id, ACCEPTED).inc()
        ids = [row["id"] for row in item.deliveries]
        if ids:
            await self._handoff().send([SendDeliveries(delivery_ids=ids)])
        received = ingest.Received(events=[{"id": item.event["id"], "outcome": ACCEPTED}])
        return Fast(200, _ENCODER.encode(received), [(b"content-type", b"application/json")])

    async def _source(self, token: str, *, now: datetime) -> CachedSource | None:
        digest = ingest.token_hash(token)
        found = cache.get(digest, now=now)
        if found is not None:
            return found
        async with self._sessions() as session:
            row = await repository.by_token_hash(session, digest, now=now)
        return None if row is None else cache.put(digest, row, self._box)

    async def _plan(
        self,
        source: CachedSource,
        request: InboundRequest,
        event: providers.InboundEvent,
        *,
        now: datetime,
    ) -> Ingest:
        version, subscribed = await self._subscriptions(source.tenant_id)
        event_id = new_id("iev")
        message = Message(
            id=new_id("msg"),
            tenant_id=source.tenant_id,
            event_type=event.event_type,
            created_at=now,
        )
        document = ingest.document_of(event)
        deliveries = [
            new_delivery_row(message, endpoint_id)
            for endpoint_id, subscription in subscribed
            if ingest.selects(subscription, event.event_type, document)
        ]
        dedup_key = None if event.dedup_key is None else event.dedup_key[:256]
        row = {
            "id": event_id,
            "source_id": source.id,
            "tenant_id": source.tenant_id,
            "planned_version": version,
            "dedup_key": dedup_key,
            "expires_at": now + source.dedup_window,
            "created_at": now,
            "event_type": event.event_type[:256],
            "method": request.method,
            "url": request.url,
            "headers": ingest.kept_headers(request.headers),
            "content_type": event.content_type,
            "message_id": message.id,
            "body": base64.b64encode(event.body).decode(),
            "forwarded": ingest.forwarded_to(source.provider, source.id, request, event, event_id),
        }
        return Ingest(row, deliveries)

    async def _subscriptions(self, tenant_id: str) -> tuple[int, Subscriptions]:
        """The source tenant's destinations, cached while its endpoints_version holds."""
        hit = endpoints.cached(tenant_id)
        if hit is not None:
            return hit
        async with self._sessions() as session:
            version = await session.scalar(
                select(Tenant.endpoints_version).where(Tenant.id == tenant_id)
            )
            found = await endpoints.subscriptions(session, tenant_id, version=version or 0)
        return version or 0, found

    def _url(self, scope: Any) -> str:
        path = scope.get("raw_path", scope["path"].encode()).decode("latin-1")
        query = scope.get("query_string", b"").decode("latin-1")
        return f"{self._base_url}{path}" + (f"?{query}" if query else "")

    async def close(self) -> None:
        await self.writer.close()


def _headers(scope: Any) -> dict[str, str]:
    return {name.decode("latin-1"): value.decode("latin-1") for name, value in scope["headers"]}


def _verified_event(
    source: CachedSource, request: InboundRequest, *, now: datetime
) -> providers.InboundEvent | None:
    """The request's one event once its signature checks out; None: anything else."""
    preset = providers.provider(source.provider)
    try:
        if preset.handshake(request, source.secrets, source.options, now=now) is not None:
            return None
        preset.verify(request, source.secrets, source.options, now=now)
        events = preset.events(request, source.options)
    except Rejected:
        return None  # the normal route records and counts the refusal
    except Exception:
        return None  # nor is a provider's fault this layer's to answer
    return events[0] if len(events) == 1 else None

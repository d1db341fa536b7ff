"""Routes of the inbound gateway: sources, destinations and the inbound log (admin only: the
guard refuses portal tokens outside tenant routes), and the ingest URL ``/in/{token}``."""

from __future__ import annotations

import base64
from typing import Any

import msgspec
from litestar import Controller, Request, Response, delete, get, patch, post, route
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from app.deliveries import service as deliveries
from app.deliveries.schemas import RecoveryCreate, RecoveryOut
from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointCreate, EndpointSecretOut, EndpointUpdate
from app.kit.clock import as_utc, utc_now
from app.kit.deps import Cursor, Limit, Session, parse_time
from app.kit.openapi import problem_response
from app.kit.pagination import Page, page_of
from app.kit.schemas import present
from app.kit.uow import unit_of_work
from app.messages import repository as messages
from app.messages.schemas import AttemptOut, DeliveryOut
from app.models import Delivery, Endpoint, InboundEvent, Message, Source
from app.sources import ingest, repository, service
from app.sources.handoff import Handoff
from app.sources.providers import InboundRequest
from app.sources.schemas import (
    DestinationOut,
    InboundEventDetail,
    InboundEventOut,
    SourceCreate,
    SourceOut,
    SourceSecretOut,
    SourceUpdate,
    TokenRotate,
)


def source_out(source: Source, state: State) -> SourceOut:
    return SourceOut(
        id=source.id,
        name=source.name,
        provider=source.provider,
        ingest_url=service.ingest_url(source, state.secret_box, state.settings.base_url),
        previous_ingest_url_expires_at=source.old_token_expires_at,
        options=source.options,
        secrets=[SourceSecretOut(expires_at=ingest.expiry(s)) for s in source.secrets],
        disabled=source.disabled,
        created_at=source.created_at,
        updated_at=source.updated_at,
    )


def destination_out(endpoint: Endpoint, source_id: str) -> DestinationOut:
    fields = msgspec.structs.fields(DestinationOut)
    values = {f.name: getattr(endpoint, f.name) for f in fields if f.name != "source_id"}
    return DestinationOut(source_id=source_id, **values)


def event_out(event: InboundEvent) -> InboundEventOut:
    return msgspec.convert(event, InboundEventOut, from_attributes=True)


class SourceController(Controller):
    path = "/api/v1/sources"
    tags = ["sources"]

    @post("/", operation_id="create_source")
    async def create(
        self, session: Session, state: State, data: JSONBody[SourceCreate]
    ) -> SourceOut:
        """Create a source for one provider account; providers post to its ``ingest_url``."""
        return source_out(await service.create(session, data, state.secret_box), state)

    @get("/", operation_id="list_sources")
    async def list_(
        self, session: Session, state: State, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[SourceOut]:
        """List the sources, newest first."""
        found = await repository.list_(session, cursor=cursor, limit=limit)
        return page_of([source_out(s, state) for s in found], [s.id for s in found], limit)

    @get("/{source:str}", operation_id="get_source")
    async def read(self, session: Session, state: State, source: FromPath[str]) -> SourceOut:
        """Get a source."""
        return source_out(await service.get(session, source), state)

    @patch("/{source:str}", operation_id="update_source")
    async def update(
        self, session: Session, state: State, source: FromPath[str], data: JSONBody[SourceUpdate]
    ) -> SourceOut:
        """Change a source (``secrets`` is replaced whole; ``disabled`` refuses its requests)."""
        updated = await service.update(session, source, data, state.secret_box)
        return source_out(updated, state)

    @delete("/{source:str}", operation_id="delete_source")
    async def remove(self, session: Session, source: FromPath[str]) -> None:
        """Delete a source: gone at once; its destinations stop, its history goes with retention."""
        await service.delete(session, source)

    @post("/{source:str}/rotate-token", operation_id="rotate_source_token", status_code=200)
    async def rotate_token(
        self,
        session: Session,
        state: State,
        source: FromPath[str],
        data: JSONBody[TokenRotate | None] = None,
    ) -> SourceOut:
        """A new ingest URL; the current one keeps working for ``overlap_seconds``."""
        overlap = (data or TokenRotate()).overlap_seconds
        rotated = await service.rotate_token(
            session, source, state.secret_box, overlap_seconds=overlap
        )
        return source_out(rotated, state)


class DestinationController(Controller):
    path = "/api/v1/sources/{source:str}/destinations"
    tags = ["sources"]

    @post("/", operation_id="create_destination")
    async def create(
        self, session: Session, state: State, source: FromPath[str], data: JSONBody[EndpointCreate]
    ) -> DestinationOut:
        """Add an internal service that receives the source's events (its secret is generated)."""
        created = await service.create_destination(
            session, source, data, state.secret_box, egress=state.destination_egress
        )
        return destination_out(created, source)

    @get("/", operation_id="list_destinations")
    async def list_(
        self, session: Session, source: FromPath[str], cursor: Cursor = None, limit: Limit = 50
    ) -> Page[DestinationOut]:
        """List a source's destinations, newest first."""
        tenant = await service.tenant_of(session, source)
        found = await endpoints.list_(session, tenant, cursor=cursor, limit=limit)
        return page_of([destination_out(e, source) for e in found], [e.id for e in found], limit)

    @get("/{destination:str}", operation_id="get_destination")
    async def read(
        self, session: Session, source: FromPath[str], destination: FromPath[str]
    ) -> DestinationOut:
        """Get a destination."""
        return destination_out(await service.destination(session, source, destination), source)

    @patch("/{destination:str}", operation_id="update_destination")
    async def update(
        self,
        session: Session,
        state: State,
        source: FromPath[str],
        destination: FromPath[str],
        data: JSONBody[EndpointUpdate],
    ) -> DestinationOut:
        """Change a destination; enabling it again resumes its waiting deliveries."""
        updated = await service.update_destination(
            session, source, destination, data, egress=state.destination_egress
        )
        return destination_out(updated, source)

    @delete("/{destination:str}", operation_id="delete_destination")
    async def remove(
        self, session: Session, source: FromPath[str], destination: FromPath[str]
    ) -> None:
        """Delete a destination; its pending deliveries fail, its log stays until retention."""
        found = await service.destination(session, source, destination)
        await endpoints.soft_delete(session, found)

    @get("/{destination:str}/secret", operation_id="get_destination_secret")
    async def secret(
        self, session: Session, state: State, source: FromPath[str], destination: FromPath[str]
    ) -> EndpointSecretOut:
        """The destination's signing secret: Hookrelay signs what it delivers with it."""
        found = await service.destination(session, source, destination)
        return EndpointSecretOut(secret=state.secret_box.decrypt(found.secret_encrypted))

    @post("/{destination:str}/recover", operation_id="recover_destination", status_code=202)
    async def recover(
        self,
        session: Session,
        source: FromPath[str],
        destination: FromPath[str],
        data: JSONBody[RecoveryCreate],
    ) -> RecoveryOut:
        """Replay a time range: the events received in [since, until) that this destination
        selects and never had are delivered to it, and its failed deliveries of them tried
        again, in the background (progress: ``…/recoveries/{id}``)."""
        until = as_utc(data.until) if data.until else None
        recovery = await service.recover(
            session, source, destination, since=as_utc(data.since), until=until
        )
        return present(RecoveryOut, recovery)

    @get("/{destination:str}/recoveries/{recovery:str}", operation_id="get_destination_recovery")
    async def recovery(
        self,
        session: Session,
        source: FromPath[str],
        destination: FromPath[str],
        recovery: FromPath[str],
    ) -> RecoveryOut:
        """A time-range replay's progress."""
        tenant = await service.tenant_of(session, source)
        found = await service.destination(session, source, destination)
        return present(
            RecoveryOut, await deliveries.get_recovery(session, tenant, found.id, recovery)
        )


class InboundLogController(Controller):
    path = "/api/v1/sources/{source:str}/events"
    tags = ["sources"]

    @get("/", operation_id="list_inbound_events")
    async def list_(
        self,
        session: Session,
        source: FromPath[str],
        outcome: FromQuery[str | None] = None,
        event_type: FromQuery[str | None] = None,
        after: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[InboundEventOut]:
        """The source's inbound log, newest first (``outcome``: accepted, duplicate, rejected;
        ``after``/``before`` bound the time received)."""
        await service.get(session, source)
        query = repository.events_query(
            source,
            outcome=service.check_outcome(outcome),
            event_type=event_type,
            after=parse_time("after", after),
            before=parse_time("before", before),
            cursor=cursor,
            limit=limit,
        )
        found = await repository.events(session, query)
        return page_of([event_out(e) for e in found], [e.id for e in found], limit)

    @get("/{event:str}", operation_id="get_inbound_event")
    async def read(
        self, session: Session, source: FromPath[str], event: FromPath[str]
    ) -> InboundEventDetail:
        """An inbound event in full: the request as received, verification, deliveries, tries."""
        found = await service.event(session, source, event)
        body = found.body
        deliveries: list[DeliveryOut] = []
        attempts: list[AttemptOut] = []
        if found.message_id is not None:
            body = await repository.payload(session, found.message_id)
            message = await session.get_one(Message, found.message_id)
            deliveries = [
                delivery_out(d, last)
                for d, last in await messages.deliveries_of(session, message.id)
            ]
            tried = await messages.attempts_of(
                session, message, endpoint_id=None, cursor=None, limit=250
            )
            attempts = [msgspec.convert(a, AttemptOut, from_attributes=True) for a in tried]
        text, encoding = _body_text(body)
        return InboundEventDetail(
            event=event_out(found),
            headers=found.headers,
            body=text,
            body_encoding=encoding,
            verification=_verification(found),
            deliveries=deliveries,
            attempts=attempts,
        )

    @post(
        "/{event:str}/replay",
        operation_id="replay_inbound_event",
        status_code=202,
        responses={409: problem_response(409)},  # not accepted, nowhere to go, or in flight
    )
    async def replay(
        self, session: Session, source: FromPath[str], event: FromPath[str]
    ) -> list[DeliveryOut]:
        """Deliver an accepted event again, now, to every enabled destination that had it or,
        added since, selects it."""
        return [delivery_out(d, None) for d in await service.replay(session, source, event)]


def delivery_out(delivery: Delivery, last: Any) -> DeliveryOut:
    """A delivery with how its last try ended (``last``: its last attempt's row, or None)."""
    return present(
        DeliveryOut,
        delivery,
        last_status_code=None if last is None else last.status_code,
        last_error_kind=None if last is None else last.error_kind,
    )


def _body_text(body: bytes | None) -> tuple[str | None, str]:
    if body is None:
        return None, "text"
    try:
        return body.decode(), "text"
    except UnicodeDecodeError:
        return base64.b64encode(body).decode(), "base64"


def _verification(event: InboundEvent) -> str:
    if event.cause is not None:
        return event.cause
    return "verified"


HANDOFF_KEY = "ingest_handoff"


class IngestController(Controller):
    """Where providers post. No bearer key: the unguessable token in the URL names the source,
    and the provider's signature proves the sender."""

    path = "/in"
    include_in_schema = False

    @route(
        "/{token:str}",
        http_method=["POST", "GET"],
        request_max_body_size=None,  # the ingest limit is ours, so a refusal is recorded
    )
    async def receive(
        self, request: Request[object, object, State], state: State, token: FromPath[str]
    ) -> Response[bytes]:
        """Verify, deduplicate and store a provider's webhook; answer only after the commit."""
        body, too_large = await _read_body(request, state.settings.max_inbound_body_bytes)
        inbound = InboundRequest(
            method=request.method,
            url=_full_url(request, state),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        async with unit_of_work(state.sessions, handoff(state)) as session:
            answer = await ingest.receive(
                session, inbound, token, box=state.secret_box, now=utc_now(), too_large=too_large
            )
        # Only here, after the commit: a 2xx never precedes the stored event (guarantee 9).
        return Response(answer.body, status_code=answer.status, media_type=answer.content_type)


def handoff(state: State) -> Handoff:
    """This process's ``Handoff`` (made on first use: one per app, on the app's loop)."""
    found = state.get(HANDOFF_KEY)
    if found is None:
        per_task = state.settings.deliveries_per_task
        found = state[HANDOFF_KEY] = Handoff(state.jobs.broker, per_task=per_task)
    assert isinstance(found, Handoff)
    return found


async def _read_body(request: Request[object, object, State], limit: int) -> tuple[bytes, bool]:
    """The body, unless it is larger than ``limit`` (then nothing more is read)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        return b"", True
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return b"", True
        chunks.append(chunk)
    return b"".join(chunks), False


def _full_url(request: Request[object, object, State], state: State) -> str:
    """The URL as the provider called it (Twilio and HubSpot sign it): the public base URL, since
    behind a proxy the scheme and host seen here are not the provider's."""
    path = request.scope.get("raw_path", request.url.path.encode()).decode("latin-1")
    query = request.scope.get("query_string", b"").decode("latin-1")
    return f"{state.settings.base_url}{path}" + (f"?{query}" if query else "")

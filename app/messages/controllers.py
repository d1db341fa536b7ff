import msgspec
from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from app.kit.deps import Cursor, Limit, Session
from app.kit.pagination import Page, page_of
from app.messages import service
from app.messages.schemas import (
    AttemptOut,
    DeliveryOut,
    MessageBatchCreate,
    MessageCreate,
    MessageOut,
)
from app.metrics import PUBLISHED
from app.models import Message
from app.tenants import service as tenants


def message_out(message: Message, payload: dict[str, object] | None) -> MessageOut:
    return MessageOut(
        id=message.id,
        tenant_id=message.tenant_id,
        event_type=message.event_type,
        event_id=message.event_id,
        channels=message.channels,
        payload=payload,
        created_at=message.created_at,
    )


class MessageController(Controller):
    path = "/api/v1/tenants/{tenant:str}/messages"
    tags = ["messages"]

    @post("/", operation_id="publish_message", status_code=202)
    async def publish(
        self, session: Session, state: State, tenant: FromPath[str], data: JSONBody[MessageCreate]
    ) -> Response[MessageOut]:
        """Publish an event to the tenant's subscribed endpoints (idempotent on ``event_id``)."""
        owner = await tenants.get(session, tenant)
        published = await service.publish(
            session,
            owner,
            data,
            max_payload_bytes=state.settings.max_payload_bytes,
            deliveries_per_task=state.settings.deliveries_per_task,
        )
        if published.created:
            PUBLISHED.inc()
        return Response(
            message_out(published.message, published.payload),
            status_code=202,
            headers={"Hookrelay-Idempotent-Replay": "false" if published.created else "true"},
        )

    @post("/batch", operation_id="publish_messages", status_code=202)
    async def publish_batch(
        self,
        session: Session,
        state: State,
        tenant: FromPath[str],
        data: JSONBody[MessageBatchCreate],
    ) -> Page[MessageOut]:
        """Publish up to 100 events in one transaction (each idempotent on its ``event_id``)."""
        owner = await tenants.get(session, tenant)
        published = await service.publish_many(
            session,
            owner,
            data.messages,
            max_payload_bytes=state.settings.max_payload_bytes,
            deliveries_per_task=state.settings.deliveries_per_task,
        )
        PUBLISHED.inc(sum(1 for p in published if p.created))
        return Page(data=[message_out(p.message, p.payload) for p in published], next_cursor=None)

    @get("/", operation_id="list_messages")
    async def list_(
        self,
        session: Session,
        tenant: FromPath[str],
        event_type: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[MessageOut]:
        """List a tenant's messages, newest first (payloads are not included)."""
        owner = await tenants.get(session, tenant)
        found = await service.list_(
            session, owner, event_type=event_type, cursor=cursor, limit=limit
        )
        return page_of([message_out(m, None) for m in found], [m.id for m in found], limit)

    @get("/{message:str}", operation_id="get_message")
    async def read(
        self, session: Session, tenant: FromPath[str], message: FromPath[str]
    ) -> MessageOut:
        """Get a message with its payload."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, message)
        return message_out(found, await service.payload_of(session, found.id))

    @get("/{message:str}/deliveries", operation_id="list_message_deliveries")
    async def deliveries(
        self, session: Session, tenant: FromPath[str], message: FromPath[str]
    ) -> Page[DeliveryOut]:
        """The message's delivery to each endpoint it matched."""
        owner = await tenants.get(session, tenant)
        found = await service.deliveries_of(session, await service.get(session, owner, message))
        data = [msgspec.convert(d, DeliveryOut, from_attributes=True) for d in found]
        return Page(data=data, next_cursor=None)

    @get("/{message:str}/attempts", operation_id="list_message_attempts")
    async def attempts(
        self,
        session: Session,
        tenant: FromPath[str],
        message: FromPath[str],
        endpoint_id: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[AttemptOut]:
        """The HTTP tries of a message, newest first."""
        owner = await tenants.get(session, tenant)
        found_message = await service.get(session, owner, message)
        found = await service.attempts_of(
            session, found_message, endpoint_id=endpoint_id, cursor=cursor, limit=limit
        )
        data = [msgspec.convert(a, AttemptOut, from_attributes=True) for a in found]
        return page_of(data, [a.id for a in found], limit)

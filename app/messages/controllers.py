from litestar import Controller, Response, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from app.kit.deps import Cursor, Limit, Session, parse_time
from app.kit.pagination import Page, page_of
from app.kit.schemas import present
from app.messages import log, service
from app.messages.schemas import (
    AttemptOut,
    DeliveryOut,
    MessageBatchCreate,
    MessageCreate,
    MessageFilter,
    MessageOut,
)
from app.metrics import PUBLISHED
from app.tenants import service as tenants


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
            present(MessageOut, published.message, payload=published.payload),
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
        return Page(
            data=[present(MessageOut, p.message, payload=p.payload) for p in published],
            next_cursor=None,
        )

    @get("/", operation_id="list_messages")
    async def list_(
        self,
        session: Session,
        tenant: FromPath[str],
        event_type: FromQuery[str | None] = None,
        status: FromQuery[str | None] = None,
        endpoint_id: FromQuery[str | None] = None,
        channel: FromQuery[str | None] = None,
        event_id: FromQuery[str | None] = None,
        after: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[MessageOut]:
        """List a tenant's messages, newest first (payloads are not included).

        ``status`` keeps messages with a delivery in that status (with ``endpoint_id``: the
        delivery to that endpoint); ``after``/``before`` bound the creation time (ISO 8601).
        """
        owner = await tenants.get(session, tenant)
        filters = MessageFilter(
            event_type=event_type,
            status=status,
            endpoint_id=endpoint_id,
            channel=channel,
            event_id=event_id,
            after=parse_time("after", after),
            before=parse_time("before", before),
        )
        found = await log.list_(session, owner, filters, cursor=cursor, limit=limit)
        return page_of(
            [present(MessageOut, m, payload=None) for m in found], [m.id for m in found], limit
        )

    @get("/{message:str}", operation_id="get_message")
    async def read(
        self, session: Session, tenant: FromPath[str], message: FromPath[str]
    ) -> MessageOut:
        """Get a message with its payload."""
        owner = await tenants.get(session, tenant)
        found = await log.get(session, owner, message)
        return present(MessageOut, found, payload=await log.payload_of(session, found))

    @get("/{message:str}/deliveries", operation_id="list_message_deliveries")
    async def deliveries(
        self, session: Session, tenant: FromPath[str], message: FromPath[str]
    ) -> Page[DeliveryOut]:
        """The message's delivery to each endpoint it matched."""
        owner = await tenants.get(session, tenant)
        found = await log.deliveries_of(session, owner, message)
        deleted = await log.deleted_endpoints(session, (delivery for delivery, _ in found))
        data = [
            present(
                DeliveryOut,
                delivery,
                last_status_code=last.status_code if last is not None else None,
                last_error_kind=last.error_kind if last is not None else None,
                endpoint_deleted=delivery.endpoint_id in deleted,
            )
            for delivery, last in found
        ]
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
        found = await log.attempts_of(
            session, owner, message, endpoint_id=endpoint_id, cursor=cursor, limit=limit
        )
        deleted = await log.deleted_endpoints(session, found)
        data = [present(AttemptOut, a, endpoint_deleted=a.endpoint_id in deleted) for a in found]
        return page_of(data, [a.id for a in found], limit)

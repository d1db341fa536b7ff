"""Publish: one transaction writes the message, its payload and one pending delivery per matching
enabled endpoint; the deliveries are enqueued after the commit."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import Select, and_, exists, func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints import service as endpoints
from app.errors import AppError, InvalidRequest, NotFound
from app.event_types import service as event_types
from app.kit.bulk import insert_from_json, rows_json
from app.kit.clock import utc_now
from app.kit.ids import id_bound, new_id
from app.kit.jobs import enqueue
from app.kit.matching import Subscription
from app.kit.pagination import paginate
from app.messages.schemas import MessageCreate
from app.models import (
    Attempt,
    Base,
    Delivery,
    Endpoint,
    Message,
    MessageChannel,
    MessagePayload,
    Tenant,
)
from app.models.delivery import FAILED, PENDING, SCHEDULED, SUCCEEDED
from workers.contracts import SendDeliveries


class Published(msgspec.Struct):
    message: Message
    payload: dict[str, Any] | None
    created: bool


async def publish(
    session: AsyncSession,
    tenant: Tenant,
    data: MessageCreate,
    *,
    max_payload_bytes: int,
    deliveries_per_task: int,
) -> Published:
    (published,) = await publish_many(
        session,
        tenant,
        [data],
        max_payload_bytes=max_payload_bytes,
        deliveries_per_task=deliveries_per_task,
    )
    return published


async def publish_many(
    session: AsyncSession,
    tenant: Tenant,
    items: Sequence[MessageCreate],
    *,
    max_payload_bytes: int,
    deliveries_per_task: int,
    only_endpoint: Endpoint | None = None,
) -> list[Published]:
    """Publish several messages in the caller's unit of work; all or none are accepted.

    ``only_endpoint`` (a test event) delivers to that endpoint alone, whatever it subscribes to.
    """
    bodies = [msgspec.json.encode(item.payload) for item in items]
    for index, body in enumerate(bodies):
        if len(body) > max_payload_bytes:
            where = f"messages[{index}]: " if len(items) > 1 else ""
            raise AppError(
                f"{where}payload is {len(body)} bytes; the limit is {max_payload_bytes}",
                code="payload_too_large",
                status_code=413,
            )
    catalog = {
        name: await event_types.rules(session, name) for name in {i.event_type for i in items}
    }
    for index, item in enumerate(items):
        catalog[item.event_type].check(item.payload, index=index if len(items) > 1 else None)
    now = utc_now()
    messages = [
        Message(
            id=new_id("msg"),
            tenant_id=tenant.id,
            event_type=item.event_type,
            event_id=item.event_id,
            channels=item.channels,
            created_at=now,
        )
        for item in items
    ]
    inserted = await _insert_messages(session, messages)
    new = [(m, b, i) for m, b, i in zip(messages, bodies, items, strict=True) if m.id in inserted]
    if new:
        await _insert_payloads(session, [(m.id, b) for m, b, _ in new])
        await _create_deliveries(
            session,
            tenant.id,
            [(m, i.payload) for m, _, i in new],
            deliveries_per_task=deliveries_per_task,
            only_endpoint=only_endpoint,
        )
    return [
        Published(message=message, payload=item.payload, created=True)
        if message.id in inserted
        else await _replayed(session, tenant, item)
        for message, item in zip(messages, items, strict=True)
    ]


async def _replayed(session: AsyncSession, tenant: Tenant, item: MessageCreate) -> Published:
    """The message an earlier publish with the same event_id created (it answers in its place)."""
    found = await _by_event_id(session, tenant, item.event_id or "")
    if found is None:  # pragma: no cover - a conflicting row cannot vanish mid-transaction
        raise RuntimeError("event_id conflict without a row")
    return found


# Constant statements, compiled once per process (executed with a list of rows: SQLAlchemy's
# "insertmanyvalues" renders them as one multi-row INSERT … RETURNING). Building `.values(rows)`
# per request compiled a new statement every publish: ~7 % of the API's CPU.
TABLES = Base.metadata.tables
_INSERT_MESSAGES = {
    "postgresql": pg_insert(TABLES["messages"])
    .on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
    .returning(TABLES["messages"].c.id),
    "sqlite": sqlite_insert(TABLES["messages"])
    .on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
    .returning(TABLES["messages"].c.id),
}


# PostgreSQL: a publish's deliveries in one statement (app.kit.bulk); as an executemany they were
# one INSERT per row, the costliest statement of the whole pipeline per delivery.
_INSERT_DELIVERIES_PG = insert_from_json(
    "deliveries",
    {
        "id": "varchar",
        "tenant_id": "varchar",
        "message_id": "varchar",
        "endpoint_id": "varchar",
        "status": "varchar",
        "attempt_count": "integer",
        "next_attempt_at": "timestamptz",
        "enqueued_at": "timestamptz",
        "created_at": "timestamptz",
        "updated_at": "timestamptz",
        "trigger": "varchar",
    },
)


# The body is JSON text (UTF-8, control characters escaped), so it travels as a JSON string.
_INSERT_PAYLOADS_PG = text(
    "INSERT INTO message_payloads (message_id, body) SELECT message_id, convert_to(body, 'UTF8') "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r(message_id varchar, body text)"
)


async def _insert_payloads(session: AsyncSession, payloads: list[tuple[str, bytes]]) -> None:
    if session.get_bind().dialect.name == "postgresql":
        text_rows = [{"message_id": i, "body": b.decode()} for i, b in payloads]
        await session.execute(_INSERT_PAYLOADS_PG, {"rows": rows_json(text_rows)})
    else:
        rows = [{"message_id": i, "body": b} for i, b in payloads]
        await session.execute(insert(TABLES["message_payloads"]), rows)


async def _insert_messages(session: AsyncSession, messages: list[Message]) -> set[str]:
    """Insert the message rows; return the ids inserted (a taken ``event_id`` inserts nothing).

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` on SQLite and PostgreSQL alike: no
    savepoint, and a concurrent duplicate waits for the first to commit, then conflicts.
    """
    rows = [
        {
            "id": m.id,
            "tenant_id": m.tenant_id,
            "event_type": m.event_type,
            "event_id": m.event_id,
            "channels": m.channels,
            "created_at": m.created_at,
        }
        for m in messages
    ]
    statement = _INSERT_MESSAGES[session.get_bind().dialect.name]
    inserted = await session.execute(statement, rows)
    ids = set(inserted.scalars())
    channel_rows = [
        {"tenant_id": m.tenant_id, "channel": c, "message_id": m.id}
        for m in messages
        if m.id in ids
        for c in dict.fromkeys(m.channels or ())
    ]
    if channel_rows:
        await session.execute(insert(TABLES["message_channels"]), channel_rows)
    return ids


async def _create_deliveries(
    session: AsyncSession,
    tenant_id: str,
    messages: list[tuple[Message, dict[str, Any]]],
    *,
    deliveries_per_task: int,
    only_endpoint: Endpoint | None = None,
) -> None:
    """One pending delivery per message x matching enabled endpoint; tasks sent after commit."""
    if only_endpoint is not None:
        subscribed = [(only_endpoint.id, Subscription(["*"]))]
    else:
        subscribed = await endpoints.subscriptions_of(session, tenant_id)
    rows: list[dict[str, Any]] = [
        {
            "id": new_id("dlv"),
            "tenant_id": tenant_id,
            "message_id": message.id,
            "endpoint_id": endpoint_id,
            "status": "pending",
            "attempt_count": 0,
            "next_attempt_at": message.created_at,
            "enqueued_at": message.created_at,
            "created_at": message.created_at,
            "updated_at": message.created_at,
            "trigger": SCHEDULED,
        }
        for message, payload in messages
        for endpoint_id, subscription in subscribed
        if subscription.accepts(message.event_type, message.channels, payload)
    ]
    if not rows:
        return
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_INSERT_DELIVERIES_PG, {"rows": rows_json(rows)})
    else:
        await session.execute(insert(TABLES["deliveries"]), rows)
    ids = [row["id"] for row in rows]
    for start in range(0, len(ids), deliveries_per_task):
        enqueue(session, SendDeliveries(delivery_ids=ids[start : start + deliveries_per_task]))


async def _by_event_id(session: AsyncSession, tenant: Tenant, event_id: str) -> Published | None:
    message = await session.scalar(
        select(Message).where(Message.tenant_id == tenant.id, Message.event_id == event_id)
    )
    if message is None:
        return None
    return Published(message=message, payload=await payload_of(session, message.id), created=False)


async def payload_of(session: AsyncSession, message_id: str) -> dict[str, Any] | None:
    body = await session.scalar(
        select(MessagePayload.body).where(MessagePayload.message_id == message_id)
    )
    return None if body is None else msgspec.json.decode(body)


async def get(session: AsyncSession, tenant: Tenant, message_id: str) -> Message:
    found = await session.scalar(
        select(Message).where(Message.id == message_id, Message.tenant_id == tenant.id)
    )
    if found is None:
        raise NotFound(f"message {message_id!r} not found", code="message_not_found")
    return found


class MessageFilter(msgspec.Struct, kw_only=True):
    """The delivery log's filters; every one is served by an index (see ``list_``)."""

    event_type: str | None = None
    status: str | None = None  # a message with a delivery in this status
    endpoint_id: str | None = None  # a message delivered (or to be) to this endpoint
    channel: str | None = None
    event_id: str | None = None
    after: datetime | None = None  # created at or after
    before: datetime | None = None  # created before


DELIVERY_STATUSES = (PENDING, SUCCEEDED, FAILED)


async def list_(
    session: AsyncSession,
    tenant: Tenant,
    filters: MessageFilter,
    *,
    cursor: str | None,
    limit: int,
) -> list[Message]:
    """A page of the tenant's messages, newest first (see ``list_query``)."""
    query = list_query(tenant.id, filters, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


def list_query(
    tenant_id: str, filters: MessageFilter, *, cursor: str | None, limit: int
) -> Select[Message]:
    """The query of a page of the tenant's messages, newest first.

    The most selective filter drives the scan down its own index in id order, the others are
    checked on the way: ``event_id`` (unique), then ``channel`` (message_channels' primary key),
    then ``endpoint_id`` (deliveries endpoint_id+message_id; with ``status``, that delivery's
    status), else the messages index (tenant_id, [event_type,] id), with ``status`` an EXISTS on
    deliveries (tenant_id, status, message_id). Time bounds become id bounds on the same scan.
    """
    if filters.status is not None and filters.status not in DELIVERY_STATUSES:
        raise InvalidRequest(
            f"status must be one of {', '.join(DELIVERY_STATUSES)}", code="invalid_filter"
        )
    query = select(Message).where(Message.tenant_id == tenant_id)
    key: Any = Message.id
    if filters.event_id is not None:
        query = query.where(Message.event_id == filters.event_id)
    if filters.event_type is not None:
        query = query.where(Message.event_type == filters.event_type)
    if filters.channel is not None:
        query = query.join(
            MessageChannel,
            and_(
                MessageChannel.message_id == Message.id,
                MessageChannel.tenant_id == tenant_id,
                MessageChannel.channel == filters.channel,
            ),
        )
        key = MessageChannel.message_id
    if filters.endpoint_id is not None:
        on = [Delivery.message_id == Message.id, Delivery.endpoint_id == filters.endpoint_id]
        if filters.status is not None:
            on.append(Delivery.status == filters.status)
        query = query.join(Delivery, and_(*on))
        key = Delivery.message_id if key is Message.id else key
    elif filters.status is not None:
        query = query.where(
            exists().where(
                Delivery.tenant_id == tenant_id,
                Delivery.status == filters.status,
                Delivery.message_id == Message.id,
            )
        )
    if filters.after is not None:
        query = query.where(key >= id_bound("msg", filters.after))
    if filters.before is not None:
        query = query.where(key < id_bound("msg", filters.before))
    if cursor and key is not Message.id:
        query = query.where(Message.id < cursor)
    return paginate(query, key, cursor=cursor, limit=limit)


async def deliveries_of(session: AsyncSession, message: Message) -> list[tuple[Delivery, Any]]:
    """The message's deliveries, each with its last attempt's ``status_code`` and ``error_kind``
    (None before the first try), read from attempts (message_id, id)."""
    query = select(Delivery).where(Delivery.message_id == message.id).order_by(Delivery.id)
    deliveries = list((await session.scalars(query)).all())
    last_ids = (
        select(func.max(Attempt.id))
        .where(Attempt.message_id == message.id)
        .group_by(Attempt.delivery_id)
        .scalar_subquery()
    )
    rows = await session.execute(
        select(Attempt.delivery_id, Attempt.status_code, Attempt.error_kind).where(
            Attempt.id.in_(last_ids)
        )
    )
    last = {row.delivery_id: row for row in rows}
    return [(d, last.get(d.id)) for d in deliveries]


async def attempts_of(
    session: AsyncSession,
    message: Message,
    *,
    endpoint_id: str | None,
    cursor: str | None,
    limit: int,
) -> list[Attempt]:
    query = select(Attempt).where(
        Attempt.message_id == message.id, Attempt.tenant_id == message.tenant_id
    )
    if endpoint_id is not None:
        query = query.where(Attempt.endpoint_id == endpoint_id)
    return list(
        (await session.scalars(paginate(query, Attempt.id, cursor=cursor, limit=limit))).all()
    )

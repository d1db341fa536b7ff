"""Every query on messages, their payloads and channels, and the deliveries a publish creates.

``readable`` is what a tenant may read: messages and attempts are found through it; a message's
payload and deliveries are read by the id of a message found that way.
"""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec
from sqlalchemy import Select, and_, exists, func, insert, literal_column, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.bulk import insert_from_json, insert_sql, rows_json
from app.kit.ids import id_bound
from app.kit.pagination import paginate
from app.messages.schemas import MessageFilter
from app.models import Attempt, Base, Delivery, Message, MessageChannel, MessagePayload

Owned = TypeVar("Owned", Message, Attempt)


def readable(model: type[Owned], tenant_id: str) -> Select[Owned]:
    """The rows of ``model`` that one tenant may read: the only way this module reads them."""
    return select(model).where(model.tenant_id == tenant_id)


# -- publishing ------------------------------------------------------------------------------

# Constant statements, compiled once per process (executed with a list of rows: SQLAlchemy's
# "insertmanyvalues" renders them as one multi-row INSERT … RETURNING). Building `.values(rows)`
# per request compiled a new statement every publish: ~7 % of the API's CPU.
_TABLES = Base.metadata.tables
_MESSAGES = _TABLES["messages"]
# Each inserted row also brings back its tenant's endpoints_version, read in the same statement:
# publish's subscription cache is checked against it without a round trip of its own.
# (Written out: SQLAlchemy does not correlate a subquery in RETURNING to the inserted row.)
_RETURNING: tuple[Any, ...] = (
    _MESSAGES.c.id,
    literal_column(
        "(SELECT tenants.endpoints_version FROM tenants WHERE tenants.id = messages.tenant_id)"
    ),
)
_INSERT_MESSAGES = {
    "postgresql": pg_insert(_MESSAGES)
    .on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
    .returning(*_RETURNING),
    "sqlite": sqlite_insert(_MESSAGES)
    .on_conflict_do_nothing(index_elements=["tenant_id", "event_id"])
    .returning(*_RETURNING),
}

_DELIVERY_COLUMNS = {
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
}
_MESSAGE_COLUMNS = {
    "id": "varchar",
    "tenant_id": "varchar",
    "event_type": "varchar",
    "event_id": "varchar",
    "channels": "json",
    "ordering_key": "varchar",
    "created_at": "timestamptz",
}
# PostgreSQL: a publish's deliveries in one statement (app.kit.bulk); as an executemany they were
# one INSERT per row, the costliest statement of the whole pipeline per delivery.
_INSERT_DELIVERIES_PG = insert_from_json("deliveries", _DELIVERY_COLUMNS)

# The body is JSON text (UTF-8, control characters escaped), so it travels as a JSON string.
_INSERT_PAYLOADS_PG = text(
    "INSERT INTO message_payloads (message_id, body) SELECT message_id, convert_to(body, 'UTF8') "
    "FROM json_to_recordset(CAST(:rows AS json)) AS r(message_id varchar, body text)"
)

# PostgreSQL: a whole publish in one statement, one round trip (issue 15: a publish made six).
# Messages whose event_id is taken insert nothing, nor do their payloads and deliveries; the
# deliveries, planned from cached subscriptions, are written only if the tenant's
# endpoints_version is still the one they were planned with (else the caller reads and adds them).
_PUBLISH_PG = text(
    f"""
WITH new AS (
    {insert_sql("messages", _MESSAGE_COLUMNS, param="messages")}
    ON CONFLICT (tenant_id, event_id) DO NOTHING RETURNING id
), version AS (
    SELECT endpoints_version FROM tenants WHERE id = :tenant_id
), payloads AS (
    INSERT INTO message_payloads (message_id, body)
    SELECT r.message_id, convert_to(r.body, 'UTF8')
    FROM json_to_recordset(CAST(:payloads AS json)) AS r(message_id varchar, body text)
    JOIN new ON new.id = r.message_id
), deliveries AS (
    {insert_sql("deliveries", _DELIVERY_COLUMNS, param="deliveries")}
    JOIN new ON new.id = r.message_id
    WHERE (SELECT endpoints_version FROM version)
        = COALESCE(CAST(:planned_version AS integer), (SELECT endpoints_version FROM version))
)
SELECT new.id, (SELECT endpoints_version FROM version) FROM new
"""
)


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


class Inserted(msgspec.Struct, frozen=True):
    ids: set[str]
    endpoints_version: int | None  # the tenant's, as the insert saw it (None: nothing inserted)
    deliveries_written: bool = False


async def insert_published(
    session: AsyncSession,
    messages: list[Message],
    bodies: list[bytes],
    deliveries: list[dict[str, Any]],
    *,
    planned_version: int | None,
) -> Inserted:
    """Insert messages, their payloads and, if the tenant's ``endpoints_version`` is still
    ``planned_version`` (None: whatever it is), the ``deliveries`` planned for them; those of a
    message whose ``event_id`` is taken are left out with it."""
    if not _is_postgresql(session):
        return await _insert_published_stepwise(
            session, messages, bodies, deliveries, planned_version=planned_version
        )
    payloads = [
        {"message_id": m.id, "body": b.decode()} for m, b in zip(messages, bodies, strict=True)
    ]
    params = {
        "tenant_id": messages[0].tenant_id,
        "messages": rows_json([_message_row(m) for m in messages]),
        "payloads": rows_json(payloads),
        "deliveries": rows_json(deliveries),
        "planned_version": planned_version,
    }
    returned = (await session.execute(_PUBLISH_PG, params)).all()
    ids = {row[0] for row in returned}
    await _insert_channels(session, messages, ids)
    version = max((row[1] for row in returned), default=None)
    written = planned_version is None or version == planned_version
    return Inserted(ids, version, deliveries_written=bool(ids) and written)


async def _insert_published_stepwise(
    session: AsyncSession,
    messages: list[Message],
    bodies: list[bytes],
    deliveries: list[dict[str, Any]],
    *,
    planned_version: int | None,
) -> Inserted:
    """``insert_published`` statement by statement (SQLite)."""
    inserted = await insert_messages(session, messages)
    if not inserted.ids:
        return inserted
    new_bodies = [(m.id, b) for m, b in zip(messages, bodies, strict=True) if m.id in inserted.ids]
    await insert_payloads(session, new_bodies)
    if planned_version is not None and inserted.endpoints_version != planned_version:
        return inserted
    rows = [row for row in deliveries if row["message_id"] in inserted.ids]
    if rows:
        await insert_deliveries(session, rows)
    return Inserted(inserted.ids, inserted.endpoints_version, deliveries_written=True)


async def _insert_channels(session: AsyncSession, messages: list[Message], ids: set[str]) -> None:
    """The channel rows of the messages inserted (``ids``), for the log's channel filter."""
    channel_rows = [
        {"tenant_id": m.tenant_id, "channel": c, "message_id": m.id}
        for m in messages
        if m.id in ids
        for c in dict.fromkeys(m.channels or ())
    ]
    if channel_rows:
        await session.execute(insert(_TABLES["message_channels"]), channel_rows)


def _message_row(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "tenant_id": m.tenant_id,
        "event_type": m.event_type,
        "event_id": m.event_id,
        "channels": m.channels,
        "ordering_key": m.ordering_key,
        "created_at": m.created_at,
    }


async def insert_messages(session: AsyncSession, messages: list[Message]) -> Inserted:
    """Insert the message rows and their channels; the ids inserted (a taken ``event_id``
    inserts nothing) and the tenant's ``endpoints_version``.

    One ``INSERT … ON CONFLICT DO NOTHING RETURNING id`` on SQLite and PostgreSQL alike: no
    savepoint, and a concurrent duplicate waits for the first to commit, then conflicts.
    """
    rows = [_message_row(m) for m in messages]
    statement = _INSERT_MESSAGES[session.get_bind().dialect.name]
    returned = (await session.execute(statement, rows)).all()
    ids = {row[0] for row in returned}
    await _insert_channels(session, messages, ids)
    return Inserted(ids, max((row[1] for row in returned), default=None))


async def insert_payloads(session: AsyncSession, payloads: list[tuple[str, bytes]]) -> None:
    """Insert (message id, JSON body) pairs."""
    if _is_postgresql(session):
        text_rows = [{"message_id": i, "body": b.decode()} for i, b in payloads]
        await session.execute(_INSERT_PAYLOADS_PG, {"rows": rows_json(text_rows)})
    else:
        rows = [{"message_id": i, "body": b} for i, b in payloads]
        await session.execute(insert(_TABLES["message_payloads"]), rows)


async def insert_deliveries(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    if _is_postgresql(session):
        await session.execute(_INSERT_DELIVERIES_PG, {"rows": rows_json(rows)})
    else:
        await session.execute(insert(_TABLES["deliveries"]), rows)


# -- the log ---------------------------------------------------------------------------------


async def get(session: AsyncSession, tenant_id: str, message_id: str) -> Message | None:
    found: Message | None = await session.scalar(
        readable(Message, tenant_id).where(Message.id == message_id)
    )
    return found


async def by_event_id(session: AsyncSession, tenant_id: str, event_id: str) -> Message | None:
    found: Message | None = await session.scalar(
        readable(Message, tenant_id).where(Message.event_id == event_id)
    )
    return found


async def payload_of(session: AsyncSession, message_id: str) -> dict[str, Any] | None:
    """The message's payload (None once retention has purged it)."""
    body = await session.scalar(
        select(MessagePayload.body).where(MessagePayload.message_id == message_id)
    )
    return None if body is None else msgspec.json.decode(body)


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
    query = readable(Message, tenant_id)
    # The column the driving index is ordered by: pages and time bounds are taken on it.
    scan_key: Any = Message.id
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
        scan_key = MessageChannel.message_id
    if filters.endpoint_id is not None:
        on = [Delivery.message_id == Message.id, Delivery.endpoint_id == filters.endpoint_id]
        if filters.status is not None:
            on.append(Delivery.status == filters.status)
        query = query.join(Delivery, and_(*on))
        scan_key = Delivery.message_id if scan_key is Message.id else scan_key
    elif filters.status is not None:
        query = query.where(
            exists().where(
                Delivery.tenant_id == tenant_id,
                Delivery.status == filters.status,
                Delivery.message_id == Message.id,
            )
        )
    if filters.after is not None:
        query = query.where(scan_key >= id_bound("msg", filters.after))
    if filters.before is not None:
        query = query.where(scan_key < id_bound("msg", filters.before))
    if cursor and scan_key is not Message.id:
        query = query.where(Message.id < cursor)
    return paginate(query, scan_key, cursor=cursor, limit=limit)


async def page(
    session: AsyncSession, tenant_id: str, filters: MessageFilter, *, cursor: str | None, limit: int
) -> list[Message]:
    query = list_query(tenant_id, filters, cursor=cursor, limit=limit)
    return list((await session.scalars(query)).all())


async def deliveries_of(session: AsyncSession, message_id: str) -> list[tuple[Delivery, Any]]:
    """The message's deliveries, each with its last attempt's ``status_code`` and ``error_kind``
    (None before the first try), read from attempts (message_id, id)."""
    query = select(Delivery).where(Delivery.message_id == message_id).order_by(Delivery.id)
    deliveries = list((await session.scalars(query)).all())
    last_ids = (
        select(func.max(Attempt.id))
        .where(Attempt.message_id == message_id)
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
    query = readable(Attempt, message.tenant_id).where(Attempt.message_id == message.id)
    if endpoint_id is not None:
        query = query.where(Attempt.endpoint_id == endpoint_id)
    return list(
        (await session.scalars(paginate(query, Attempt.id, cursor=cursor, limit=limit))).all()
    )


async def set_send_headers(session: AsyncSession, message_id: str, headers: dict[str, str]) -> None:
    """The headers every try of the message is sent with, besides its signature."""
    await session.execute(
        update(_TABLES["message_payloads"])
        .where(_TABLES["message_payloads"].c.message_id == message_id)
        .values(headers=headers)
    )

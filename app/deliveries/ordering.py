"""Ordered delivery per key (issue 17): an ordered endpoint gets one key's messages in publish
order, one in flight per key, while different keys go in parallel.

Each live key of an ordered endpoint has a row in ``ordering_keys`` naming its head, the one
delivery of the key that is an ordinary pending delivery (due, retried, rate-limited, parked by
an open circuit, re-leased after a crash: the engine's rules as for any delivery). Every other
delivery of the key is ``queued``: pending with no due time, so no claim, scheduler pass or
resume ever takes it (the claim's statements are the same ones unordered endpoints run). When the
head is done (succeeded, or failed under the "skip" policy) the transaction that records it makes
the next of the key, by ``ordering_seq``, the head and due; the key's row goes when nothing
follows. A head failed under "hold" keeps its key held (``held_since``) until a resend of it or a
skip. A message without a key is its own key: it needs no row.

Publish and recording lock the key's row, which serializes them per key: a publish that queues
behind a head commits before the head's result can look for its next (or the result commits
first, the row is gone or names no head, and the publish's delivery is the head itself). On
PostgreSQL the lock is taken by a statement of its own, so that the statement that looks for the
next delivery has a snapshot taken after the lock, which sees what the publish just committed.
Locks are taken in (endpoint, key) order in both.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import and_, bindparam, delete, func, select, text, update
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from app.kit.bulk import rows_json
from app.models import Delivery, OrderingKey
from app.models.base import UTCDateTime
from app.models.delivery import PENDING

HOLD = "hold"
SKIP = "skip"
FAILURE_POLICIES = (HOLD, SKIP)
_NO_SYNC = {"synchronize_session": False}

Key = tuple[str, str]  # (endpoint id, ordering key)


def _is_postgresql(session: AsyncSession) -> bool:
    return session.get_bind().dialect.name == "postgresql"


# -- publish -----------------------------------------------------------------------------------


async def sequence(
    session: AsyncSession,
    rows: Sequence[dict[str, Any]],
    keys: dict[str, str],
    ordered: set[str],
    due_now: list[str],
) -> list[str]:
    """Put new delivery ``rows`` (publish's dicts, already written, in publish order) of the
    ``ordered`` endpoints whose message has a key (``keys``: message id → key) in their key's
    sequence; return ``due_now`` without the deliveries queued behind a head."""
    groups: dict[Key, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        key = keys.get(row["message_id"])
        if key is not None and row["endpoint_id"] in ordered:
            groups[(row["endpoint_id"], key)].append(row)
    if not groups:
        return due_now
    heads = await _upsert_keys(session, groups)
    changes = [
        change
        for (endpoint_id, key), group in groups.items()
        for change in _places(group, key, *heads[(endpoint_id, key)])
    ]
    await _set_places(session, changes)
    queued_ids = {c["delivery_id"] for c in changes if c["is_queued"]}
    return [i for i in due_now if i not in queued_ids]


_UPSERT_KEYS_PG = text(
    """
    INSERT INTO ordering_keys (endpoint_id, ordering_key, tenant_id, last_seq, head_id)
    SELECT r.endpoint_id, r.ordering_key, r.tenant_id, r.n, r.first_id
    FROM json_to_recordset(CAST(:rows AS json)) AS r(
        endpoint_id varchar, ordering_key varchar, tenant_id varchar, n bigint, first_id varchar
    )
    ORDER BY r.endpoint_id, r.ordering_key
    ON CONFLICT (endpoint_id, ordering_key) DO UPDATE
    SET last_seq = ordering_keys.last_seq + EXCLUDED.last_seq,
        head_id = COALESCE(ordering_keys.head_id, EXCLUDED.head_id)
    RETURNING endpoint_id, ordering_key, last_seq, head_id
    """
)


def _places(
    group: list[dict[str, Any]], key: str, last_seq: int, head_id: str | None
) -> list[dict[str, Any]]:
    """Each delivery of ``group`` (dicts with ``id``, ``next_attempt_at``, ``enqueued_at``): its
    place at the end of its key's sequence, and queued unless it is the key's head."""
    first_seq = last_seq - len(group) + 1
    places = []
    for offset, row in enumerate(group):
        queued = row["id"] != head_id
        places.append(
            {
                "delivery_id": row["id"],
                "key": key,
                "seq": first_seq + offset,
                "is_queued": queued,
                "due_at": None if queued else row["next_attempt_at"],
                "enqueued": None if queued else row["enqueued_at"],
            }
        )
    return places


async def _upsert_keys(
    session: AsyncSession, groups: dict[Key, list[dict[str, Any]]]
) -> dict[Key, tuple[int, str | None]]:
    """Lengthen each key's sequence by its group (creating the key's row, its head the group's
    first, if the key had none); each key's new last seq and head."""
    rows = [
        {
            "endpoint_id": endpoint_id,
            "ordering_key": key,
            "tenant_id": group[0]["tenant_id"],
            "n": len(group),
            "first_id": group[0]["id"],
        }
        for (endpoint_id, key), group in sorted(groups.items())
    ]
    if _is_postgresql(session):
        found = await session.execute(_UPSERT_KEYS_PG, {"rows": rows_json(rows)})
        return {(e, k): (seq, head) for e, k, seq, head in found}
    heads: dict[Key, tuple[int, str | None]] = {}
    for row in rows:
        statement = sqlite_insert(OrderingKey).values(
            endpoint_id=row["endpoint_id"],
            ordering_key=row["ordering_key"],
            tenant_id=row["tenant_id"],
            last_seq=row["n"],
            head_id=row["first_id"],
        )
        upsert = statement.on_conflict_do_update(
            index_elements=["endpoint_id", "ordering_key"],
            set_={
                "last_seq": OrderingKey.last_seq + statement.excluded.last_seq,
                "head_id": func.coalesce(OrderingKey.head_id, statement.excluded.head_id),
            },
        ).returning(OrderingKey.last_seq, OrderingKey.head_id)
        seq, head = (await session.execute(upsert)).one()
        heads[(row["endpoint_id"], row["ordering_key"])] = (seq, head)
    return heads


_SET_PLACES_PG = text(
    """
    UPDATE deliveries AS d
    SET ordering_key = v.key, ordering_seq = v.seq, queued = v.is_queued,
        next_attempt_at = v.due_at, enqueued_at = v.enqueued
    FROM json_to_recordset(CAST(:rows AS json)) AS v(
        delivery_id varchar, key varchar, seq bigint, is_queued boolean, due_at timestamptz,
        enqueued timestamptz
    )
    WHERE d.id = v.delivery_id
    """
)


async def _set_places(session: AsyncSession, changes: list[dict[str, Any]]) -> None:
    if _is_postgresql(session):
        await session.execute(_SET_PLACES_PG, {"rows": rows_json(changes)})
        return
    table = Delivery.__table__
    statement = (
        update(table)  # type: ignore[arg-type]
        .where(table.c.id == _bind("delivery_id"))
        .values(
            ordering_key=_bind("key"),
            ordering_seq=_bind("seq"),
            queued=_bind("is_queued"),
            next_attempt_at=_bind("due_at", UTCDateTime()),
            enqueued_at=_bind("enqueued", UTCDateTime()),
        )
    )
    await session.execute(statement, changes)


def _bind(name: str, type_: Any = None) -> Any:
    return bindparam(name, type_=type_)


# -- results -----------------------------------------------------------------------------------


async def after_results(
    session: AsyncSession, *, done: Sequence[str], held: Sequence[str], now: datetime
) -> list[str]:
    """Recording's step for ordered endpoints: a head ``done`` (succeeded, or failed under
    "skip") hands its key to the next; a head failed under "hold" (``held``) holds its key.
    Either applies only if the result was stored (the delivery is no longer pending: a result
    whose lease was lost changes nothing). Returns the new heads, due now, to enqueue."""
    if held:
        finished = select(Delivery.id).where(Delivery.id.in_(held), Delivery.status != PENDING)
        await session.execute(
            update(OrderingKey)
            .where(OrderingKey.head_id.in_(finished), OrderingKey.held_since.is_(None))
            .values(held_since=now),
            execution_options=_NO_SYNC,
        )
    if not done:
        return []
    finished = select(Delivery.id).where(Delivery.id.in_(done), Delivery.status != PENDING)
    keys = await _lock_keys(session, OrderingKey.head_id.in_(finished))
    return await _advance(session, keys, now=now)


async def _lock_keys(session: AsyncSession, *where: Any) -> list[Key]:
    """Row-lock the matching keys in (endpoint, key) order; return them."""
    query = (
        select(OrderingKey.endpoint_id, OrderingKey.ordering_key)
        .where(*where)
        .order_by(OrderingKey.endpoint_id, OrderingKey.ordering_key)
        .with_for_update()
    )
    return [(e, k) for e, k in await session.execute(query)]


_ADVANCE_PG = text(
    """
    WITH k AS (
        SELECT * FROM json_to_recordset(CAST(:keys AS json))
            AS k(endpoint_id varchar, ordering_key varchar)
    ), nxt AS (
        SELECT k.endpoint_id, k.ordering_key, (
            SELECT d.id FROM deliveries AS d
            WHERE d.queued AND d.endpoint_id = k.endpoint_id
              AND d.ordering_key = k.ordering_key AND d.status = 'pending'
            ORDER BY d.ordering_seq LIMIT 1
        ) AS next_id
        FROM k
    ), gone AS (
        DELETE FROM ordering_keys AS o USING nxt
        WHERE o.endpoint_id = nxt.endpoint_id AND o.ordering_key = nxt.ordering_key
          AND nxt.next_id IS NULL
    ), moved AS (
        UPDATE ordering_keys AS o SET head_id = nxt.next_id, held_since = NULL
        FROM nxt
        WHERE o.endpoint_id = nxt.endpoint_id AND o.ordering_key = nxt.ordering_key
          AND nxt.next_id IS NOT NULL
        RETURNING o.head_id
    )
    UPDATE deliveries AS d
    SET queued = false, next_attempt_at = :now, enqueued_at = :now, updated_at = :now
    FROM moved WHERE d.id = moved.head_id
    RETURNING d.id
    """
).bindparams(_bind("now", UTCDateTime()))


async def _advance(session: AsyncSession, keys: Sequence[Key], *, now: datetime) -> list[str]:
    """Make the next queued delivery of each (locked) key its head, due now; drop the keys
    nothing follows. Returns the new heads."""
    if not keys:
        return []
    if _is_postgresql(session):
        rows = [{"endpoint_id": e, "ordering_key": k} for e, k in keys]
        found = await session.execute(_ADVANCE_PG, {"keys": rows_json(rows), "now": now})
        return list(found.scalars())
    promoted: list[str] = []
    for endpoint_id, key in keys:
        next_id = await session.scalar(_next_of(endpoint_id, key))
        the_key = and_(OrderingKey.endpoint_id == endpoint_id, OrderingKey.ordering_key == key)
        if next_id is None:
            await session.execute(delete(OrderingKey).where(the_key), execution_options=_NO_SYNC)
            continue
        await session.execute(
            update(OrderingKey).where(the_key).values(head_id=next_id, held_since=None),
            execution_options=_NO_SYNC,
        )
        await _make_due(session, [next_id], now=now)
        promoted.append(next_id)
    return promoted


def _next_of(endpoint_id: str, key: str) -> Any:
    return (
        select(Delivery.id)
        .where(
            Delivery.queued.is_(True),
            Delivery.endpoint_id == endpoint_id,
            Delivery.ordering_key == key,
            Delivery.status == PENDING,
        )
        .order_by(Delivery.ordering_seq)
        .limit(1)
    )


async def _make_due(session: AsyncSession, ids: Sequence[str], *, now: datetime) -> None:
    await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(ids))
        .values(queued=False, next_attempt_at=now, enqueued_at=now, updated_at=now),
        execution_options=_NO_SYNC,
    )


# -- resend, recovery, skip --------------------------------------------------------------------


class _Requeued(NamedTuple):
    id: str
    ordering_key: str | None
    ordering_seq: int | None


async def requeue(
    session: AsyncSession, endpoint_id: str, ids: Sequence[str], *, now: datetime
) -> list[str]:
    """Deliveries of an ordered endpoint just put back to pending for a manual try (a resend, a
    recovery), in order: a key's held head is simply tried again (its key no longer held);
    any other joins the end of its key's sequence, so that it is never in flight beside the key's
    head, and recovered ones go in their first order. Returns those due now (the others queued)."""
    if not ids:
        return []
    found = await session.execute(
        select(Delivery.id, Delivery.ordering_key, Delivery.ordering_seq).where(
            Delivery.id.in_(ids)
        )
    )
    rows = [_Requeued(*row) for row in found]
    due = [r.id for r in rows if r.ordering_key is None]
    groups: dict[Key, list[_Requeued]] = defaultdict(list)
    for row in rows:
        if row.ordering_key is not None:
            groups[(endpoint_id, row.ordering_key)].append(row)
    for key, group in sorted(groups.items()):
        due.extend(await _requeue_key(session, key, group, now=now))
    return [i for i in ids if i in set(due)]


async def _requeue_key(
    session: AsyncSession, key: Key, group: list[_Requeued], *, now: datetime
) -> list[str]:
    endpoint_id, ordering_key = key
    the_key = and_(OrderingKey.endpoint_id == endpoint_id, OrderingKey.ordering_key == ordering_key)
    head_id = await session.scalar(select(OrderingKey.head_id).where(the_key).with_for_update())
    due: list[str] = []
    rest = []
    for row in sorted(group, key=lambda r: r.ordering_seq or 0):
        if row.id == head_id:
            due.append(row.id)
        else:
            rest.append(row)
    if due:
        await session.execute(
            update(OrderingKey).where(the_key).values(held_since=None), execution_options=_NO_SYNC
        )
    if not rest:
        return due
    tenant_id = await session.scalar(select(Delivery.tenant_id).where(Delivery.id == rest[0].id))
    rows = [
        {"id": r.id, "tenant_id": tenant_id, "next_attempt_at": now, "enqueued_at": now}
        for r in rest
    ]
    last_seq, new_head = (await _upsert_keys(session, {key: rows}))[key]
    changes = _places(rows, ordering_key, last_seq, new_head)
    await _set_places(session, changes)
    return due + [c["delivery_id"] for c in changes if not c["is_queued"]]


async def skip(session: AsyncSession, endpoint_id: str, key: str, *, now: datetime) -> list[str]:
    """Release a held key: its failed head stays failed, the next delivery becomes the head.
    Returns the new head (to enqueue); raises LookupError if the key is not held."""
    locked = await _lock_keys(
        session,
        OrderingKey.endpoint_id == endpoint_id,
        OrderingKey.ordering_key == key,
        OrderingKey.held_since.is_not(None),
    )
    if not locked:
        raise LookupError(key)
    return await _advance(session, locked, now=now)


async def release_all(session: AsyncSession, endpoint_id: str, *, now: datetime) -> None:
    """The endpoint stopped being ordered: every queued delivery is due now (the scheduler
    enqueues them), and its keys go."""
    await session.execute(
        update(Delivery)
        .where(Delivery.endpoint_id == endpoint_id, Delivery.queued.is_(True))
        .values(queued=False, next_attempt_at=now, enqueued_at=None, updated_at=now),
        execution_options=_NO_SYNC,
    )
    await session.execute(
        delete(OrderingKey).where(OrderingKey.endpoint_id == endpoint_id),
        execution_options=_NO_SYNC,
    )


# -- reads -------------------------------------------------------------------------------------


class KeyState(NamedTuple):
    ordering_key: str
    head_delivery_id: str | None
    head_message_id: str | None
    held_since: datetime | None
    queued: int  # deliveries waiting behind the head


async def keys_page(
    session: AsyncSession,
    endpoint_id: str,
    *,
    held: bool | None,
    cursor: str | None,
    limit: int,
) -> list[KeyState]:
    """The endpoint's live keys (``held``: only held ones, or only the others), by key
    descending, each with its head and how many deliveries wait behind it."""
    waiting = (
        select(func.count())
        .where(
            Delivery.queued.is_(True),
            Delivery.endpoint_id == OrderingKey.endpoint_id,
            Delivery.ordering_key == OrderingKey.ordering_key,
        )
        .correlate(OrderingKey)
        .scalar_subquery()
    )
    head_message = (
        select(Delivery.message_id)
        .where(Delivery.id == OrderingKey.head_id)
        .correlate(OrderingKey)
        .scalar_subquery()
    )
    query = select(
        OrderingKey.ordering_key, OrderingKey.head_id, head_message, OrderingKey.held_since, waiting
    ).where(OrderingKey.endpoint_id == endpoint_id)
    if held is not None:
        query = query.where(
            OrderingKey.held_since.is_not(None) if held else OrderingKey.held_since.is_(None)
        )
    if cursor:
        query = query.where(OrderingKey.ordering_key < cursor)
    query = query.order_by(OrderingKey.ordering_key.desc()).limit(limit + 1)
    return [KeyState(*row) for row in await session.execute(query)]


def message_keys(messages: Iterable[Any]) -> dict[str, str]:
    """Message id → ordering key, for the messages that have one."""
    return {m.id: m.ordering_key for m in messages if m.ordering_key}

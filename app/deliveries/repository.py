"""Every query on delivery state: created by publish, claimed by scheduler and worker, recorded.

Claims are single ``UPDATE … WHERE id IN (…) RETURNING`` statements, so they are atomic on SQLite
(which ignores ``FOR UPDATE SKIP LOCKED``) and, with ``SKIP LOCKED`` in the sub-select, let several
schedulers on PostgreSQL claim disjoint rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, NamedTuple, TypedDict, cast

from sqlalchemy import Table, bindparam, delete, exists, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import rollup
from app.kit.bulk import insert_from_json, rows_json
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import Attempt, Delivery, Endpoint, Message, MessagePayload
from app.models.base import UTCDateTime
from app.models.delivery import PENDING, SCHEDULED

# A task may reach a worker a moment before the row's time (clock skew between processes).
DUE_SLACK = timedelta(seconds=1)
_NO_SYNC = {"synchronize_session": False}


async def claim_due(
    session: AsyncSession, *, now: datetime, stuck_before: datetime, limit: int
) -> list[str]:
    """Mark as enqueued, and return, pending deliveries that are due and have no live task."""
    due = (
        select(Delivery.id)
        .where(
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now,
            or_(Delivery.enqueued_at.is_(None), Delivery.enqueued_at < stuck_before),
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .order_by(Delivery.next_attempt_at)
        .limit(limit)
        .with_for_update(skip_locked=True, key_share=True)
    )
    claimed = await session.execute(
        update(Delivery)
        .where(Delivery.id.in_(due.scalar_subquery()))
        .values(enqueued_at=now)
        .returning(Delivery.id),
        execution_options=_NO_SYNC,
    )
    return list(claimed.scalars())


class ClaimedDelivery(NamedTuple):
    """One leased delivery and what sending it needs: a claim's row, in ``_CLAIM_COLUMNS`` order.

    A tuple subclass, so turning a claim's rows into these costs one C-level tuple copy each (the
    claim returns hundreds of rows per task), and reading a field is a C attribute getter.
    """

    id: str
    attempt_count: int
    message_id: str
    tenant_id: str
    endpoint_id: str
    lease_until: datetime  # the lease this claim took; recording applies only while it holds
    trigger: str
    url: str
    secret_encrypted: str
    old_secrets: list[dict[str, str]] | None
    headers: dict[str, str] | None
    disabled: bool
    rate_limit_per_second: int | None
    send_after: datetime | None
    circuit_state: str
    circuit_failures: int
    circuit_cooldown_seconds: float
    circuit_next_probe_at: datetime | None
    destination: bool  # a source's destination: the destinations' egress policy applies
    body: bytes | None  # None once retention purged the payload
    payload_headers: dict[str, str] | None  # per message (inbound: content type, provider's ids)
    signature_scheme: str  # v1, v1a or both (app.kit.signing)
    signing_keys: list[dict[str, Any]] | None  # ed25519 keys; null unless v1a was ever used
    transformation: dict[str, Any] | None  # reshapes the body before signing (app.kit.transform)


async def claim_for_send(
    session: AsyncSession, ids: Sequence[str], *, now: datetime, lease_until: datetime
) -> list[ClaimedDelivery]:
    """Lease the due, unleased deliveries among ``ids`` and return what sending them needs."""
    if session.get_bind().dialect.name == "postgresql":
        rows = await session.execute(
            _CLAIM_FOR_SEND_PG,
            {"ids": ",".join(ids), "now": now, "due": now + DUE_SLACK, "lease": lease_until},
        )
        return list(map(ClaimedDelivery._make, rows))
    leased = await session.execute(
        update(Delivery)
        .where(
            Delivery.id.in_(ids),
            Delivery.status == PENDING,
            Delivery.next_attempt_at <= now + DUE_SLACK,
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .values(lease_until=lease_until)
        .returning(Delivery.id),
        execution_options=_NO_SYNC,
    )
    leased_ids = list(leased.scalars())
    if not leased_ids:
        return []
    rows = await session.execute(
        select(*_CLAIM_COLUMNS)
        .join(Endpoint, Endpoint.id == Delivery.endpoint_id)
        .outerjoin(MessagePayload, MessagePayload.message_id == Delivery.message_id)
        .where(Delivery.id.in_(leased_ids))
        .order_by(Delivery.id)
    )
    return list(map(ClaimedDelivery._make, rows))


# What sending needs besides the delivery's own columns.
_SEND_COLUMNS = (
    Endpoint.url,
    Endpoint.secret_encrypted,
    Endpoint.old_secrets,
    Endpoint.headers,
    Endpoint.disabled,
    Endpoint.rate_limit_per_second,
    Endpoint.send_after,
    Endpoint.circuit_state,
    Endpoint.circuit_failures,
    Endpoint.circuit_cooldown_seconds,
    Endpoint.circuit_next_probe_at,
    Endpoint.destination,
    MessagePayload.body,
    MessagePayload.headers.label("payload_headers"),
    Endpoint.signature_scheme,
    Endpoint.signing_keys,
    Endpoint.transformation,
)

# What a claim returns per delivery: its own columns and what sending it needs (the fields of
# ClaimedDelivery, in its order).
_CLAIM_COLUMNS = (
    Delivery.id,
    Delivery.attempt_count,
    Delivery.message_id,
    Delivery.tenant_id,
    Delivery.endpoint_id,
    Delivery.lease_until,
    Delivery.trigger,
    *_SEND_COLUMNS,
)

# PostgreSQL: the lease and the read in one statement, and one statement text whatever the
# number of ids (``= ANY(array)``, not an ``IN`` list that renders anew for every length), so it
# is prepared once per connection. Measured: the two-statement claim was ~8 % of a worker's CPU.
# The ids travel as one comma-joined string (ids never hold a comma): psycopg dumps a Python list
# to an array in Python, element by element, which cost more than the statement.
_CLAIM_FOR_SEND_PG = (
    text(
        """
        WITH leased AS (
            UPDATE deliveries SET lease_until = :lease
            WHERE id = ANY(string_to_array(:ids, ',')) AND status = 'pending'
              AND next_attempt_at <= :due AND (lease_until IS NULL OR lease_until < :now)
            RETURNING id, attempt_count, message_id, tenant_id, endpoint_id, lease_until, "trigger"
        )
        SELECT leased.id, leased.attempt_count, leased.message_id, leased.tenant_id,
               leased.endpoint_id, leased.lease_until, leased."trigger",
               e.url, e.secret_encrypted, e.old_secrets, e.headers, e.disabled,
               e.rate_limit_per_second, e.send_after, e.circuit_state, e.circuit_failures,
               e.circuit_cooldown_seconds, e.circuit_next_probe_at, e.destination, p.body,
               p.headers AS payload_headers, e.signature_scheme, e.signing_keys,
               e.transformation
        FROM leased
        JOIN endpoints AS e ON e.id = leased.endpoint_id
        LEFT JOIN message_payloads AS p ON p.message_id = leased.message_id
        ORDER BY leased.id
        """
    )
    .bindparams(
        bindparam("lease", type_=UTCDateTime()),
        bindparam("due", type_=UTCDateTime()),
        bindparam("now", type_=UTCDateTime()),
    )
    .columns(*_CLAIM_COLUMNS)
)


class DeliveryChange(TypedDict):
    """A tried delivery's next state. The keys are bind names, which SQLAlchemy will not let
    share a name with a column the statement sets."""

    delivery_id: str
    sent_lease: datetime  # the lease it was sent under (ClaimedDelivery.lease_until)
    new_status: str
    tries: int  # the attempt count after this try
    next_try_at: datetime | None
    tried_at: datetime


class AttemptRow(TypedDict):
    """One Attempt row as recording inserts it (the keys of ``_ATTEMPT_PG_TYPES``)."""

    id: str
    tenant_id: str
    delivery_id: str
    message_id: str
    endpoint_id: str
    attempt_number: int
    status: str
    status_code: int | None
    request_headers: dict[str, str] | None
    response_headers: dict[str, str] | None
    response_body: str
    request_body: str | None
    duration_ms: int
    error_kind: str | None
    error_detail: str | None
    trigger: str
    created_at: datetime


# Core statements (not ORM): executed with a list of parameter sets, one round trip for many rows.
_DELIVERIES = cast(Table, Delivery.__table__)
_ATTEMPTS = cast(Table, Attempt.__table__)
_RECORD = (
    update(_DELIVERIES)
    .where(
        _DELIVERIES.c.id == bindparam("delivery_id"),
        _DELIVERIES.c.lease_until == bindparam("sent_lease"),
    )
    .values(
        status=bindparam("new_status"),
        attempt_count=bindparam("tries"),
        next_attempt_at=bindparam("next_try_at"),
        last_attempt_at=bindparam("tried_at"),
        lease_until=None,
        enqueued_at=None,
        trigger=SCHEDULED,
        updated_at=bindparam("tried_at"),
    )
)


# PostgreSQL: each batch is written by two statements whatever its size, over one JSON document
# each (app.kit.bulk says why).
_RECORD_PG = text(
    """
    UPDATE deliveries AS d
    SET status = v.new_status, attempt_count = v.tries,
        next_attempt_at = v.next_try_at, last_attempt_at = v.tried_at,
        lease_until = NULL, enqueued_at = NULL, "trigger" = 'scheduled',
        updated_at = v.tried_at
    FROM json_to_recordset(CAST(:rows AS json)) AS v(
        delivery_id varchar, sent_lease timestamptz, new_status varchar, tries integer,
        next_try_at timestamptz, tried_at timestamptz
    )
    WHERE d.id = v.delivery_id AND d.lease_until = v.sent_lease
    """
)
_ATTEMPT_PG_TYPES = {
    "id": "varchar",
    "tenant_id": "varchar",
    "delivery_id": "varchar",
    "message_id": "varchar",
    "endpoint_id": "varchar",
    "attempt_number": "integer",
    "status": "varchar",
    "status_code": "integer",
    "request_headers": "json",
    "response_headers": "json",
    "response_body": "text",
    "request_body": "text",
    "duration_ms": "integer",
    "error_kind": "varchar",
    "error_detail": "text",
    "trigger": "varchar",
    "created_at": "timestamptz",
}
_INSERT_ATTEMPTS_PG = insert_from_json("attempts", _ATTEMPT_PG_TYPES)


async def record(
    session: AsyncSession, attempts: list[AttemptRow], changes: list[DeliveryChange]
) -> None:
    """Write attempts and the deliveries' new state in bulk.

    A change applies only while the row still holds the lease it was sent under (``sent_lease``):
    if the lease ran out and another worker took the delivery, that worker's result counts.
    Every attempt is counted in the roll-up too (app.deliveries.rollup), manual ones included.
    """
    await rollup.add(session, attempts)
    if session.get_bind().dialect.name == "postgresql":
        if attempts:
            await session.execute(_INSERT_ATTEMPTS_PG, {"rows": rows_json(attempts)})
        if changes:
            await session.execute(_RECORD_PG, {"rows": rows_json(changes)})
        return
    if attempts:
        await session.execute(insert(_ATTEMPTS), attempts)
    if changes:
        await session.execute(_RECORD, changes)


_HOLD = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("delivery_id"))
    .values(
        next_attempt_at=bindparam("next_try_at"),
        lease_until=None,
        enqueued_at=None,
        updated_at=bindparam("held_at"),
    )
)


# PostgreSQL: one statement per batch (app.kit.bulk). A rate-limited endpoint's backlog is held
# back thousands of rows at a time; row by row, 10,000 of them took ~1.8 s of claims that other
# endpoints' tasks waited behind.
_HOLD_PG = text(
    """
    UPDATE deliveries AS d
    SET next_attempt_at = v.next_try_at, lease_until = NULL, enqueued_at = NULL,
        updated_at = v.held_at
    FROM json_to_recordset(CAST(:rows AS json)) AS v(
        delivery_id varchar, next_try_at timestamptz, held_at timestamptz
    )
    WHERE d.id = v.delivery_id
    """
)


async def hold(session: AsyncSession, holds: Sequence[tuple[str, datetime | None]]) -> None:
    """Give leased deliveries back untried, due again at the given time (None: parked).

    No try is spent: this is how rate limits, open circuits and busy endpoints make deliveries
    wait. Parked deliveries come back when their endpoint is enabled or its circuit closes.
    """
    if not holds:
        return
    now = utc_now()
    rows = [{"delivery_id": i, "next_try_at": at, "held_at": now} for i, at in holds]
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(_HOLD_PG, {"rows": rows_json(rows)})
    else:
        await session.execute(_HOLD, rows)


class RateLimit(NamedTuple):
    """A rate-limited endpoint as publish's plan sees it: its limit, its next free slot, and the
    due time of the last delivery in its line (None: no line)."""

    endpoint_id: str
    per_second: int
    send_after: datetime | None
    tail: datetime | None


# How many of an endpoint's newest deliveries its line's tail is read from: ids made in the same
# millisecond do not sort in publish order, so the very last one may not be the latest planned.
_TAIL_WINDOW = 64


async def rate_limits(session: AsyncSession, endpoint_ids: Sequence[str]) -> list[RateLimit]:
    """The rate-limited ones among ``endpoint_ids``, each with the tail of its line."""
    if not endpoint_ids:
        return []
    limited = await session.execute(
        select(Endpoint.id, Endpoint.rate_limit_per_second, Endpoint.send_after).where(
            Endpoint.id.in_(endpoint_ids), Endpoint.rate_limit_per_second.is_not(None)
        )
    )
    return [
        RateLimit(endpoint_id, per_second, send_after, await _line_tail(session, endpoint_id))
        for endpoint_id, per_second, send_after in limited
        if per_second  # 0 is no limit, as for the dispatcher
    ]


async def _line_tail(session: AsyncSession, endpoint_id: str) -> datetime | None:
    """The latest due time among the endpoint's newest untried pending deliveries.

    Read from the newest few along (endpoint_id, message_id), whatever their state: filtering
    first would walk an endpoint's whole delivered history when it has no line.
    """
    newest = (
        select(Delivery.next_attempt_at, Delivery.status, Delivery.attempt_count)
        .where(Delivery.endpoint_id == endpoint_id)
        .order_by(Delivery.message_id.desc())
        .limit(_TAIL_WINDOW)
        .subquery()
    )
    tail: datetime | None = await session.scalar(
        select(func.max(newest.c.next_attempt_at)).where(
            newest.c.status == PENDING, newest.c.attempt_count == 0
        )
    )
    return tail


async def lock_endpoints(session: AsyncSession, ids: Sequence[str]) -> dict[str, Endpoint]:
    """The endpoints, row-locked in id order (one order among workers: no deadlocks).

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: a publish inserting deliveries takes ``FOR KEY
    SHARE`` on their endpoints (the foreign key check), in its own order; ``FOR UPDATE`` conflicts
    with that and deadlocked batch publishes against the worker's recording under load.
    """
    query = select(Endpoint).where(Endpoint.id.in_(sorted(ids))).order_by(Endpoint.id)
    found = await session.scalars(query.with_for_update(key_share=True))
    return {e.id: e for e in found}


async def start_probe(
    session: AsyncSession,
    endpoint_id: str,
    *,
    seen_state: str,
    seen_probe_at: datetime | None,
    probe_until: datetime,
) -> bool:
    """Move an open circuit to half-open if nobody else did since it was read (compare-and-set)."""
    result = await session.execute(
        update(Endpoint)
        .where(
            Endpoint.id == endpoint_id,
            Endpoint.circuit_state == seen_state,
            Endpoint.circuit_next_probe_at == seen_probe_at
            if seen_probe_at is not None
            else Endpoint.circuit_next_probe_at.is_(None),
        )
        .values(circuit_state="half_open", circuit_next_probe_at=probe_until)
        .returning(Endpoint.id),
        execution_options=_NO_SYNC,
    )
    return result.first() is not None


async def wake_due_probes(session: AsyncSession, *, now: datetime, limit: int = 100) -> int:
    """For each open circuit whose cool-down is over, make one parked delivery due: the probe."""
    endpoint_ids = list(
        await session.scalars(
            select(Endpoint.id)
            .where(
                Endpoint.circuit_state != "closed",
                Endpoint.circuit_next_probe_at <= now,
                Endpoint.disabled.is_(False),
            )
            .limit(limit)
        )
    )
    woken = 0
    for endpoint_id in endpoint_ids:
        one = (
            select(Delivery.id)
            .where(
                Delivery.endpoint_id == endpoint_id,
                Delivery.status == PENDING,
                Delivery.next_attempt_at.is_(None),
                Delivery.queued.is_(False),
            )
            .order_by(Delivery.id)
            .limit(1)
            .scalar_subquery()
        )
        result = await session.execute(
            update(Delivery)
            .where(Delivery.id == one)
            .values(next_attempt_at=now, updated_at=now)
            .returning(Delivery.id),
            execution_options=_NO_SYNC,
        )
        woken += len(result.all())
    return woken


async def parked_ids(session: AsyncSession, endpoint_id: str) -> list[str]:
    """The endpoint's parked deliveries, oldest first."""
    query = select(Delivery.id).where(
        Delivery.endpoint_id == endpoint_id,
        Delivery.status == PENDING,
        Delivery.next_attempt_at.is_(None),
        Delivery.queued.is_(False),  # behind their key's head: not parked, waiting their turn
    )
    return list(await session.scalars(query.order_by(Delivery.id)))


async def resume_parked(session: AsyncSession, endpoint_id: str) -> None:
    """Make an enabled endpoint's parked deliveries due now; the scheduler picks them up."""
    await session.execute(
        update(Delivery)
        .where(
            Delivery.endpoint_id == endpoint_id,
            Delivery.status == PENDING,
            Delivery.next_attempt_at.is_(None),
            Delivery.queued.is_(False),
        )
        .values(next_attempt_at=utc_now(), updated_at=utc_now()),
        execution_options=_NO_SYNC,
    )


async def purge_payloads(session: AsyncSession, *, before_id: str, limit: int) -> int:
    """Delete up to ``limit`` payloads of messages whose id is below ``before_id`` (the oldest
    first, along the primary key) and that no pending delivery still needs; the count deleted.
    Messages, deliveries and attempts stay."""
    needed = exists().where(
        Delivery.message_id == MessagePayload.message_id, Delivery.status == PENDING
    )
    oldest = (
        select(MessagePayload.message_id)
        .where(MessagePayload.message_id < before_id, ~needed)
        .order_by(MessagePayload.message_id)
        .limit(limit)
    )
    result = await session.execute(
        delete(MessagePayload)
        .where(MessagePayload.message_id.in_(oldest.scalar_subquery()))
        .returning(MessagePayload.message_id),
        execution_options=_NO_SYNC,
    )
    return len(result.all())


def new_delivery_row(message: Message, endpoint_id: str) -> dict[str, Any]:
    """A new pending delivery of ``message`` to an endpoint, due (and enqueued) as it was
    published; the insert paths take it as a dict (``planning`` may move its due time)."""
    return {
        "id": new_id("dlv"),
        "tenant_id": message.tenant_id,
        "message_id": message.id,
        "endpoint_id": endpoint_id,
        "status": PENDING,
        "attempt_count": 0,
        "next_attempt_at": message.created_at,
        "enqueued_at": message.created_at,
        "created_at": message.created_at,
        "updated_at": message.created_at,
        "trigger": SCHEDULED,
    }

"""Routes of the delivery log and recovery that hang off an endpoint or the tenant."""

from __future__ import annotations

from typing import Literal

from litestar import Controller, Response, get, post
from litestar.params import FromPath, FromQuery, JSONBody

from app.deliveries import log as endpoint_log
from app.deliveries import service
from app.deliveries.schemas import (
    EndpointSeries,
    EndpointStats,
    OrderingKeyOut,
    RecoveryCreate,
    RecoveryOut,
    UndeliveredFilter,
    UndeliveredOut,
)
from app.endpoints import service as endpoints
from app.kit.clock import as_utc
from app.kit.deps import Cursor, Limit, Session, parse_time
from app.kit.openapi import problem_response
from app.kit.pagination import Page, page_of, pair_cursor, split_cursor
from app.kit.schemas import present
from app.messages.schemas import AttemptOut, DeliveryOut
from app.tenants import service as tenants


class EndpointLogController(Controller):
    """An endpoint's attempts, stats and recoveries."""

    path = "/api/v1/tenants/{tenant:str}/endpoints/{endpoint:str}"
    tags = ["delivery log"]

    @get("/attempts", operation_id="list_endpoint_attempts")
    async def attempts(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        status: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[AttemptOut]:
        """The endpoint's HTTP tries, newest first (``status``: succeeded or failed)."""
        owner = await tenants.get(session, tenant)
        found_endpoint = await endpoints.get(session, owner, endpoint)
        found = await endpoint_log.endpoint_attempts(
            session, found_endpoint, status=status, cursor=split_cursor(cursor), limit=limit
        )
        data = [present(AttemptOut, a) for a in found]
        return page_of(data, [pair_cursor(a.created_at.isoformat(), a.id) for a in found], limit)

    @get("/attempts/{attempt:str}", operation_id="get_endpoint_attempt")
    async def attempt(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        attempt: FromPath[str],
    ) -> AttemptOut:
        """One HTTP try: request headers (secrets redacted), response status, headers, body."""
        owner = await tenants.get(session, tenant)
        found_endpoint = await endpoints.get(session, owner, endpoint)
        found = await endpoint_log.get_attempt(session, found_endpoint, attempt)
        return present(AttemptOut, found)

    @get("/stats", operation_id="get_endpoint_stats")
    async def stats(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> EndpointStats:
        """Attempts over the last 1 h, 24 h and 7 d: outcomes, success rate, latency."""
        owner = await tenants.get(session, tenant)
        return await endpoint_log.endpoint_stats(
            session, await endpoints.get(session, owner, endpoint)
        )

    @get("/stats/series", operation_id="get_endpoint_series")
    async def series(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        window: FromQuery[Literal["1h", "24h", "7d", "30d"]] = "24h",
    ) -> EndpointSeries:
        """Attempts over time: succeeded, failed and mean duration per bucket (1 h: minutes,
        24 h: hours, 7 d: 6 hours, 30 d: days), oldest first."""
        owner = await tenants.get(session, tenant)
        found_endpoint = await endpoints.get(session, owner, endpoint)
        return (await endpoint_log.series(session, [found_endpoint.id], window))[found_endpoint.id]

    @post("/recover", operation_id="recover_endpoint", status_code=202)
    async def recover(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[RecoveryCreate],
    ) -> RecoveryOut:
        """Try again, in the background, every failed delivery of messages made since a time."""
        owner = await tenants.get(session, tenant)
        until = as_utc(data.until) if data.until else None
        recovery = await service.start_recovery(
            session, owner, endpoint, since=as_utc(data.since), until=until
        )
        return present(RecoveryOut, recovery)

    @get(
        "/ordering-keys",
        operation_id="list_ordering_keys",
        responses={409: problem_response(409)},  # endpoint_not_ordered
    )
    async def ordering_keys(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        held: FromQuery[bool | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[OrderingKeyOut]:
        """An ordered endpoint's live ordering keys, each with its head and how many wait behind
        it (``held=true``: only keys held behind a head that exhausted its tries)."""
        owner = await tenants.get(session, tenant)
        found = await service.ordering_keys(
            session, owner, endpoint, held=held, cursor=cursor, limit=limit
        )
        data = [present(OrderingKeyOut, k) for k in found]
        return page_of(data, [k.ordering_key for k in found], limit)

    @post(
        "/ordering-keys/{key:str}/skip",
        operation_id="skip_ordering_key",
        status_code=204,
        responses={409: problem_response(409)},  # endpoint_not_ordered
    )
    async def skip_key(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str], key: FromPath[str]
    ) -> None:
        """Release a held key: its failed head stays failed, and its next message goes now."""
        owner = await tenants.get(session, tenant)
        await service.skip_key(session, owner, endpoint, key)

    @get("/recoveries/{recovery:str}", operation_id="get_recovery")
    async def recovery(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        recovery: FromPath[str],
    ) -> RecoveryOut:
        """A recovery's progress."""
        owner = await tenants.get(session, tenant)
        return present(RecoveryOut, await service.get_recovery(session, owner, endpoint, recovery))


class RecoveryController(Controller):
    """Resend one delivery; the undelivered report."""

    path = "/api/v1/tenants/{tenant:str}"
    tags = ["delivery log"]

    @post(
        "/messages/{message:str}/endpoints/{endpoint:str}/resend",
        operation_id="resend_message",
        status_code=202,
        # delivery_in_flight: a try is out right now; delivery_queued: it waits behind its key
        responses={409: problem_response(409)},
    )
    async def resend(
        self,
        session: Session,
        tenant: FromPath[str],
        message: FromPath[str],
        endpoint: FromPath[str],
    ) -> Response[DeliveryOut]:
        """Try the message's delivery to the endpoint once more, now (trigger ``manual``)."""
        owner = await tenants.get(session, tenant)
        delivery = await service.resend(session, owner, message, endpoint)
        # Answered before the try: there is no last attempt to show yet.
        out = present(DeliveryOut, delivery, last_status_code=None, last_error_kind=None)
        return Response(out, status_code=202)

    @get("/undelivered", operation_id="list_undelivered")
    async def undelivered(
        self,
        session: Session,
        tenant: FromPath[str],
        after: FromQuery[str | None] = None,
        before: FromQuery[str | None] = None,
        endpoint_id: FromQuery[str | None] = None,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[UndeliveredOut]:
        """Message x endpoint pairs that ended without success: failed deliveries, and pending
        ones on a disabled endpoint; ``after``/``before`` bound the message's creation time."""
        owner = await tenants.get(session, tenant)
        found = await service.undelivered(
            session,
            owner,
            UndeliveredFilter(
                after=parse_time("after", after),
                before=parse_time("before", before),
                endpoint_id=endpoint_id,
            ),
            cursor=split_cursor(cursor),
            limit=limit,
        )
        data = [
            present(UndeliveredOut, r, delivery_id=r.id, message_created_at=r.created_at)
            for r in found
        ]
        return page_of(data, [pair_cursor(r.message_id, r.id) for r in found], limit)

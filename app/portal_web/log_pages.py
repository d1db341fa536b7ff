"""The delivery log screens: the message list with filters, a message with its deliveries and
attempts (resend), recovery with its progress, and the undelivered report."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import service as deliveries
from app.deliveries.schemas import RecoveryOut, UndeliveredFilter
from app.endpoints import service as endpoints
from app.errors import AppError
from app.kit.clock import utc_now
from app.kit.deps import Session, parse_time
from app.kit.pagination import page_of, pair_cursor, split_cursor
from app.kit.schemas import present
from app.messages import log as messages
from app.messages.schemas import AttemptOut, DeliveryOut, MessageFilter, MessageOut
from app.models import Tenant
from app.portal_web.access import CurrentViewer
from app.portal_web.render import page
from app.portal_web.session import Viewer
from app.tenants import service as tenants

PAGE_SIZE = 50
FOLLOW_FOR = timedelta(seconds=60)
PRESETS = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
PRESETS |= {"30d": timedelta(days=30)}


def _filters(query: dict[str, str]) -> MessageFilter:
    """The log's filters from the query string: a preset or explicit times (UTC)."""
    after = parse_time("after", query.get("after") or None)
    if query.get("range") in PRESETS:
        after = utc_now() - PRESETS[query["range"]]
    return MessageFilter(
        event_type=query.get("event_type") or None,
        status=query.get("status") or None,
        endpoint_id=query.get("endpoint_id") or None,
        event_id=query.get("event_id") or None,
        after=after,
        before=parse_time("before", query.get("before") or None),
    )


def delivery_of(delivery: Any, last: Any, deleted: set[str]) -> DeliveryOut:
    """A delivery with how its last try ended, as the API lists it (``deleted``: the deleted
    endpoints, marked ``endpoint_deleted``)."""
    return present(
        DeliveryOut,
        delivery,
        last_status_code=last.status_code if last is not None else None,
        last_error_kind=last.error_kind if last is not None else None,
        endpoint_deleted=delivery.endpoint_id in deleted,
    )


async def _recover_page(
    session: AsyncSession,
    state: State,
    viewer: Viewer,
    owner: Tenant,
    selected: str,
    since: str,
    *,
    error: AppError | None = None,
) -> Template:
    return page(
        state.settings,
        "recover.html",
        viewer=viewer,
        endpoints=await endpoints.list_(session, owner, cursor=None, limit=250),
        selected=selected,
        since=since,
        error=error.detail if error else "",
        nav="recover",
        status_code=error.status_code if error else 200,
    )


class LogPages(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/messages")
    async def log(
        self, request: Request[Any, Any, Any], session: Session, state: State, viewer: CurrentViewer
    ) -> Template | Redirect:
        """Messages newest first, with filters and cursor paging; a message id opens it."""
        query = {k: v.strip() for k, v in request.query_params.items()}
        if query.get("event_id", "").startswith("msg_"):
            return Redirect(f"/portal/messages/{query['event_id']}")
        owner = await tenants.get(session, viewer.tenant_id)
        rows = await messages.list_(
            session, owner, _filters(query), cursor=query.get("cursor") or None, limit=PAGE_SIZE
        )
        found = page_of(
            [present(MessageOut, m, payload=None) for m in rows], [m.id for m in rows], PAGE_SIZE
        )
        kept = {k: v for k, v in query.items() if v and k not in ("cursor", "fragment")}
        next_url = (
            f"/portal/messages?{urlencode(kept | {'cursor': found.next_cursor})}"
            if found.next_cursor
            else None
        )
        context: dict[str, Any] = {"messages": found.data, "query": query, "next_url": next_url}
        if query.get("fragment") == "rows":  # the live tail's refresh: the table body only
            return page(state.settings, "messages_rows.html", viewer=viewer, **context)
        all_endpoints = await endpoints.list_(session, owner, cursor=None, limit=250)
        return page(
            state.settings,
            "messages.html",
            viewer=viewer,
            endpoints=all_endpoints,
            presets=list(PRESETS),
            statuses=messages.DELIVERY_STATUSES,
            nav="messages",
            **context,
        )

    @get("/messages/{message_id:str}")
    async def message(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        message_id: FromPath[str],
        sent: FromQuery[str] = "",
        done: FromQuery[str] = "",
    ) -> Template:
        """A message: payload, its delivery to each endpoint (resend) and every attempt."""
        owner = await tenants.get(session, viewer.tenant_id)
        found = await messages.get(session, owner, message_id)
        delivered = await messages.deliveries_of(session, owner, message_id)
        attempts = await messages.attempts_of(
            session, owner, message_id, endpoint_id=None, cursor=None, limit=100
        )
        deleted = await messages.deleted_endpoints(session, [*(d for d, _ in delivered), *attempts])
        return page(
            state.settings,
            "message.html",
            viewer=viewer,
            message=present(MessageOut, found, payload=await messages.payload_of(session, found)),
            deliveries=[delivery_of(d, last, deleted) for d, last in delivered],
            # A fresh message refreshes itself while a delivery is on its way (a test event).
            refresh=utc_now() - found.created_at < FOLLOW_FOR
            and any(d.status == "pending" for d, _ in delivered),
            attempts=[
                present(AttemptOut, a, endpoint_deleted=a.endpoint_id in deleted)
                for a in attempts[:100]
            ],
            notice={
                "test": "Test event sent: its delivery shows below.",
                "resent": "Resend queued.",
            }.get(sent or done, ""),
            nav="messages",
        )

    @post("/messages/{message_id:str}/endpoints/{endpoint_id:str}/resend", status_code=303)
    async def resend(
        self,
        session: Session,
        viewer: CurrentViewer,
        message_id: FromPath[str],
        endpoint_id: FromPath[str],
    ) -> Redirect:
        """Try this delivery once more, now."""
        owner = await tenants.get(session, viewer.tenant_id)
        await deliveries.resend(session, owner, message_id, endpoint_id)
        return Redirect(f"/portal/messages/{message_id}?done=resent", status_code=303)

    @get("/recover")
    async def recover_form(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromQuery[str] = "",
    ) -> Template:
        """Resend every failed delivery since a time, for one endpoint."""
        owner = await tenants.get(session, viewer.tenant_id)
        since = (utc_now() - timedelta(hours=24)).strftime("%Y-%m-%dT%H:%M")
        return await _recover_page(session, state, viewer, owner, endpoint_id, since)

    @post("/recover", status_code=303)
    async def recover(
        self, request: Request[Any, Any, Any], session: Session, state: State, viewer: CurrentViewer
    ) -> Redirect | Template:
        """Start a recovery; its page shows the progress."""
        form = await request.form()
        owner = await tenants.get(session, viewer.tenant_id)
        endpoint_id = str(form.get("endpoint_id", ""))
        try:
            since = parse_time("since", str(form.get("since", "")) or None)
            if since is None:
                raise AppError("pick the time to recover from", code="invalid_filter")
            started = await deliveries.start_recovery(
                session, owner, endpoint_id, since=since, until=None
            )
        except AppError as exc:
            since_text = str(form.get("since", ""))
            return await _recover_page(
                session, state, viewer, owner, endpoint_id, since_text, error=exc
            )
        return Redirect(f"/portal/endpoints/{endpoint_id}/recoveries/{started.id}", status_code=303)

    @get("/endpoints/{endpoint_id:str}/recoveries/{recovery_id:str}")
    async def recovery(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromPath[str],
        recovery_id: FromPath[str],
    ) -> Template:
        """A recovery's progress (the page refreshes itself until it is done)."""
        owner = await tenants.get(session, viewer.tenant_id)
        found = await deliveries.get_recovery(session, owner, endpoint_id, recovery_id)
        return page(
            state.settings,
            "recovery.html",
            viewer=viewer,
            recovery=present(RecoveryOut, found),
            nav="recover",
        )

    @get("/undelivered")
    async def undelivered(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromQuery[str] = "",
        cursor: FromQuery[str] = "",
    ) -> Template:
        """What never arrived: failed deliveries, and waiting ones on disabled endpoints."""
        owner = await tenants.get(session, viewer.tenant_id)
        rows = await deliveries.undelivered(
            session,
            owner,
            UndeliveredFilter(endpoint_id=endpoint_id or None),
            cursor=split_cursor(cursor or None),
            limit=PAGE_SIZE,
        )
        found = page_of(rows, [pair_cursor(r.message_id, r.id) for r in rows], PAGE_SIZE)
        return page(
            state.settings,
            "undelivered.html",
            viewer=viewer,
            rows=found.data,
            deleted=await messages.deleted_endpoints(session, found.data),
            endpoint_id=endpoint_id,
            endpoints=await endpoints.list_(session, owner, cursor=None, limit=250),
            next_cursor=found.next_cursor,
            nav="undelivered",
        )

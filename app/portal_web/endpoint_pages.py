"""The endpoint screens: list, create and edit, detail (secret, rotate, ed25519 public keys and
their rotation, enable/disable, delete, test event, stats), and the event catalog. Every change goes through the API's own services."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from app.deliveries import log as endpoint_log
from app.deliveries import ordering
from app.deliveries import service as deliveries
from app.endpoints import examples, transformations
from app.endpoints import service as endpoints
from app.endpoints.schemas import (
    EndpointCreate,
    EndpointOut,
    EndpointTestEvent,
    EndpointUpdate,
    Transformation,
)
from app.errors import AppError
from app.kit.deps import Session
from app.kit.schemas import present
from app.messages.schemas import AttemptOut
from app.metrics import PUBLISHED
from app.portal_web import catalog
from app.portal_web.access import CurrentViewer
from app.portal_web.forms import (
    FormError,
    as_form_error,
    decode,
    endpoint_fields,
    form_values,
    preview_fields,
)
from app.portal_web.render import page
from app.signing_keys import service as signing_keys
from app.tenants import service as tenants

PAGE_SIZE = 50
NOTICES = {
    "created": "Endpoint created. Send it a test event below.",
    "saved": "Changes saved.",
    "rotated": "Secret rotated. The previous secret keeps signing for the overlap period.",
    "key_rotated": "Signing key rotated. The previous key keeps signing, and stays published, "
    "for the overlap period.",
    "enabled": "Endpoint enabled; waiting deliveries resume.",
    "disabled": "Endpoint disabled; its deliveries wait until it is enabled.",
    "deleted": "Endpoint deleted.",
    "skipped": "Ordering key released: its failed message stays failed, the next one goes now.",
}
HELD_SHOWN = 20  # held ordering keys listed on the endpoint page (the API lists them all)


def out(row: Any) -> EndpointOut:
    return present(EndpointOut, row)


def values_of(endpoint: EndpointOut, names: set[str]) -> dict[str, Any]:
    """An endpoint as its form shows it: catalog names ticked, other patterns as text."""
    return {
        "url": endpoint.url,
        "description": endpoint.description,
        "event_types": [
            p for p in endpoint.event_types if p in names or p == "*" or p.endswith(".*")
        ],
        "patterns": "\n".join(
            p for p in endpoint.event_types if p not in names and p != "*" and not p.endswith(".*")
        ),
        "channels": ", ".join(endpoint.channels or []),
        "payload_filter": ""
        if endpoint.payload_filter is None
        else msgspec.json.format(msgspec.json.encode(endpoint.payload_filter), indent=2).decode(),
        "rate_limit_per_second": endpoint.rate_limit_per_second or "",
        "headers": "\n".join(f"{k}: {v}" for k, v in endpoint.headers.items()),
        "ordered": endpoint.ordered,
        "ordering_failure_policy": endpoint.ordering_failure_policy,
        "signature_scheme": endpoint.signature_scheme,
        **_transformation_values(endpoint),
    }


def _transformation_values(endpoint: EndpointOut) -> dict[str, str]:
    if endpoint.transformation is None:
        return {"transformation_expression": "", "transformation_headers": ""}
    # The row's JSON, as stored (present() hands it over unconverted).
    saved = msgspec.convert(msgspec.to_builtins(endpoint.transformation), Transformation)
    return {
        "transformation_expression": saved.expression,
        "transformation_headers": "\n".join(f"{k}: {v}" for k, v in saved.headers.items()),
    }


class EndpointPages(Controller):
    path = "/portal"
    include_in_schema = False

    @get("/")
    async def home(self) -> Redirect:
        """The portal's first screen is the endpoint list."""
        return Redirect("/portal/endpoints")

    @get("/endpoints")
    async def list_(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        q: FromQuery[str] = "",
        cursor: FromQuery[str | None] = None,
    ) -> Template:
        """Endpoints with status, 24 h success rate and a sparkline; search by URL or text."""
        owner = await tenants.get(session, viewer.tenant_id)
        rows = await endpoints.list_(session, owner, cursor=cursor, limit=PAGE_SIZE)
        found = [out(r) for r in rows]
        needle = q.strip().lower()
        shown = [e for e in found if needle in f"{e.url} {e.description} {e.id}".lower()]
        series = await endpoint_log.series(session, [e.id for e in shown], "24h")
        return page(
            state.settings,
            "endpoints.html",
            viewer=viewer,
            endpoints=shown,
            series=series,
            q=q,
            next_cursor=rows[-1].id if len(rows) == PAGE_SIZE else None,
            nav="endpoints",
        )

    @get("/endpoints/new")
    async def new(self, session: Session, state: State, viewer: CurrentViewer) -> Template:
        """The form of a new endpoint."""
        return await self._form(session, state, viewer, None, {"event_types": ["*"]})

    @post("/endpoints/new", status_code=303)
    async def create(
        self, request: Request[Any, Any, Any], session: Session, state: State, viewer: CurrentViewer
    ) -> Redirect | Template:
        """Create an endpoint with the API's rules; a refusal shows the form again."""
        form = await request.form()
        owner = await tenants.get(session, viewer.tenant_id)
        try:
            data = decode(EndpointCreate, endpoint_fields(form))
            row = await endpoints.create(
                session, owner, data, state.secret_box, egress=state.egress
            )
        except (FormError, AppError) as exc:
            error = as_form_error(exc, form=form)
            return await self._form(session, state, viewer, None, form_values(form), error)
        return Redirect(f"/portal/endpoints/{row.id}?done=created", status_code=303)

    @get("/endpoints/{endpoint_id:str}")
    async def detail(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromPath[str],
        reveal: FromQuery[bool] = False,
        reveal_key: FromQuery[bool] = False,
        window: FromQuery[str] = "24h",
        done: FromQuery[str] = "",
    ) -> Template:
        """An endpoint: details, secret, public keys, actions, test event, chart and its latest
        attempts."""
        owner = await tenants.get(session, viewer.tenant_id)
        row = await endpoints.get(session, owner, endpoint_id)
        window = window if window in endpoint_log.SERIES_WINDOWS else "24h"
        attempts = await endpoint_log.endpoint_attempts(
            session, row, status=None, cursor=None, limit=20
        )
        types = await catalog.active(session)
        held = (
            await ordering.keys_page(session, row.id, held=True, cursor=None, limit=HELD_SHOWN)
            if row.ordered
            else []
        )
        return page(
            state.settings,
            "endpoint.html",
            viewer=viewer,
            endpoint=out(row),
            # A read-only link views everything but secrets (as the API refuses it the secret).
            secret=(
                state.secret_box.decrypt(row.secret_encrypted)
                if reveal and not viewer.read_only
                else None
            ),
            stats=await endpoint_log.endpoint_stats(session, row),
            series=(await endpoint_log.series(session, [row.id], window))[row.id],
            windows=list(endpoint_log.SERIES_WINDOWS),
            attempts=[present(AttemptOut, a) for a in attempts],
            test_types=catalog.test_choices(types, row.event_types),
            default_type=examples.default_event_type(row),
            grace_hours=state.settings.secret_rotation_grace_hours,
            # The ed25519 keys of an endpoint that signs with v1a (kept, unshown, after a switch
            # back to v1); like the HMAC secret, the secret key only on asking, never read-only.
            public_keys=signing_keys.public_keys(row) if row.signature_scheme != "v1" else [],
            secret_key=(
                signing_keys.current_secret(row, state.secret_box).secret_key
                if reveal_key and not viewer.read_only and row.signature_scheme != "v1"
                else None
            ),
            keys_url=f"/.well-known/hookrelay/{row.tenant_id}/endpoints/{row.id}/keys.json",
            held_keys=held[:HELD_SHOWN],
            more_held=len(held) > HELD_SHOWN,
            notice=NOTICES.get(done, ""),
            nav="endpoints",
        )

    @post("/endpoints/{endpoint_id:str}/ordering-keys/{key:str}/skip", status_code=303)
    async def skip_key(
        self,
        session: Session,
        viewer: CurrentViewer,
        endpoint_id: FromPath[str],
        key: FromPath[str],
    ) -> Redirect:
        """Release a held ordering key past its failed head (the API's rules)."""
        owner = await tenants.get(session, viewer.tenant_id)
        await deliveries.skip_key(session, owner, endpoint_id, key)
        return Redirect(f"/portal/endpoints/{endpoint_id}?done=skipped", status_code=303)

    @get("/endpoints/{endpoint_id:str}/edit")
    async def edit(
        self, session: Session, state: State, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Template:
        """The form of an existing endpoint."""
        owner = await tenants.get(session, viewer.tenant_id)
        found = out(await endpoints.get(session, owner, endpoint_id))
        names = {t.name for t in await catalog.active(session)}
        return await self._form(session, state, viewer, found, values_of(found, names))

    @post("/endpoints/{endpoint_id:str}/edit", status_code=303)
    async def update(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromPath[str],
    ) -> Redirect | Template:
        """Save an endpoint's changes with the API's rules."""
        form = await request.form()
        owner = await tenants.get(session, viewer.tenant_id)
        found = out(await endpoints.get(session, owner, endpoint_id))
        try:
            data = decode(EndpointUpdate, endpoint_fields(form))
            await endpoints.update(
                session, owner, endpoint_id, data, egress=state.egress, box=state.secret_box
            )
        except (FormError, AppError) as exc:
            error = as_form_error(exc, form=form)
            return await self._form(session, state, viewer, found, form_values(form), error)
        return Redirect(f"/portal/endpoints/{endpoint_id}?done=saved", status_code=303)

    @post("/endpoints/new/preview", status_code=200)
    async def preview_new(
        self, request: Request[Any, Any, Any], session: Session, state: State, viewer: CurrentViewer
    ) -> Template:
        """The new endpoint's form again, with its transformation run on the sample payload."""
        return await self._preview(request, session, state, viewer, None)

    @post("/endpoints/{endpoint_id:str}/preview", status_code=200)
    async def preview_edit(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromPath[str],
    ) -> Template:
        """The endpoint's form again, unsaved, with its transformation run on the sample."""
        owner = await tenants.get(session, viewer.tenant_id)
        found = out(await endpoints.get(session, owner, endpoint_id))
        return await self._preview(request, session, state, viewer, found)

    async def _preview(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint: EndpointOut | None,
    ) -> Template:
        form = await request.form()
        try:
            fields, sample = preview_fields(form)
            # Checked as saving would check it: its refusals name the same fields.
            checked = endpoints.check_transformation(decode(Transformation, fields))
            assert checked is not None  # preview_fields refused an empty expression
            result = transformations.preview(checked["expression"], checked["headers"], sample)
        except (FormError, AppError) as exc:
            error = as_form_error(exc, form=form)
            return await self._form(session, state, viewer, endpoint, form_values(form), error)
        shown = msgspec.json.format(msgspec.json.encode(result.payload), indent=2).decode()
        return await self._form(session, state, viewer, endpoint, form_values(form), preview=shown)

    async def _form(
        self,
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint: EndpointOut | None,
        values: dict[str, Any],
        error: FormError | None = None,
        *,
        preview: str | None = None,
    ) -> Template:
        types = await catalog.active(session)
        defaults: dict[str, Any] = {
            "url": "",
            "description": "",
            "event_types": [],
            "patterns": "",
            "channels": "",
        }
        defaults |= {"payload_filter": "", "rate_limit_per_second": "", "headers": ""}
        defaults |= {"ordered": False, "ordering_failure_policy": "hold"}
        defaults |= {"signature_scheme": "v1"}
        defaults |= {"transformation_expression": "", "transformation_headers": ""}
        defaults |= {"transformation_sample": ""}
        return page(
            state.settings,
            "endpoint_form.html",
            viewer=viewer,
            endpoint=endpoint,
            values=defaults | values,
            groups=catalog.grouped(types),
            error=error,
            preview=preview,
            nav="endpoints",
            status_code=422 if error else 200,
        )

    @post("/endpoints/{endpoint_id:str}/enable", status_code=303)
    async def enable(
        self, session: Session, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Redirect:
        """Enable: a fresh circuit, and waiting deliveries resume."""
        owner = await tenants.get(session, viewer.tenant_id)
        await endpoints.set_disabled(
            session, await endpoints.get(session, owner, endpoint_id), False
        )
        return Redirect(f"/portal/endpoints/{endpoint_id}?done=enabled", status_code=303)

    @post("/endpoints/{endpoint_id:str}/disable", status_code=303)
    async def disable(
        self, session: Session, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Redirect:
        """Disable: deliveries wait until it is enabled again."""
        owner = await tenants.get(session, viewer.tenant_id)
        await endpoints.set_disabled(
            session,
            await endpoints.get(session, owner, endpoint_id),
            True,
            reason="disabled in the portal",
        )
        return Redirect(f"/portal/endpoints/{endpoint_id}?done=disabled", status_code=303)

    @post("/endpoints/{endpoint_id:str}/rotate", status_code=303)
    async def rotate(
        self, session: Session, state: State, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Redirect:
        """A new signing secret; the old one keeps signing for the grace period."""
        owner = await tenants.get(session, viewer.tenant_id)
        await endpoints.rotate_secret(
            session,
            await endpoints.get(session, owner, endpoint_id),
            state.secret_box,
            secret=None,
            grace_hours=state.settings.secret_rotation_grace_hours,
        )
        return Redirect(
            f"/portal/endpoints/{endpoint_id}?done=rotated&reveal=true", status_code=303
        )

    @post("/endpoints/{endpoint_id:str}/signing-keys/rotate", status_code=303)
    async def rotate_key(
        self, session: Session, state: State, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Redirect:
        """A new ed25519 key; the old one keeps signing, and stays published, for the grace."""
        owner = await tenants.get(session, viewer.tenant_id)
        await signing_keys.rotate(
            session,
            await endpoints.get(session, owner, endpoint_id),
            state.secret_box,
            secret_key=None,
            grace_hours=state.settings.secret_rotation_grace_hours,
        )
        return Redirect(f"/portal/endpoints/{endpoint_id}?done=key_rotated", status_code=303)

    @get("/endpoints/{endpoint_id:str}/delete")
    async def confirm_delete(
        self, session: Session, state: State, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Template:
        """Ask before deleting (works without JavaScript)."""
        owner = await tenants.get(session, viewer.tenant_id)
        found = out(await endpoints.get(session, owner, endpoint_id))
        return page(
            state.settings, "confirm_delete.html", viewer=viewer, endpoint=found, nav="endpoints"
        )

    @post("/endpoints/{endpoint_id:str}/delete", status_code=303)
    async def delete(
        self, session: Session, viewer: CurrentViewer, endpoint_id: FromPath[str]
    ) -> Redirect:
        """Delete the endpoint and its deliveries."""
        owner = await tenants.get(session, viewer.tenant_id)
        await endpoints.delete(session, owner, endpoint_id)
        return Redirect("/portal/endpoints?done=deleted", status_code=303)

    @post("/endpoints/{endpoint_id:str}/test", status_code=303)
    async def send_test(
        self,
        request: Request[Any, Any, Any],
        session: Session,
        state: State,
        viewer: CurrentViewer,
        endpoint_id: FromPath[str],
    ) -> Redirect | Template:
        """Send a test event to this endpoint only, then follow it into the log."""
        form = await request.form()
        owner = await tenants.get(session, viewer.tenant_id)
        row = await endpoints.get(session, owner, endpoint_id)
        try:
            data = decode(EndpointTestEvent, catalog.test_fields(form))
            published = await examples.send_test_event(
                session,
                owner,
                row,
                data,
                max_payload_bytes=state.settings.max_payload_bytes,
                deliveries_per_task=state.settings.deliveries_per_task,
            )
        except (FormError, AppError) as exc:
            error = as_form_error(exc)
            return page(
                state.settings,
                "error.html",
                viewer=viewer,
                status_code=422,
                title="The test event was refused",
                detail=error.message,
            )
        PUBLISHED.inc()
        return Redirect(f"/portal/messages/{published.message.id}?sent=test", status_code=303)

    @get("/event-types")
    async def event_types(self, session: Session, state: State, viewer: CurrentViewer) -> Template:
        """The event catalog: descriptions, schemas and examples."""
        types = await catalog.active(session)
        return page(
            state.settings,
            "event_types.html",
            viewer=viewer,
            groups=catalog.grouped(types),
            nav="event-types",
        )

from litestar import Controller, Response, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from app.endpoints import examples, service, transformations
from app.endpoints.schemas import (
    EndpointCreate,
    EndpointDisable,
    EndpointOut,
    EndpointSecretOut,
    EndpointTestEvent,
    EndpointTransformationPreview,
    EndpointUpdate,
    SecretRotate,
    TransformationPreview,
    TransformationPreviewOut,
)
from app.kit.deps import Cursor, Limit, Session
from app.kit.pagination import Page, page_of
from app.kit.schemas import present
from app.messages.schemas import MessageOut
from app.metrics import PUBLISHED
from app.tenants import service as tenants


class EndpointController(Controller):
    path = "/api/v1/tenants/{tenant:str}/endpoints"
    tags = ["endpoints"]

    @post("/", operation_id="create_endpoint")
    async def create(
        self, session: Session, state: State, tenant: FromPath[str], data: JSONBody[EndpointCreate]
    ) -> EndpointOut:
        """Create an endpoint; a signing secret is generated for it."""
        owner = await tenants.get(session, tenant)
        return present(
            EndpointOut,
            await service.create(session, owner, data, state.secret_box, egress=state.egress),
        )

    @get("/", operation_id="list_endpoints")
    async def list_(
        self,
        session: Session,
        tenant: FromPath[str],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[EndpointOut]:
        """List a tenant's endpoints, newest first."""
        owner = await tenants.get(session, tenant)
        found = await service.list_(session, owner, cursor=cursor, limit=limit)
        return page_of([present(EndpointOut, e) for e in found], [e.id for e in found], limit)

    @get("/{endpoint:str}", operation_id="get_endpoint")
    async def read(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> EndpointOut:
        """Get an endpoint."""
        owner = await tenants.get(session, tenant)
        return present(EndpointOut, await service.get(session, owner, endpoint))

    @patch("/{endpoint:str}", operation_id="update_endpoint")
    async def update(
        self,
        session: Session,
        state: State,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[EndpointUpdate],
    ) -> EndpointOut:
        """Change an endpoint; enabling it again resumes its waiting deliveries."""
        owner = await tenants.get(session, tenant)
        updated = await service.update(
            session, owner, endpoint, data, egress=state.egress, box=state.secret_box
        )
        return present(EndpointOut, updated)

    @delete("/{endpoint:str}", operation_id="delete_endpoint")
    async def remove(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> None:
        """Delete an endpoint: gone at once, its pending deliveries fail unsent, and its
        deliveries and attempts stay readable (``endpoint_deleted``) until retention."""
        owner = await tenants.get(session, tenant)
        await service.delete(session, owner, endpoint)

    @post("/{endpoint:str}/enable", operation_id="enable_endpoint", status_code=200)
    async def enable(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> EndpointOut:
        """Enable an endpoint: a fresh circuit, and its waiting deliveries resume."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        return present(EndpointOut, await service.set_disabled(session, found, False))

    @post("/{endpoint:str}/disable", operation_id="disable_endpoint", status_code=200)
    async def disable(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[EndpointDisable | None] = None,
    ) -> EndpointOut:
        """Disable an endpoint, with an optional reason; its deliveries wait until it is enabled."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        reason = data.reason if data is not None else None
        return present(EndpointOut, await service.set_disabled(session, found, True, reason=reason))

    @get("/{endpoint:str}/secret", operation_id="get_endpoint_secret")
    async def secret(
        self, session: Session, state: State, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> EndpointSecretOut:
        """Get the endpoint's current signing secret."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        return EndpointSecretOut(secret=state.secret_box.decrypt(found.secret_encrypted))

    @post("/{endpoint:str}/secret/rotate", operation_id="rotate_endpoint_secret", status_code=200)
    async def rotate_secret(
        self,
        session: Session,
        state: State,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[SecretRotate | None] = None,
    ) -> EndpointSecretOut:
        """Rotate the signing secret; the old one keeps signing for the grace period (24 h)."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        new_secret = await service.rotate_secret(
            session,
            found,
            state.secret_box,
            secret=data.secret if data is not None else None,
            grace_hours=state.settings.secret_rotation_grace_hours,
        )
        return EndpointSecretOut(secret=new_secret)

    @post("/{endpoint:str}/test", operation_id="send_test_event", status_code=202)
    async def send_test(
        self,
        session: Session,
        state: State,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[EndpointTestEvent | None] = None,
    ) -> Response[MessageOut]:
        """Send a test event to this endpoint only (default payload: the type's example)."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        published = await examples.send_test_event(
            session,
            owner,
            found,
            data or EndpointTestEvent(),
            max_payload_bytes=state.settings.max_payload_bytes,
            deliveries_per_task=state.settings.deliveries_per_task,
        )
        PUBLISHED.inc()
        return Response(
            present(MessageOut, published.message, payload=published.payload), status_code=202
        )

    @post(
        "/{endpoint:str}/transformation/preview",
        operation_id="preview_endpoint_transformation",
        status_code=200,
    )
    async def preview_transformation(
        self,
        session: Session,
        tenant: FromPath[str],
        endpoint: FromPath[str],
        data: JSONBody[EndpointTransformationPreview],
    ) -> TransformationPreviewOut:
        """Preview the endpoint's transformation (or a given one) on a payload or a past message;
        changes nothing."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        return await transformations.preview_for_endpoint(
            session, owner, found, data, service.check_headers
        )


class TransformationController(Controller):
    path = "/api/v1/tenants/{tenant:str}/transformation"
    tags = ["endpoints"]

    @post("/preview", operation_id="preview_transformation", status_code=200)
    async def preview(
        self, session: Session, tenant: FromPath[str], data: JSONBody[TransformationPreview]
    ) -> TransformationPreviewOut:
        """Preview a transformation on a sample payload; changes nothing."""
        await tenants.get(session, tenant)
        return transformations.preview(
            data.expression, service.check_headers(data.headers), data.payload
        )

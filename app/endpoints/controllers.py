import msgspec
from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from app.endpoints import service
from app.endpoints.schemas import EndpointCreate, EndpointOut, EndpointSecretOut, EndpointUpdate
from app.kit.deps import Cursor, Limit, Session
from app.kit.pagination import Page, page_of
from app.models import Endpoint
from app.tenants import service as tenants


def endpoint_out(endpoint: Endpoint) -> EndpointOut:
    return msgspec.convert(endpoint, EndpointOut, from_attributes=True)


class EndpointController(Controller):
    path = "/api/v1/tenants/{tenant:str}/endpoints"
    tags = ["endpoints"]

    @post("/", operation_id="create_endpoint")
    async def create(
        self, session: Session, state: State, tenant: FromPath[str], data: JSONBody[EndpointCreate]
    ) -> EndpointOut:
        """Create an endpoint; a signing secret is generated for it."""
        owner = await tenants.get(session, tenant)
        return endpoint_out(
            await service.create(session, owner, data, state.secret_box, egress=state.egress)
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
        return page_of([endpoint_out(e) for e in found], [e.id for e in found], limit)

    @get("/{endpoint:str}", operation_id="get_endpoint")
    async def read(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> EndpointOut:
        """Get an endpoint."""
        owner = await tenants.get(session, tenant)
        return endpoint_out(await service.get(session, owner, endpoint))

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
        updated = await service.update(session, owner, endpoint, data, egress=state.egress)
        return endpoint_out(updated)

    @delete("/{endpoint:str}", operation_id="delete_endpoint")
    async def remove(
        self, session: Session, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> None:
        """Delete an endpoint and its deliveries."""
        owner = await tenants.get(session, tenant)
        await service.delete(session, owner, endpoint)

    @get("/{endpoint:str}/secret", operation_id="get_endpoint_secret")
    async def secret(
        self, session: Session, state: State, tenant: FromPath[str], endpoint: FromPath[str]
    ) -> EndpointSecretOut:
        """Get the endpoint's signing secret."""
        owner = await tenants.get(session, tenant)
        found = await service.get(session, owner, endpoint)
        return EndpointSecretOut(secret=state.secret_box.decrypt(found.secret_encrypted))

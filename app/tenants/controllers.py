from litestar import Controller, get, post
from litestar.params import FromPath, JSONBody

from app.kit.deps import Cursor, Limit, Session
from app.kit.pagination import Page, page_of
from app.kit.schemas import present
from app.tenants import service
from app.tenants.schemas import TenantCreate, TenantOut


class TenantController(Controller):
    path = "/api/v1/tenants"
    tags = ["tenants"]

    @post("/", operation_id="create_tenant")
    async def create(self, session: Session, data: JSONBody[TenantCreate]) -> TenantOut:
        """Create a tenant."""
        return present(TenantOut, await service.create(session, data))

    @get("/", operation_id="list_tenants")
    async def list_(
        self,
        session: Session,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[TenantOut]:
        """List tenants, newest first."""
        tenants = await service.list_(session, cursor=cursor, limit=limit)
        return page_of([present(TenantOut, t) for t in tenants], [t.id for t in tenants], limit)

    @get("/{tenant:str}", operation_id="get_tenant")
    async def read(self, session: Session, tenant: FromPath[str]) -> TenantOut:
        """Get a tenant by id or uid."""
        return present(TenantOut, await service.get(session, tenant))

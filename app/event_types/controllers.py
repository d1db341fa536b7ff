from litestar import Controller, get, patch, post
from litestar.params import FromPath, JSONBody

from app.event_types import service
from app.event_types.schemas import EventTypeCreate, EventTypeOut, EventTypeUpdate
from app.kit.deps import Cursor, Limit, Session
from app.kit.pagination import Page, page_of
from app.kit.schemas import present


class EventTypeController(Controller):
    path = "/api/v1/event-types"
    tags = ["event types"]

    @post("/", operation_id="create_event_type")
    async def create(self, session: Session, data: JSONBody[EventTypeCreate]) -> EventTypeOut:
        """Add an event type to the catalog."""
        return present(EventTypeOut, await service.create(session, data))

    @get("/", operation_id="list_event_types")
    async def list_(
        self,
        session: Session,
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> Page[EventTypeOut]:
        """List the event type catalog, newest first."""
        found = await service.list_(session, cursor=cursor, limit=limit)
        return page_of([present(EventTypeOut, e) for e in found], [e.id for e in found], limit)

    @get("/{name:str}", operation_id="get_event_type")
    async def read(self, session: Session, name: FromPath[str]) -> EventTypeOut:
        """Get an event type by name."""
        return present(EventTypeOut, await service.get(session, name))

    @patch("/{name:str}", operation_id="update_event_type")
    async def update(
        self, session: Session, name: FromPath[str], data: JSONBody[EventTypeUpdate]
    ) -> EventTypeOut:
        """Change an event type's description or schema, or archive it."""
        return present(EventTypeOut, await service.update(session, name, data))

from litestar import Controller, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, JSONBody

from app.auth import service
from app.auth.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyOut
from app.kit.deps import Cursor, Limit, Session
from app.kit.openapi import problem_response
from app.kit.pagination import Page, page_of
from app.kit.schemas import present


class ApiKeyController(Controller):
    """Admin only: the guard keeps portal tokens out of these routes."""

    path = "/api/v1/api-keys"
    tags = ["api keys"]

    @post("/", operation_id="create_api_key", status_code=201)
    async def create(self, session: Session, data: JSONBody[ApiKeyCreate]) -> ApiKeyCreated:
        """Create an admin API key (its value is shown this once)."""
        row, key = await service.create_key(session, data.name)
        return present(ApiKeyCreated, row, key=key)

    @get("/", operation_id="list_api_keys")
    async def list_(
        self, session: Session, cursor: Cursor = None, limit: Limit = 50
    ) -> Page[ApiKeyOut]:
        """List admin API keys, newest first, with their last use (never their values)."""
        rows = await service.list_keys(session, cursor=cursor, limit=limit)
        return page_of([present(ApiKeyOut, r) for r in rows], [r.id for r in rows], limit)

    @delete(
        "/{key_id:str}",
        operation_id="revoke_api_key",
        responses={409: problem_response(409)},  # last_api_key
    )
    async def revoke(self, session: Session, state: State, key_id: FromPath[str]) -> None:
        """Revoke an admin API key (every process stops accepting it within 30 s; this one at
        once). The last active key cannot be revoked."""
        await service.revoke_key(session, key_id)
        state.auth.forget(key_id)

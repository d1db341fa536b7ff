"""Route guards; they sit on the API router (not the app) so /schema and OPTIONS stay open."""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from app.errors import Unauthorized


async def require_api_key(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    scheme, _sep, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("missing bearer API key", code="missing_credentials")
    if not await connection.app.state.api_keys.is_valid(token.strip()):
        raise Unauthorized("invalid or revoked API key", code="invalid_credentials")

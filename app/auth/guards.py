"""Route guards; they sit on the API router (not the app) so /schema and OPTIONS stay open.

An admin API key reaches every route. A portal token reaches only its own tenant: the routes under
``/api/v1/tenants/{tenant}`` (except minting portal tokens and publishing) and reading the event
type catalog. Any other route answers 403; another tenant's ids answer 404
(``app.tenants.service.get``).

Guarantee 10: only the platform publishes. A portal token (a customer's staff) could otherwise
forge platform events into the customer's own systems, signed with the real secret; it may send
test events (``…/endpoints/{endpoint}/test``), which are marked as such. A read-only portal token
may only read (and preview transformations, which changes nothing), and not reveal secrets.
"""

from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers import BaseRouteHandler

from app.auth.service import Principal
from app.errors import Forbidden, Unauthorized
from app.tenants import service as tenants

TENANT_ROUTES = "/api/v1/tenants/{tenant}"
ADMIN_ONLY_TENANT_ROUTES = ("/portal-tokens",)
PUBLISH_ROUTES = ("/messages", "/messages/batch")
SECRET_ROUTES = ("/endpoints/{endpoint}/secret", "/endpoints/{endpoint}/signing-keys/secret")
# POSTs that change nothing, which a read-only portal token may make.
PREVIEW_ROUTES = ("/transformation/preview", "/endpoints/{endpoint}/transformation/preview")
CATALOG_ROUTES = "/api/v1/event-types"
READS = ("GET", "HEAD")


def portal_refusal(method: str, path_template: str, *, read_only: bool) -> Forbidden | None:
    """Why a portal token may not use this route (None: it may)."""
    rest = path_template[len(TENANT_ROUTES) :]
    if not (path_template == TENANT_ROUTES or path_template.startswith(TENANT_ROUTES + "/")):
        if method in READS and path_template.startswith(CATALOG_ROUTES):
            return None
        return Forbidden("a portal token cannot use this route", code="admin_only")
    if rest.startswith(ADMIN_ONLY_TENANT_ROUTES):
        return Forbidden("a portal token cannot use this route", code="admin_only")
    if method == "POST" and rest.rstrip("/") in PUBLISH_ROUTES:
        return Forbidden(
            "only the platform's API keys publish; a portal token may send test events",
            code="publish_admin_only",
        )
    if read_only and (method not in READS or rest in SECRET_ROUTES):
        if method == "POST" and rest in PREVIEW_ROUTES:
            return None
        return Forbidden("this portal token is read-only", code="read_only")
    return None


def principal_of(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    principal: Principal = connection.scope["state"]["principal"]
    return principal


async def require_credentials(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    if connection.scope.get("method") == "OPTIONS":
        return  # a CORS preflight carries no credentials; it reads nothing and changes nothing
    scheme, _sep, credential = connection.headers.get("authorization", "").partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized("missing bearer credential", code="missing_credentials")
    principal = await connection.app.state.auth.authenticate(credential)
    if principal is None:
        raise Unauthorized(
            "invalid, expired or revoked API key or portal token", code="invalid_credentials"
        )
    method, template = (
        str(connection.scope.get("method", "GET")),
        connection.scope.get("path_template"),
    )
    if not principal.is_admin:
        refusal = portal_refusal(method, str(template or ""), read_only=principal.read_only)
        if refusal is not None:
            raise refusal
        # Another tenant's routes answer 404 before anything else (body validation included);
        # the tenant lookup in the handler checks again.
        ref = connection.path_params.get("tenant")
        if ref is not None:
            tenant_id = await tenants.id_of(connection.app.state.sessions, str(ref))
            if tenant_id != principal.tenant_id:
                raise tenants.not_found(str(ref))
    connection.scope.setdefault("state", {})["principal"] = principal

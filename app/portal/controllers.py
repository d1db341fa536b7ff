from typing import Any, cast

import msgspec
from litestar import Controller, Request, Response, delete, get, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody

from app.kit.deps import Cursor, Limit, Session
from app.kit.openapi import problem_response
from app.kit.pagination import Page, page_of
from app.kit.schemas import present
from app.models import PortalToken
from app.portal import service
from app.portal.schemas import (
    PortalBranding,
    PortalSession,
    PortalTokenCreate,
    PortalTokenMinted,
    PortalTokenOut,
)
from app.portal_web.sign_in import continue_page, wants_html
from app.tenants import service as tenants


def branding_of(row: PortalToken) -> PortalBranding | None:
    return None if row.branding is None else msgspec.convert(row.branding, PortalBranding)


def token_out(row: PortalToken) -> PortalTokenOut:
    return present(PortalTokenOut, row, branding=branding_of(row))


class PortalTokenController(Controller):
    """Admin only: the guard keeps portal tokens out of these routes."""

    path = "/api/v1/tenants/{tenant:str}/portal-tokens"
    tags = ["portal"]

    @post("/", operation_id="create_portal_token", status_code=201)
    async def create(
        self,
        session: Session,
        state: State,
        tenant: FromPath[str],
        data: JSONBody[PortalTokenCreate | None] = None,
    ) -> PortalTokenMinted:
        """Mint a portal token for a tenant, with a one-time magic link that hands it out."""
        owner = await tenants.get(session, tenant)
        data = data or PortalTokenCreate()
        minted = await service.mint(
            session,
            owner,
            state.settings,
            lifetime_seconds=data.expires_in_seconds,
            description=data.description,
            read_only=data.read_only,
            branding=msgspec.to_builtins(data.branding) if data.branding else None,
        )
        return present(
            PortalTokenMinted,
            minted.row,
            token=minted.token,
            magic_link=minted.magic_link,
            branding=branding_of(minted.row),
        )

    @get("/", operation_id="list_portal_tokens")
    async def list_(
        self, session: Session, tenant: FromPath[str], cursor: Cursor = None, limit: Limit = 50
    ) -> Page[PortalTokenOut]:
        """List a tenant's portal tokens, newest first (their values are never shown again)."""
        owner = await tenants.get(session, tenant)
        rows = await service.list_(session, owner, cursor=cursor, limit=limit)
        return page_of([token_out(r) for r in rows], [r.id for r in rows], limit)

    @get("/{token_id:str}", operation_id="get_portal_token")
    async def read(
        self, session: Session, tenant: FromPath[str], token_id: FromPath[str]
    ) -> PortalTokenOut:
        """Get a portal token (without its value)."""
        owner = await tenants.get(session, tenant)
        return token_out(await service.get(session, owner, token_id))

    @delete("/{token_id:str}", operation_id="revoke_portal_token")
    async def revoke(
        self, session: Session, state: State, tenant: FromPath[str], token_id: FromPath[str]
    ) -> None:
        """Revoke a portal token and its magic link."""
        owner = await tenants.get(session, tenant)
        await service.revoke(session, owner, token_id)
        state.auth.forget(token_id)


class PortalLinkController(Controller):
    """The magic link: no bearer credential, the one-time code is the credential."""

    path = "/portal"
    tags = ["portal"]

    @get("/login", operation_id="redeem_portal_link", responses={410: problem_response(410)})
    async def login(
        self, request: Request[Any, Any, Any], session: Session, state: State, code: FromQuery[str]
    ) -> Response[PortalSession]:
        """Open a magic link once: answers its portal token; used, expired or revoked → 410.
        A browser gets the portal page's Continue button instead (nothing used up)."""
        if wants_html(request):
            return cast("Response[PortalSession]", await continue_page(request, session, code))
        row, token = await service.redeem_link(
            session, code, secret_keys=state.settings.secret_keys
        )
        return Response(
            PortalSession(token=token, tenant_id=row.tenant_id, expires_at=row.expires_at),
            headers={"cache-control": "no-store"},
        )

"""Sign-in from the magic link, and sign-out.

The magic link stays ``GET /portal/login?code=…``. A browser (it prefers ``text/html``) gets a
page with a Continue button, and only that button's POST uses the link up: a mail scanner or a
link preview that fetches the link leaves it intact. Any other client gets today's JSON answer
(``redeem_portal_link``), so the API contract of SDK users does not change.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get, post
from litestar.datastructures import State
from litestar.response import Redirect, Template
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Gone
from app.kit.deps import Session
from app.portal import service as portal
from app.portal_web.access import CurrentViewer, is_secure, page_headers
from app.portal_web.render import page
from app.portal_web.session import (
    LOGIN_COOKIE,
    cleared,
    login_csrf_ok,
    login_nonce,
    session_cookie,
)

HOME = "/portal/endpoints"


def wants_html(request: Request[Any, Any, Any]) -> bool:
    """A browser's navigation, not an API client (``*/*`` and JSON keep the JSON answer)."""
    offered = ["application/json", "text/html"]
    return request.accept.best_match(offered, default="application/json") == "text/html"


def safe_next(value: str) -> str:
    """Where to go after signing in: a page of the portal (a deep link), never another site."""
    if value.startswith("/portal/") and not value.startswith("/portal//") and "\\" not in value:
        return value
    return HOME


async def continue_page(
    request: Request[Any, Any, Any], session: AsyncSession, code: str, *, error: str = ""
) -> Template:
    """The landing page of a magic link, in the link's branding: nothing is used up until
    Continue is pressed."""
    settings = request.app.state.settings
    branding = await portal.link_branding(session, code)
    cookie, csrf = login_nonce(settings, secure=is_secure(request, settings))
    return page(
        settings,
        "continue.html",
        code=code,
        login_csrf=csrf,
        next=safe_next(request.query_params.get("next", "")),
        error=error,
        cookies=[cookie],
        headers=page_headers(settings, branding=branding),
        branding=branding,
        status_code=403 if error else 200,
    )


class SignInController(Controller):
    """The session's start and end (no session needed to reach these)."""

    path = "/portal"
    include_in_schema = False

    @post("/continue", status_code=303)
    async def sign_in(
        self, request: Request[Any, Any, Any], session: Session, state: State
    ) -> Redirect | Template:
        """Continue: use the link up, and start a session bound to its portal token."""
        form = await request.form()
        code = str(form.get("code", ""))
        if not login_csrf_ok(
            state.settings, request.cookies.get(LOGIN_COOKIE), form.get("csrf", "")
        ):
            return await continue_page(
                request, session, code, error="This sign-in form expired: press Continue again."
            )
        try:
            row, _token = await portal.redeem_link(
                session, code, secret_keys=state.settings.secret_keys
            )
        except Gone as exc:
            return page(state.settings, "signed_out.html", status_code=410, reason=exc.detail)
        secure = is_secure(request, state.settings)
        cookie = session_cookie(state.settings, row.id, row.expires_at, secure=secure)
        return Redirect(
            safe_next(str(form.get("next", ""))),
            status_code=303,
            cookies=[cookie, cleared(state.settings, secure=secure, name=LOGIN_COOKIE)],
        )

    @get("/signed-out")
    async def signed_out(self, state: State) -> Template:
        """Where sign-out and an ended session lead."""
        return page(state.settings, "signed_out.html", reason="")


class SignOutController(Controller):
    path = "/portal"
    include_in_schema = False

    @post("/logout", status_code=303)
    async def sign_out(
        self, request: Request[Any, Any, Any], state: State, viewer: CurrentViewer
    ) -> Redirect:
        """Sign out: the cookie goes (the portal token itself stays until it expires)."""
        gone = cleared(state.settings, secure=is_secure(request, state.settings))
        return Redirect("/portal/signed-out", status_code=303, cookies=[gone])

"""Who may see a page and change what: the session guard, CSRF and read-only refusal, and the
headers every page carries (a Content-Security-Policy with no inline script)."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import MutableScopeHeaders
from litestar.di import NamedDependency
from litestar.handlers import BaseRouteHandler
from litestar.types import Message, Scope

from app.config import Settings
from app.errors import Forbidden, Unauthorized
from app.portal_web.session import COOKIE, Viewer, csrf_for, csrf_ok, session_token_id

VIEWER = "portal_viewer"
# Changes a read-only session may still make: leaving.
READ_ONLY_ALLOWED = ("/portal/logout",)


LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def is_secure(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> bool:
    """Whether the page's cookies may be ``Secure``: served over https, or, for an embeddable
    portal, from a loopback host (a secure context to browsers, so a developer's iframe works)."""
    if connection.url.scheme == "https" or settings.public_url.startswith("https://"):
        return True
    loopback = (connection.url.hostname or "") in LOOPBACK_HOSTS
    return bool(settings.portal_frame_ancestors) and loopback


async def require_viewer(
    connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler
) -> None:
    """A valid session whose portal token still stands; a change also needs the form's CSRF
    token and a session that is not read-only."""
    state = connection.app.state
    token_id = session_token_id(state.settings, connection.cookies.get(COOKIE))
    principal = await state.auth.portal_session(token_id) if token_id else None
    if token_id is None or principal is None or principal.tenant_id is None:
        raise Unauthorized("your portal session has ended", code="portal_signed_out")
    viewer = Viewer(principal, principal.tenant_id, token_id, csrf_for(state.settings, token_id))
    scope_state = connection.scope.setdefault("state", {})
    scope_state["principal"] = principal  # scopes every tenant lookup of the request's session
    scope_state[VIEWER] = viewer
    if connection.scope.get("method", "GET") not in ("GET", "HEAD"):
        await _check_change(connection, state.settings, viewer)


async def _check_change(
    connection: ASGIConnection[Any, Any, Any, Any], settings: Settings, viewer: Viewer
) -> None:
    assert isinstance(connection, Request)
    form = await connection.form()  # parsed once: the handler reads the same
    if not csrf_ok(settings, viewer.token_id, str(form.get("csrf", ""))):
        raise Forbidden(
            "this form expired or came from another site; reload the page and try again",
            code="csrf_invalid",
        )
    if viewer.read_only and connection.url.path not in READ_ONLY_ALLOWED:
        raise Forbidden("this portal link is read-only", code="read_only")


def provide_viewer(scope: Scope) -> Viewer:
    viewer: Viewer = scope["state"][VIEWER]
    return viewer


CurrentViewer = NamedDependency[Viewer]
"""The signed-in viewer of a page, injected by name."""


def content_security_policy(settings: Settings, *, logo_url: str = "") -> str:
    """The page's CSP; ``logo_url`` is a link's own logo (its host may serve images too)."""
    images = ["'self'", "data:"]
    for url in {settings.portal_logo_url, logo_url}:
        if url.startswith("https://"):
            images.append("/".join(url.split("/", 3)[:3]))
    ancestors = " ".join(settings.portal_frame_ancestors) or "'none'"
    return "; ".join(
        [
            "default-src 'none'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {' '.join(images)}",
            "connect-src 'self'",
            "form-action 'self'",
            "base-uri 'none'",
            f"frame-ancestors {ancestors}",
        ]
    )


def page_headers(
    settings: Settings, viewer: Viewer | None = None, *, branding: dict[str, str] | None = None
) -> dict[str, str]:
    own = branding or (viewer.principal.branding if viewer else None) or {}
    return {
        "content-security-policy": content_security_policy(
            settings, logo_url=own.get("logo_url", "")
        ),
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
        "cache-control": "no-store",
    }


class PageHeaders:
    """ASGI middleware of the page router: the security headers on every answer, errors too."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        settings = scope["app"].state.settings

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                # Read at the answer: the guard has found the session's viewer (and its logo).
                headers = page_headers(settings, scope.get("state", {}).get(VIEWER))
                mutable = MutableScopeHeaders.from_message(message)
                for name, value in headers.items():
                    mutable[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""The portal page's routers: signed-in pages, sign-in, the theme and the vendored static files."""

from __future__ import annotations

import re
from typing import Any

from litestar import Request, Response, Router, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException
from litestar.params import FromQuery
from litestar.static_files import create_static_files_router

from app.errors import AppError
from app.kit.deps import provide_session
from app.portal_web.access import PageHeaders, provide_viewer, require_viewer
from app.portal_web.endpoint_pages import EndpointPages
from app.portal_web.log_pages import LogPages
from app.portal_web.render import STATIC, page
from app.portal_web.sign_in import SignInController, SignOutController


def page_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Refusals as a page of the portal (the JSON API keeps problem+json)."""
    settings = request.app.state.settings
    if isinstance(exc, AppError) and exc.code == "portal_signed_out":
        return page(settings, "signed_out.html", status_code=401, reason=exc.detail)
    if isinstance(exc, AppError):
        status, detail = exc.status_code, exc.detail
    elif isinstance(exc, HTTPException):
        status, detail = exc.status_code, str(exc.detail)
    else:
        raise exc
    viewer = request.scope.get("state", {}).get("portal_viewer")
    title = {404: "Not found", 403: "Not allowed", 409: "Not possible now"}.get(status, "Refused")
    return page(
        settings, "error.html", viewer=viewer, status_code=status, title=title, detail=detail
    )


@get("/portal/theme.css", include_in_schema=False, media_type="text/css", cache_control=None)
async def theme_css(state: State, color: FromQuery[str] = "") -> str:
    """The brand colour as a stylesheet (no inline style under the CSP): the link's, given as
    ``?color=rrggbb``, else the operator's."""
    chosen = f"#{color}" if re.fullmatch(r"[0-9a-fA-F]{6}", color) else None
    return f":root {{ --brand: {chosen or state.settings.portal_primary_color}; }}\n"


def portal_routers() -> list[Router]:
    session = {"session": Provide(provide_session)}
    handlers: dict[Any, Any] = {AppError: page_error, HTTPException: page_error}
    signed_in = Router(
        path="/",
        route_handlers=[EndpointPages, LogPages, SignOutController],
        guards=[require_viewer],
        dependencies=session | {"viewer": Provide(provide_viewer, sync_to_thread=False)},
        middleware=[PageHeaders],
        exception_handlers=handlers,
        include_in_schema=False,
    )
    open_ = Router(
        path="/",
        route_handlers=[SignInController, theme_css],
        dependencies=session,
        middleware=[PageHeaders],
        exception_handlers=handlers,
        include_in_schema=False,
    )
    static = create_static_files_router(
        path="/portal/static", directories=[STATIC], include_in_schema=False
    )
    return [signed_in, open_, static]

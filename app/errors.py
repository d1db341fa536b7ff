"""Errors: one base with a stable machine code, rendered as ``application/problem+json``.

    AppError(detail, code=, status_code=)   400 bad_request; anything refused on purpose
     │                                      (raised as is: 413 payload_too_large)
     ├── Unauthorized     401  missing_credentials, invalid_credentials
     ├── Forbidden        403  admin_only
     ├── NotFound         404  tenant_not_found, endpoint_not_found, message_not_found, …
     ├── Conflict         409  tenant_exists, event_type_exists, endpoint_disabled, …
     ├── Gone             410  link_invalid
     └── InvalidRequest   422  invalid_url, invalid_filter, payload_invalid, invalid_cursor, …

Each subclass's ``code`` (``not_found``, ``conflict``, …) is only its default: every raise names
its own. Litestar's own exceptions (body validation 400 ``validation_error``, unknown route,
wrong method) are mapped to the same shape; a lost database connection is a 503 ``unavailable``
with Retry-After (nothing was stored); a unique index or a foreign key that a concurrent request
got to first (sqlalchemy's ``IntegrityError``: two creates of one tenant uid, a publish racing its
endpoint's delete) is a 409 ``conflict`` (rolled back, nothing stored); anything else is logged
with context and becomes a generic 500 ``internal_error`` that leaks nothing.
"""

from __future__ import annotations

from typing import Any

import msgspec
import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import HTTPException, ValidationException
from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

log = structlog.get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


class FieldError(msgspec.Struct, omit_defaults=True):
    """What is wrong with one part of the request (``path`` is like ``$.url``; ``message_index``
    is the message's place in a batch publish; ``offset``, ``line`` and ``column`` the place
    inside a transformation's expression)."""

    path: str
    message: str
    message_index: str | None = None
    # Inside a text the client wrote (a transformation's expression): 0-based offset, 1-based
    # line and column.
    offset: int | None = None
    line: int | None = None
    column: int | None = None


class Problem(msgspec.Struct, omit_defaults=True):
    """An error (RFC 9457); ``code`` is stable and machine-readable."""

    type: str
    title: str
    status: int
    code: str
    detail: str
    errors: list[FieldError] | None = None


class AppError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        status_code: int | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors  # machine-readable details, e.g. [{"path": "$.amount", …}]
        self.code = code or self.code
        self.status_code = status_code or self.status_code


class NotFound(AppError):
    status_code = 404
    code = "not_found"


class Conflict(AppError):
    status_code = 409
    code = "conflict"


class Unauthorized(AppError):
    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    status_code = 403
    code = "forbidden"


class Gone(AppError):
    status_code = 410
    code = "gone"


class InvalidRequest(AppError):
    status_code = 422
    code = "invalid_request"


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict",
    410: "Gone",
    413: "Payload too large",
    415: "Unsupported media type",
    422: "Unprocessable content",
    429: "Too many requests",
    500: "Internal server error",
    503: "Service unavailable",
}
_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    415: "unsupported_media_type",
    429: "rate_limited",
    503: "unavailable",
}


def problem_of(
    status: int, code: str, detail: str, errors: list[FieldError] | None = None
) -> Problem:
    return Problem(
        type=f"urn:hookrelay:error:{code}",
        title=_TITLES.get(status, "Error"),
        status=status,
        code=code,
        detail=detail,
        errors=errors,
    )


def problem(
    status: int, code: str, detail: str, errors: list[FieldError] | None = None
) -> Response[Problem]:
    return Response(
        problem_of(status, code, detail, errors), status_code=status, media_type=PROBLEM_JSON
    )


def _app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[Problem]:
    errors = [msgspec.convert(e, FieldError) for e in exc.errors] if exc.errors else None
    return problem(exc.status_code, exc.code, exc.detail, errors)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[Problem]:
    errors = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            path = str(item.get("key") or item.get("source") or "")
            message = str(item.get("message", ""))
            if message == repr(path):  # Litestar's KeyError for a value that is not there
                message = "a JSON request body is required" if path == "data" else "is required"
            errors.append(FieldError(path=path, message=message))
    return problem(400, "validation_error", exc.detail or "invalid request", errors or None)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Problem]:
    status = exc.status_code
    if status >= 500:
        log.error("http_error", path=request.url.path, status=status, detail=exc.detail)
        return problem(status, _CODES.get(status, "internal_error"), _TITLES.get(status, "Error"))
    response = problem(status, _CODES.get(status, f"http_{status}"), exc.detail)
    response.headers.update(exc.headers or {})  # e.g. Allow on a 405
    return response


def _database_error(request: Request[Any, Any, Any], exc: DBAPIError) -> Response[Problem]:
    if exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError):
        # The database is restarting or unreachable: nothing was stored; the caller may retry.
        log.warning("database_unavailable", path=request.url.path, error=type(exc.orig).__name__)
        response = problem(503, "unavailable", "the database is unavailable; retry shortly")
        response.headers["retry-after"] = "1"
        return response
    return _unhandled(request, exc)


def _integrity_error(request: Request[Any, Any, Any], exc: IntegrityError) -> Response[Problem]:
    # The checks before the write passed; a concurrent request changed the rows in between. The
    # constraint's name stays in the log: it would tell a client about the schema.
    log.info("integrity_conflict", path=request.url.path, error=str(exc.orig).splitlines()[0])
    detail = "a concurrent change conflicts with this request; read the current state and retry"
    return problem(409, "conflict", detail)


def _unhandled(request: Request[Any, Any, Any], exc: Exception) -> Response[Problem]:
    log.exception("unhandled_error", path=request.url.path, method=request.method)
    return problem(500, "internal_error", "internal server error")


exception_handlers: dict[Any, Any] = {
    AppError: _app_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    IntegrityError: _integrity_error,
    DBAPIError: _database_error,
    Exception: _unhandled,
}

__all__ = ["PROBLEM_JSON", "MediaType", "exception_handlers"]

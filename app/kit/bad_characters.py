"""No text the API stores or sends may hold NUL (U+0000): refused at the edge, at one depth.

PostgreSQL's text types cannot hold NUL (psycopg raises ``DataError`` on the bind, which became
a 500), SQLite stores it and answers differently from PostgreSQL, and no HTTP request can carry
it in a header. So a NUL anywhere in what a client sends is a 400 ``invalid_character`` naming
where it was found, before any lookup or unit of work:

- ``RefuseNul``, an ASGI middleware: the path (``/api/v1/tenants/a%00b``), every query parameter
  (name or value) and every header (name or value);
- ``nul_in(value)``, called by ``app.kit.strict_bodies`` on the decoded JSON body: every string at
  any depth, object keys included.

Payloads are the exception (``OPAQUE_FIELDS``): a message's ``payload``, an event type's
``example`` and ``schema`` are the platform's own JSON documents, which JSON lets hold ``\\u0000``.
They are stored as JSON (the payload as bytes in ``message_payloads``; the others in ``json``
columns, which keep the escape as text), matched and filtered in Python, and sent byte for byte
in the signed body, where the receiver sees the same ``\\u0000`` escape. Refusing them would
reject real events for a limit of a column type they never reach.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import msgspec
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from app.errors import InvalidRequest

NUL = "\x00"
MESSAGE = "holds the NUL character (U+0000), which no text may contain"
# Fields holding JSON documents that are stored and sent as JSON, never as text (module docstring).
OPAQUE_FIELDS = frozenset({"payload", "example", "schema"})


def invalid_character(where: str) -> InvalidRequest:
    """The one refusal: 400 ``invalid_character`` with ``errors: [{"path": where, …}]``."""
    return InvalidRequest(
        f"{where} {MESSAGE}",
        code="invalid_character",
        status_code=400,
        errors=[{"path": where, "message": MESSAGE}],
    )


class RefuseNul(ASGIMiddleware):
    """The ASGI layer of the module docstring: path, query and headers."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        where = nul_in_request(scope)
        if where is not None:
            raise invalid_character(where)
        await next_app(scope, receive, send)


def nul_in_request(scope: Scope) -> str | None:
    """Where the request's path, query or headers hold NUL (``path``, ``query.cursor``,
    ``header.x-trace``), or None."""
    if NUL in scope["path"]:
        return "path"
    query: bytes = scope.get("query_string", b"")
    if b"\x00" in query or b"%00" in query:  # the only spellings of NUL in a query string
        for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
            if NUL in name or NUL in value:
                return f"query.{name.replace(NUL, '')}"
    for header, header_value in scope["headers"]:
        if b"\x00" in header or b"\x00" in header_value:
            return "header." + header.decode("latin-1").replace(NUL, "")
    return None


def nul_in(value: Any, path: str = "$") -> str | None:
    """The JSON path of the first string holding NUL in a decoded body (``$.uid``,
    ``$.headers['x-a']``, ``$.metadata`` for a key), skipping ``OPAQUE_FIELDS``; or None."""
    for where, text in _strings(value, path):
        if NUL in text:
            return where
    return None


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, msgspec.Struct):
        for field in msgspec.structs.fields(value):
            if field.encode_name not in OPAQUE_FIELDS:
                yield from _strings(getattr(value, field.name), f"{path}.{field.encode_name}")
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(key, path)
            yield from _strings(item, f"{path}[{key!r}]")
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from _strings(item, f"{path}[{index}]")


__all__ = ["OPAQUE_FIELDS", "RefuseNul", "invalid_character", "nul_in", "nul_in_request"]

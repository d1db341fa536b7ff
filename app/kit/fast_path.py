"""Fast paths: a few hot routes answered by a small ASGI layer in front of Litestar's routing.

Routing, dependency injection and response building were about a third of the API's CPU per
publish (issue 15). ``FastPath`` wraps the app's ASGI handler (inside ``Litestar.__call__``, so
``scope["app"]`` and the state are set, outside routing and CORS): for a request whose method
and path match one of its routes it reads the body and calls the route's handler, which either
answers (a ``Fast`` response) or returns None to *fall through*: the request then goes on to the
normal route with its body replayed, exactly as if the layer were not there.

A handler answers only what it fully handles: the happy path. Everything else (a missing or
foreign credential, a body that does not decode, a cache miss, an idempotent replay) falls
through, so every refusal is the normal route's own answer, byte for byte, from one code path.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from litestar.types import ASGIApp, Receive, Scope, Send


@dataclass(frozen=True, slots=True)
class Fast:
    """A complete answer: status, headers (lower-case names) and body."""

    status: int
    body: bytes
    headers: list[tuple[bytes, bytes]] = field(default_factory=list)


Handler = Callable[[Any, "re.Match[str]", bytes], Awaitable[Fast | None]]


@dataclass(frozen=True, slots=True)
class FastRoute:
    method: str
    path: re.Pattern[str]
    handle: Handler
    max_body_bytes: int  # a longer body falls through unread past this (the route says 413)


class FastPath:
    """The ASGI layer of the module docstring."""

    def __init__(self, app: ASGIApp, routes: Sequence[FastRoute]) -> None:
        self.app = app
        self.routes = list(routes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        http: Any = scope
        if http["type"] == "http":
            for route in self.routes:
                if http["method"] != route.method:
                    continue
                match = route.path.match(http["path"])
                if match is not None:
                    await self._serve(route, match, scope, receive, send)
                    return
        await self.app(scope, receive, send)

    async def _serve(
        self, route: FastRoute, match: re.Match[str], scope: Scope, receive: Receive, send: Send
    ) -> None:
        chunks, complete = await _read_body(receive, route.max_body_bytes)
        body = b"".join(chunks)
        answer = await route.handle(scope, match, body) if complete else None
        if answer is None:
            await self.app(scope, _replaying(chunks, complete, receive), send)
            return
        headers = [
            (b"content-length", str(len(answer.body)).encode()),
            *answer.headers,
        ]
        await send({"type": "http.response.start", "status": answer.status, "headers": headers})
        await send({"type": "http.response.body", "body": answer.body, "more_body": False})


async def _read_body(receive: Receive, max_bytes: int) -> tuple[list[bytes], bool]:
    """The body's chunks, and whether it is all there (False: longer than ``max_bytes``, or the
    client went away; the rest is left to the normal route)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return chunks, False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return chunks, True
        if size > max_bytes:
            return chunks, False


def _replaying(chunks: list[bytes], complete: bool, receive: Receive) -> Receive:
    """A ``receive`` that gives the chunks read already, then goes on with the client's."""
    pending = list(chunks)

    async def replay() -> Any:
        if pending:
            chunk = pending.pop(0)
            more = bool(pending) or not complete
            return {"type": "http.request", "body": chunk, "more_body": more}
        return await receive()

    return replay

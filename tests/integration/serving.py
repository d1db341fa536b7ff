"""Serving an app in a test the way a server does: on the test's event loop, concurrently."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import msgspec
from litestar import Litestar
from sqlalchemy import text

from tests.conftest import ADMIN_KEY

ADMIN_JSON = {"authorization": f"Bearer {ADMIN_KEY}", "content-type": "application/json"}


@asynccontextmanager
async def serving(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """A client of ``app`` on the test's own event loop, with the app's lifespan: concurrent
    requests are served concurrently, as by a server (Litestar's test client runs the app on a
    thread of its own, one request at a time)."""
    inbox: asyncio.Queue[dict[str, str]] = asyncio.Queue()
    started = asyncio.Event()

    async def send(message: dict[str, str]) -> None:
        if message["type"] == "lifespan.startup.complete":
            started.set()

    # The lifespan protocol in one task of its own (its task group must start and end there).
    lifespan = asyncio.create_task(app({"type": "lifespan"}, inbox.get, send))  # type: ignore[arg-type]
    await inbox.put({"type": "lifespan.startup"})
    await started.wait()
    try:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://testserver.local"
        ) as client:
            client.headers["authorization"] = f"Bearer {ADMIN_KEY}"
            yield client
    finally:
        await inbox.put({"type": "lifespan.shutdown"})
        await lifespan


class Answer(msgspec.Struct):
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return msgspec.json.decode(self.body)


async def direct_post(
    app: Litestar,
    path: str,
    body: Any,
    *,
    headers: dict[str, str] | None = None,
    on_start: Any = None,
) -> Answer:
    """POST straight to the ASGI app: concurrent calls are served concurrently, as a server
    would (the test client serves one request at a time); ``on_start`` runs as the answer
    starts."""
    raw = body if isinstance(body, bytes) else msgspec.json.encode(body)
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [
            (b"host", b"testserver.local"),
            (b"content-length", str(len(raw)).encode()),
            *(
                (name.lower().encode(), value.encode())
                for name, value in (headers or ADMIN_JSON).items()
            ),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("testserver.local", 80),
        "state": {},
    }
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": raw, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start" and on_start is not None:
            await on_start()
        sent.append(message)

    await app(scope, receive, send)  # type: ignore[arg-type]
    headers = {k.decode(): v.decode() for k, v in sent[0]["headers"]}
    return Answer(sent[0]["status"], headers, b"".join(m.get("body", b"") for m in sent[1:]))


@asynccontextmanager
async def commits_refused(engine: Any, table: str, *, when: str = "true") -> AsyncIterator[None]:
    """While inside (PostgreSQL only; elsewhere nothing changes): every COMMIT holding a new
    row of ``table`` for which ``when`` holds (SQL over ``NEW``) fails, at the COMMIT itself: a
    deferred constraint trigger, the database's own way of refusing a transaction late."""
    if engine.dialect.name != "postgresql":
        yield
        return
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION test_refuse_commit() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN IF {when} THEN RAISE EXCEPTION 'commit refused'; END IF; "
                "RETURN NULL; END $$"
            )
        )
        await conn.execute(
            text(
                f"CREATE CONSTRAINT TRIGGER test_refuse_commit AFTER INSERT ON {table} "
                "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION test_refuse_commit()"
            )
        )
    try:
        yield
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TRIGGER test_refuse_commit ON {table}"))
            await conn.execute(text("DROP FUNCTION test_refuse_commit()"))

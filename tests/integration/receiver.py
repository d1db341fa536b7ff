"""A real HTTP receiver on 127.0.0.1 for integration tests, scripted per path."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from aiohttp import web


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(default_factory=time.monotonic)


@dataclass
class Receiver:
    """Answers each path with the next scripted status (then ``default_status``)."""

    base_url: str = ""
    requests: list[Received] = field(default_factory=list)
    script: dict[str, list[int]] = field(default_factory=dict)
    default_status: int = 200
    delay_seconds: float = 0.0
    response_body: bytes = b"ok"
    headers: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return f"{self.base_url}{path}"

    def on(self, path: str, *statuses: int) -> None:
        self.script[path] = list(statuses)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.read()
        self.requests.append(Received(request.path, dict(request.headers), body))
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)
        statuses = self.script.get(request.path)
        status = statuses.pop(0) if statuses else self.default_status
        headers = dict(self.headers)
        if 300 <= status < 400:
            headers["location"] = self.url("/redirected")
        return web.Response(status=status, body=self.response_body, headers=headers)


@asynccontextmanager
async def running_receiver() -> AsyncIterator[Receiver]:
    receiver = Receiver()
    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", receiver.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    receiver.base_url = f"http://127.0.0.1:{port}"
    try:
        yield receiver
    finally:
        await runner.cleanup()

"""``hookrelay receive``: a development receiver that prints each webhook and checks its signature.

A bare ASGI callable served by uvicorn (already a runtime dependency), so the command works from a
plain install: the receiver needs no web framework of its own.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn
from standardwebhooks import Webhook, WebhookVerificationError

Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


def verdict_of(verifier: Webhook | None, body: bytes, headers: dict[str, str]) -> str:
    if verifier is None:
        return "unchecked (pass --secret to verify)"
    try:
        verifier.verify(body, headers)
    except WebhookVerificationError as exc:
        return f"signature INVALID: {exc}"
    return "signature OK"


def build_receiver(secret: str | None) -> ASGIApp:
    """Answers every request 204 after printing it (401 when a given secret does not verify)."""
    verifier = Webhook(secret) if secret else None

    async def app(
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        if scope["type"] != "http":
            return  # uvicorn runs it with lifespan off: nothing else arrives
        body, more = b"", True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope["headers"]}
        verdict = verdict_of(verifier, body, headers)
        query = scope.get("query_string", b"").decode("latin-1")
        print(
            f"{scope['method']} {scope['path']}{'?' + query if query else ''}"
            f"  webhook-id={headers.get('webhook-id')}  {verdict}\n"
            f"  {body.decode(errors='replace')}",
            flush=True,
        )
        status = 401 if verdict.startswith("signature INVALID") else 204
        await send({"type": "http.response.start", "status": status, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


def run_receiver(host: str, port: int, secret: str | None) -> None:
    print(json.dumps({"receiving_on": f"http://{host}:{port}/"}), flush=True)
    uvicorn.run(
        build_receiver(secret),
        host=host,
        port=port,
        lifespan="off",
        access_log=False,
        log_level="warning",
    )

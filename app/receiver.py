"""``hookrelay receive``: a development receiver that prints each webhook and checks its signature."""

from __future__ import annotations

import json

from aiohttp import web
from standardwebhooks import Webhook, WebhookVerificationError


def build_receiver(secret: str | None) -> web.Application:
    verifier = Webhook(secret) if secret else None

    async def handle(request: web.Request) -> web.Response:
        body = await request.read()
        verdict = "unchecked (pass --secret to verify)"
        if verifier is not None:
            try:
                verifier.verify(body, dict(request.headers))
                verdict = "signature OK"
            except WebhookVerificationError as exc:
                verdict = f"signature INVALID: {exc}"
        print(
            f"{request.method} {request.path_qs}  webhook-id={request.headers.get('webhook-id')}"
            f"  {verdict}\n  {body.decode(errors='replace')}",
            flush=True,
        )
        status = 401 if verdict.startswith("signature INVALID") else 204
        return web.Response(status=status)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    return app


def run_receiver(host: str, port: int, secret: str | None) -> None:
    print(json.dumps({"receiving_on": f"http://{host}:{port}/"}), flush=True)
    web.run_app(build_receiver(secret), host=host, port=port, print=None, access_log=None)

"""``hookrelay receive``, the development receiver: served over real HTTP on 127.0.0.1, it answers
204 and prints a verified webhook, and answers 401 to one whose signature does not verify."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
import uvicorn
from standardwebhooks import Webhook

from app.kit.signing import generate_secret
from app.receiver import build_receiver

SECRET = generate_secret()


@pytest.fixture
async def receiver_url() -> AsyncIterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()  # connections wait in the backlog until uvicorn accepts them: no start-up race
    config = uvicorn.Config(build_receiver(SECRET), lifespan="off", log_level="warning")
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    server.should_exit = True
    await serving


def signed(body: bytes, secret: str) -> dict[str, str]:
    now = datetime.now(UTC)
    signature = Webhook(secret).sign("msg_1", now, body.decode())
    return {
        "webhook-id": "msg_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": signature,
        "content-type": "application/json",
    }


async def test_dev_receiver_prints_a_verified_webhook(
    receiver_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'{"type": "invoice.paid"}'
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{receiver_url}/hook?x=1", content=body, headers=signed(body, SECRET)
        )
    assert answer.status_code == 204
    printed = capsys.readouterr().out
    assert "POST /hook?x=1  webhook-id=msg_1  signature OK" in printed
    assert '{"type": "invoice.paid"}' in printed


async def test_dev_receiver_refuses_a_bad_signature(
    receiver_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    body = b'{"type": "invoice.paid"}'
    headers = signed(body, generate_secret())
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{receiver_url}/hook", content=body, headers=headers)
    assert answer.status_code == 401
    assert "signature INVALID" in capsys.readouterr().out

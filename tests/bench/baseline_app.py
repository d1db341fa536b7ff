"""The publish benchmark's baseline (issue 15): the least a publish API on this stack can do.

A minimal Litestar app on the same server settings as ``hookrelay api`` (uvicorn, uvloop, no access
log) whose handler decodes the body with msgspec and does one ``INSERT … RETURNING`` and one
``COMMIT`` through the same driver (SQLAlchemy's async engine on psycopg, the same pool size).

    python tests/bench/baseline_app.py --database-url postgresql://… --port 8001
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import traceback
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import msgspec
from litestar import Litestar, Request, Response, post
from litestar.exceptions import HTTPException
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

TABLE = "bench_baseline_messages"
_INSERT = text(
    f"INSERT INTO {TABLE} (id, tenant, event_type, body) "
    "VALUES (:id, :tenant, :event_type, :body) RETURNING id"
)


class Publish(msgspec.Struct):
    event_type: str
    payload: dict[str, Any]


def create(engine: AsyncEngine) -> Litestar:
    decoder = msgspec.json.Decoder(Publish)

    @post("/api/v1/tenants/{tenant:str}/messages", status_code=202)
    async def publish(request: Request[Any, Any, Any], tenant: str) -> Response[bytes]:
        data = decoder.decode(await request.body())
        row = {
            "id": "msg_" + secrets.token_hex(12),
            "tenant": tenant,
            "event_type": data.event_type,
            "body": msgspec.json.encode(data.payload).decode(),
        }
        async with engine.connect() as conn:
            inserted = (await conn.execute(_INSERT, row)).scalar_one()
            await conn.commit()
        return Response(
            msgspec.json.encode({"id": inserted}),
            status_code=202,
            media_type="application/json",
        )

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    f"CREATE TABLE IF NOT EXISTS {TABLE} (id varchar PRIMARY KEY, "
                    "tenant varchar NOT NULL, event_type varchar NOT NULL, body jsonb NOT NULL)"
                )
            )
        yield
        await engine.dispose()

    def log_error(_: Request[Any, Any, Any], exc: Exception) -> Response[bytes]:
        if isinstance(exc, HTTPException):  # the bench's readiness probe: 404
            return Response(b"", status_code=exc.status_code)
        traceback.print_exception(exc)  # the bench prints this process's log when a trial fails
        return Response(b"", status_code=500)

    return Litestar(
        [publish],
        lifespan=[lifespan],
        exception_handlers={Exception: log_error},
        logging_config=None,
        debug=False,
    )


def main() -> None:
    import uvicorn
    import uvloop

    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    url = args.database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    engine = create_async_engine(url, pool_size=20, max_overflow=20)
    config = uvicorn.Config(
        create(engine), host="127.0.0.1", port=args.port, log_config=None, access_log=False
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()

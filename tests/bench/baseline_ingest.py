"""The ingest benchmark's baseline: a plain Litestar endpoint doing one INSERT and COMMIT per
request, on the server settings ``hookrelay api`` uses (uvicorn, uvloop, no access log) and the
same database driver and pool (``app.db.create_engine``: SQLAlchemy on psycopg).

    python tests/bench/baseline_ingest.py --port P --database-url postgresql://…
"""

from __future__ import annotations

import argparse
import secrets
from datetime import UTC, datetime
from typing import Any

import uvicorn
from litestar import Litestar, Request, Response, post
from sqlalchemy import text

from app.cli import _use_uvloop
from app.db import create_engine, session_factory

INSERT = text("INSERT INTO bench_ingest (id, body, created_at) VALUES (:id, :body, :created_at)")


def create_baseline(database_url: str) -> Litestar:
    engine = create_engine(database_url)
    sessions = session_factory(engine)

    @post("/in/{token:str}", status_code=200)
    async def receive(request: Request[Any, Any, Any], token: str) -> Response[bytes]:
        body = await request.body()
        async with sessions() as session:
            values = {"id": secrets.token_hex(12), "body": body, "created_at": datetime.now(UTC)}
            await session.execute(INSERT, values)
            await session.commit()
        return Response(b'{"ok": true}', media_type="application/json")

    async def create_table() -> None:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    "CREATE TABLE IF NOT EXISTS bench_ingest"
                    " (id text PRIMARY KEY, body bytea NOT NULL, created_at timestamptz NOT NULL)"
                )
            )

    return Litestar([receive], on_startup=[create_table], on_shutdown=[engine.dispose])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", required=True)
    args = parser.parse_args()
    _use_uvloop()  # as `hookrelay api` does
    app = create_baseline(args.database_url)
    config = uvicorn.Config(
        app, host="127.0.0.1", port=args.port, log_config=None, access_log=False
    )
    uvicorn.Server(config).run()


if __name__ == "__main__":
    main()

"""The pool pings a connection only after it sat idle; a dead one is then replaced unseen
(PostgreSQL only: the server that cuts connections, and the ping, are PostgreSQL's)."""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import text

from app import db
from app.db import create_engine


async def backend_pid(engine: db.AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


class TestPingWhenIdle:
    async def test_a_connection_cut_while_idle_is_replaced_before_use(
        self, postgres_database: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        engine = create_engine(postgres_database, pool_size=1)
        try:
            # Given a pooled connection that the server has cut (as a restart does)
            first = await backend_pid(engine)
            with psycopg.connect(postgres_database, autocommit=True) as admin:
                admin.execute("SELECT pg_terminate_backend(%s)", (first,))

            # When it is taken from the pool after its idle time (here: any)
            monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 0.0)

            # Then the ping finds it dead and the statement runs on a new connection
            assert await backend_pid(engine) != first
        finally:
            await engine.dispose()

    async def test_a_connection_used_just_now_is_not_pinged(
        self, postgres_database: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(db, "PING_AFTER_IDLE_SECONDS", 60.0)  # however slow this machine is
        engine = create_engine(postgres_database, pool_size=1)
        pings = 0
        original = engine.dialect.do_ping

        def counting(dbapi_connection: object) -> bool:
            nonlocal pings
            pings += 1
            return original(dbapi_connection)

        engine.dialect.do_ping = counting  # type: ignore[method-assign]
        try:
            first = await backend_pid(engine)  # a new connection
            assert await backend_pid(engine) == first
            assert await backend_pid(engine) == first
            assert pings == 0
        finally:
            await engine.dispose()

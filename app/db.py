"""Database engines and migrations, for SQLite (embedded default) and PostgreSQL alike."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SessionFactory = async_sessionmaker[AsyncSession]


def async_url(database_url: str) -> str:
    url = make_url(database_url)
    if url.drivername in ("sqlite", "sqlite+pysqlite"):
        return url.set(drivername="sqlite+aiosqlite").render_as_string(hide_password=False)
    if url.drivername in ("postgresql", "postgres", "postgresql+psycopg"):
        return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return database_url


def sync_url(database_url: str) -> str:
    url = make_url(database_url)
    if url.drivername.startswith("sqlite"):
        return url.set(drivername="sqlite").render_as_string(hide_password=False)
    return url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def _sqlite_setup(engine: Any) -> None:
    """WAL, a busy timeout, and BEGIN IMMEDIATE.

    pysqlite/aiosqlite defer BEGIN and start read transactions that fail with "database is locked"
    when they later write; taking the write lock up front lets the busy timeout queue writers.
    """

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(database_url: str, *, pool_size: int = 20) -> AsyncEngine:
    """An engine whose pool keeps ``pool_size`` connections (overflow connections are closed on
    return, so a pool smaller than the usual concurrency reconnects on every request)."""
    url = async_url(database_url)
    if url.startswith("sqlite"):
        Path(make_url(url).database or ".").parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(url)
        _sqlite_setup(engine.sync_engine)
        return engine
    engine = create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        # psycopg parses json columns (an endpoint's headers, old secrets) on every claimed row;
        # msgspec does it in a fraction of the standard library's time, to the same values.
        json_deserializer=msgspec.json.decode,
    )
    _ping_when_idle(engine.sync_engine)
    return engine


# A pooled connection used this recently is taken as alive. SQLAlchemy's pool_pre_ping pinged on
# every checkout: a round trip (and two autocommit switches) on every request, a sixth of a
# publish's (issue 15). A connection cut while in the pool (a database restart) fails its next
# statement instead; SQLAlchemy then drops the whole pool, and that request answers 503
# (``app.errors``: nothing was stored, the caller retries), as do requests during the restart.
PING_AFTER_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: Any) -> None:
    @event.listens_for(engine, "connect")
    @event.listens_for(engine, "checkin")
    def _fresh(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_seconds = time.monotonic() - record.info.get("checked_in_at", 0.0)
        if idle_seconds < PING_AFTER_IDLE_SECONDS:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:  # the pool then connects afresh
            raise DisconnectionError() from exc
        if not alive:
            raise DisconnectionError()


def session_factory(engine: AsyncEngine) -> SessionFactory:
    return async_sessionmaker(engine, expire_on_commit=False)


def migrate(database_url: str, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (the only way the schema changes)."""
    from alembic import command
    from alembic.config import Config

    import migrations

    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", sync_url(database_url).replace("%", "%%"))
    command.upgrade(config, revision)

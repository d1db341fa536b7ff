"""Shared fixtures: real databases (SQLite file and a fresh PostgreSQL database), migrated once."""

from __future__ import annotations

import os
import secrets
import sys
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import psycopg
import pytest
from cryptography.fernet import Fernet
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from app.config import Settings, load_settings
from app.db import create_engine, migrate, session_factory
from app.endpoints import cache as endpoint_cache
from app.event_types import service as event_types
from app.kit import clock as clock_module
from app.models import Base
from app.sources import cache as source_cache
from app.tenants import service as tenants

POSTGRES_ADMIN_URL = os.environ.get(
    "HOOKRELAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
RABBITMQ_URL = os.environ.get(
    "HOOKRELAY_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F"
)
REDIS_URL = os.environ.get("HOOKRELAY_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
ADMIN_KEY = "hr_test_admin_key"
SECRET_KEY = Fernet.generate_key().decode()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--full-length",
        action="store_true",
        help="run the fault tests (-m faults) at full length, e.g. a receiver down for 10 real "
        "minutes, instead of scaled down for CI (`make faults`)",
    )


def _pg_url(name: str) -> str:
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    name = f"hookrelay_test_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield _pg_url(name)
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    """Each database-backed test runs on both: the embedded SQLite file and PostgreSQL."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'hookrelay.db'}"
    else:
        url = request.getfixturevalue("postgres_database")
    migrate(url)
    return url


@pytest.fixture(scope="session")
def make_settings(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    data_dir = tmp_path_factory.mktemp("data")

    def make(database_url: str, **overrides: object) -> Settings:
        values: dict[str, object] = {
            "data_dir": str(data_dir),
            "database_url": database_url,
            "secret_key": SECRET_KEY,
            "admin_api_key": ADMIN_KEY,
            "retry_schedule": [1, 2, 3],
            "retry_jitter": 0.0,
            "request_timeout_seconds": 2.0,
            # Test receivers listen on loopback, which the egress guard blocks on PostgreSQL.
            "egress_allow": ["127.0.0.0/8", "::1/128"],
            "destination_allow": ["127.0.0.0/8", "::1/128"],  # sources' destinations likewise
        }
        values.update(overrides)
        return load_settings(environ={}, **values)

    return make


@pytest.fixture(scope="session")
def settings(database_url: str, make_settings) -> Settings:  # type: ignore[no-untyped-def]
    return make_settings(database_url)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def sessions(engine: AsyncEngine):  # type: ignore[no-untyped-def]
    """A session factory on a clean database (every table emptied before the test)."""
    async with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            await conn.execute(text(f"DELETE FROM {table.name}"))
    tenants.forget_cached()
    event_types.forget_cached()
    endpoint_cache.forget_cached()
    source_cache.forget_all()
    return session_factory(engine)


def data_dir_of(settings: Settings) -> Path:
    return Path(settings.data_dir)


class Clock:
    """The service's clock, moved by a test: real time plus what the test has advanced it by."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return _real_utc_now() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


_real_utc_now = clock_module.utc_now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """The clock seam patched: every module of the service and the tests that took ``utc_now``
    from ``app.kit.clock`` reads the moved clock, so the code that computes times runs."""
    moved = Clock()
    for name, module in list(sys.modules.items()):
        if name.split(".", 1)[0] in ("app", "workers", "tests") and (
            getattr(module, "utc_now", None) is _real_utc_now
        ):
            monkeypatch.setattr(module, "utc_now", moved.now)
    return moved

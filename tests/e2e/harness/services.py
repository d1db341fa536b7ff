"""Hookrelay in its two runtime shapes, and the PostgreSQL database and broker state under it."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.e2e.harness.processes import HarnessError, Stack, free_port, wait_until
from workers.contracts import DELIVERY_QUEUE

# The console script installed next to the interpreter running the tests (the project venv).
HOOKRELAY = Path(sys.executable).parent / "hookrelay"

POSTGRES_URL = os.environ.get(
    "HOOKRELAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
AMQP_URL = os.environ.get("HOOKRELAY_TEST_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
# Without the database number ("redis://host:port").
REDIS_URL = re.sub(
    r"/\d*$", "", os.environ.get("HOOKRELAY_TEST_REDIS_URL", "redis://127.0.0.1:6379")
)

READY_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True)
class Service:
    """A running Hookrelay: where its API is and the admin key it was started with."""

    base_url: str
    admin_key: str

    def client(self, *, timeout_seconds: float = 30.0) -> httpx.Client:
        return httpx.Client(
            base_url=self.base_url,
            headers={"authorization": f"Bearer {self.admin_key}"},
            timeout=timeout_seconds,
        )


def service_env(
    workdir: Path, port: int, admin_key: str, settings: dict[str, str]
) -> dict[str, str]:
    """The parent's environment without its HOOKRELAY_* variables, plus this run's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOOKRELAY_")}
    env |= {
        "PYTHONUNBUFFERED": "1",
        "HOOKRELAY_DATA_DIR": str(workdir / "data"),
        "HOOKRELAY_HOST": "127.0.0.1",
        "HOOKRELAY_PORT": str(port),
        "HOOKRELAY_ADMIN_API_KEY": admin_key,
        "HOOKRELAY_LOG_FORMAT": "json",
        # The receiver is on loopback, which the egress policy blocks outside the embedded default.
        "HOOKRELAY_EGRESS_ALLOW": "127.0.0.0/8",
    }
    return env | settings


def wait_ready(service: Service, stack: Stack) -> None:
    def ready() -> bool:
        try:
            return httpx.get(service.base_url + "/health/ready", timeout=5).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(ready, timeout_seconds=READY_TIMEOUT_SECONDS, stack=stack, what="/health/ready")


def start_embedded(stack: Stack, *, settings: dict[str, str] | None = None) -> Service:
    """``hookrelay dev``: SQLite and the in-process broker, all in one process."""
    port, admin_key = free_port(), "hr_e2e_" + secrets.token_urlsafe(16)
    env = service_env(stack.workdir, port, admin_key, settings or {})
    stack.start("dev", [str(HOOKRELAY), "dev"], env)
    service = Service(f"http://127.0.0.1:{port}", admin_key)
    wait_ready(service, stack)
    return service


def start_production(
    stack: Stack, *, database_url: str, broker_url: str, settings: dict[str, str] | None = None
) -> Service:
    """``hookrelay migrate``, then ``api``, ``worker`` and ``scheduler`` as separate processes."""
    from cryptography.fernet import Fernet

    port, admin_key = free_port(), "hr_e2e_" + secrets.token_urlsafe(16)
    env = service_env(stack.workdir, port, admin_key, settings or {})
    env |= {
        "HOOKRELAY_DATABASE_URL": database_url,
        "HOOKRELAY_BROKER_URL": broker_url,
        "HOOKRELAY_SECRET_KEY": Fernet.generate_key().decode(),
    }
    migrate = subprocess.run(
        [str(HOOKRELAY), "migrate"], cwd=stack.workdir, env=env, capture_output=True, timeout=120
    )
    if migrate.returncode != 0:
        output = (migrate.stdout + migrate.stderr).decode(errors="replace")
        raise HarnessError(f"hookrelay migrate exited with {migrate.returncode}:\n{output}")
    for command in ("worker", "scheduler", "api"):
        stack.start(command, [str(HOOKRELAY), command], env)
    service = Service(f"http://127.0.0.1:{port}", admin_key)
    wait_ready(service, stack)
    return service


@contextlib.contextmanager
def fresh_database(maintenance_url: str = POSTGRES_URL) -> Iterator[str]:
    """A new, empty PostgreSQL database for one run, dropped afterwards; yields its URL."""
    import psycopg
    from psycopg import sql

    name = f"hookrelay_e2e_{secrets.token_hex(6)}"
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    base = maintenance_url.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(maintenance_url, autocommit=True) as conn:
            # FORCE: a killed process may still hold a connection for a moment.
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


def reset_rabbitmq(url: str = AMQP_URL) -> str:
    """Purge the delivery queues (and their delay and dead-letter queues); return ``url``."""
    import pika
    from pika.exceptions import ChannelClosedByBroker

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        for queue in (DELIVERY_QUEUE, f"{DELIVERY_QUEUE}.DQ", f"{DELIVERY_QUEUE}.XQ"):
            channel = connection.channel()
            try:
                # passive: purge what exists without declaring it with arguments Dramatiq disagrees with.
                channel.queue_declare(queue, passive=True)
                channel.queue_purge(queue)
                channel.close()
            except ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
    finally:
        connection.close()
    return url


def reset_redis(db: int, url: str = REDIS_URL) -> str:
    """Flush Redis database ``db``; return its URL."""
    import redis

    full_url = f"{url}/{db}"
    client = redis.Redis.from_url(full_url)
    try:
        client.flushdb()
    finally:
        client.close()
    return full_url

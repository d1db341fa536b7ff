"""Hookrelay in its two runtime shapes, and the PostgreSQL database and broker state under it."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

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
    stack: Stack,
    *,
    database_url: str,
    broker_url: str,
    settings: dict[str, str] | None = None,
    workers: int = 1,
) -> Service:
    """``hookrelay migrate``, then ``api``, ``worker`` and ``scheduler`` as separate processes.

    The processes are named ``worker`` (then ``worker-2``, … with ``workers``), ``scheduler`` and
    ``api`` in the stack, for ``Stack.kill`` / ``stop`` / ``start_again``.
    """
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
    for n in range(1, workers + 1):
        stack.start("worker" if n == 1 else f"worker-{n}", [str(HOOKRELAY), "worker"], env)
    for command in ("scheduler", "api"):
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


def delivery_statuses(database_url: str) -> Counter[str]:
    """How many deliveries the database holds in each status (pending, succeeded, failed)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute("SELECT status, count(*) FROM deliveries GROUP BY status").fetchall()
    return Counter({str(status): int(count) for status, count in rows})


def restart_postgres(*, timeout_seconds: float = 60.0) -> None:
    """Restart the local PostgreSQL cluster (every connection to it is cut) and wait until it
    accepts connections again. Needs ``pg_ctlcluster``, as on the CI machine."""
    versions = sorted(p.name for p in Path("/etc/postgresql").iterdir())
    if len(versions) != 1:
        raise HarnessError(f"expected one PostgreSQL version in /etc/postgresql, found {versions}")
    command = ["pg_ctlcluster", "--skip-systemctl-redirect", versions[0], "main", "restart"]
    done = subprocess.run(command, capture_output=True, timeout=timeout_seconds)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")
        raise HarnessError(f"{' '.join(command)} exited with {done.returncode}:\n{output}")
    deadline = time.monotonic() + timeout_seconds
    while subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], timeout=10).returncode != 0:
        if time.monotonic() > deadline:
            raise HarnessError(f"PostgreSQL did not answer within {timeout_seconds:.0f} s")
        time.sleep(0.1)


def _rabbitmqctl(*args: str) -> None:
    done = subprocess.run(["rabbitmqctl", "-q", *args], capture_output=True, timeout=60)
    if done.returncode != 0:
        output = (done.stdout + done.stderr).decode(errors="replace")
        raise HarnessError(f"rabbitmqctl {' '.join(args)} exited with {done.returncode}:\n{output}")


@contextlib.contextmanager
def fresh_rabbitmq_vhost(url: str = AMQP_URL) -> Iterator[str]:
    """A new RabbitMQ virtual host for one run, deleted afterwards; yields its ``amqp://`` URL.

    Every Hookrelay process declares the same queue name (``deliveries``): on a shared vhost the
    workers of runs going on at the same time would take each other's tasks, and a purge would
    empty theirs. Needs ``rabbitmqctl`` (root, or the broker's Erlang cookie), as on the CI machine.
    """
    parts = urlsplit(url)
    vhost = f"hookrelay_e2e_{secrets.token_hex(6)}"
    _rabbitmqctl("add_vhost", vhost)
    try:
        _rabbitmqctl("set_permissions", "-p", vhost, parts.username or "guest", ".*", ".*", ".*")
        yield urlunsplit(parts._replace(path="/" + quote(vhost, safe="")))
    finally:
        _rabbitmqctl("delete_vhost", vhost)


def reset_rabbitmq(url: str = AMQP_URL) -> str:
    """Purge the delivery queues (and their delay and dead-letter queues); return ``url``."""
    purge_rabbitmq(url)
    return url


def rabbitmq_depth(url: str = AMQP_URL) -> int:
    """How many messages (tasks) wait in the delivery queue, not counting those a worker holds."""
    import pika
    from pika.exceptions import ChannelClosedByBroker

    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        channel = connection.channel()
        try:
            return int(channel.queue_declare(DELIVERY_QUEUE, passive=True).method.message_count)
        except ChannelClosedByBroker as exc:
            if exc.reply_code != 404:
                raise
            return 0
    finally:
        connection.close()


def purge_rabbitmq(url: str = AMQP_URL) -> int:
    """Purge the delivery queues (and their delay and dead-letter queues), as a broker that lost
    them would; return how many messages (tasks) were dropped. Unacknowledged messages (held by a
    running worker) are not purged."""
    import pika
    from pika.exceptions import ChannelClosedByBroker

    dropped = 0
    connection = pika.BlockingConnection(pika.URLParameters(url))
    try:
        for queue in (DELIVERY_QUEUE, f"{DELIVERY_QUEUE}.DQ", f"{DELIVERY_QUEUE}.XQ"):
            channel = connection.channel()
            try:
                # passive: purge what exists without declaring it with arguments Dramatiq disagrees with.
                channel.queue_declare(queue, passive=True)
                dropped += channel.queue_purge(queue).method.message_count
                channel.close()
            except ChannelClosedByBroker as exc:
                if exc.reply_code != 404:
                    raise
    finally:
        connection.close()
    return dropped


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


def stored_messages(database_url: str) -> dict[str, int]:
    """Every message in the database with its number of deliveries (a message is written with
    one delivery per matching endpoint in one transaction: fewer is a half-written publish)."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT m.id, count(d.id) FROM messages m LEFT JOIN deliveries d ON d.message_id = m.id"
            " GROUP BY m.id"
        ).fetchall()
    return {str(message_id): int(count) for message_id, count in rows}


def messages_per_event_id(database_url: str) -> Counter[str]:
    """How many messages the database holds for each publisher ``event_id``."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT event_id, count(*) FROM messages WHERE event_id IS NOT NULL GROUP BY event_id"
        ).fetchall()
    return Counter({str(event_id): int(count) for event_id, count in rows})

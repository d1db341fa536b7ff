"""End to end in the production shape: ``hookrelay migrate``, then ``api``, ``worker`` and
``scheduler`` as separate processes on a fresh PostgreSQL database and RabbitMQ or Redis."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.e2e.harness import (
    Stack,
    assert_fanned_out_once,
    fresh_database,
    publish_many,
    reset_rabbitmq,
    reset_redis,
    set_up_tenant,
    start_production,
    start_receiver,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

# Redis database 12 is kept for these tests (integration tests use 15, the bench 14); it is
# flushed before each run.
E2E_REDIS_DB = 12

BROKERS: dict[str, Callable[[], str]] = {
    "rabbitmq": reset_rabbitmq,
    "redis": lambda: reset_redis(E2E_REDIS_DB),
}


@pytest.fixture
def fresh_database_url(stack: Stack) -> Iterator[str]:
    """A fresh database, dropped after the test's processes have stopped."""
    with fresh_database() as url:
        try:
            yield url
        finally:
            stack.stop_all()


@pytest.mark.parametrize("broker", sorted(BROKERS))
def test_every_message_reaches_every_endpoint_once_signed(
    stack: Stack, fresh_database_url: str, broker: str
) -> None:
    # Given migrated api, worker and scheduler processes and three endpoints on a receiver
    receiver = start_receiver(stack)
    service = start_production(stack, database_url=fresh_database_url, broker_url=BROKERS[broker]())
    setup = set_up_tenant(service, receiver, endpoints=3)

    # When 200 messages are published concurrently
    published = publish_many(service, setup.tenant, 200)

    # Then 600 verified requests arrive, one per message and endpoint, each recorded as an attempt
    assert_fanned_out_once(service, receiver, setup, published, stack=stack)


def test_a_generated_admin_key_never_goes_to_the_logs(
    stack: Stack, fresh_database_url: str
) -> None:
    """Started with no HOOKRELAY_ADMIN_API_KEY on an empty database, ``hookrelay api`` generates a
    key into its data folder (owner-only) and logs where it is, never the key itself."""
    import subprocess

    import httpx
    from cryptography.fernet import Fernet

    from tests.e2e.harness import free_port, wait_until
    from tests.e2e.harness.services import HOOKRELAY, service_env

    port = free_port()
    env = service_env(stack.workdir, port, "", {}) | {
        "HOOKRELAY_DATABASE_URL": fresh_database_url,
        "HOOKRELAY_BROKER_URL": reset_rabbitmq(),
        "HOOKRELAY_SECRET_KEY": Fernet.generate_key().decode(),
    }
    env.pop("HOOKRELAY_ADMIN_API_KEY")
    subprocess.run([str(HOOKRELAY), "migrate"], env=env, cwd=stack.workdir, check=True, timeout=120)
    api = stack.start("api", [str(HOOKRELAY), "api"], env)
    key_file = stack.workdir / "data" / "admin_api_key"

    def live() -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{port}/health/live").status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(live, timeout_seconds=60, stack=stack, what="/health/live")
    key = key_file.read_text().strip()
    assert key.startswith("hr_") and key_file.stat().st_mode & 0o777 == 0o600
    answer = httpx.get(
        f"http://127.0.0.1:{port}/api/v1/tenants", headers={"authorization": f"Bearer {key}"}
    )
    assert answer.status_code == 200
    assert str(key_file) in api.tail() and key not in api.log_path.read_text()


def test_api_workers_serve_publishes_from_several_processes(
    stack: Stack, fresh_database_url: str
) -> None:
    """``HOOKRELAY_API_WORKERS=2``: ``hookrelay api`` runs two worker processes on one port, each
    with its own engine, broker connection and caches; publishes through either are delivered."""
    from pathlib import Path

    from tests.e2e.harness import fresh_rabbitmq_vhost

    receiver = start_receiver(stack)
    with fresh_rabbitmq_vhost() as broker_url:
        service = start_production(
            stack,
            database_url=fresh_database_url,
            broker_url=broker_url,
            settings={"HOOKRELAY_API_WORKERS": "2"},
        )
        api = stack.get("api").pid
        children = Path(f"/proc/{api}/task/{api}/children").read_text().split()
        assert len(children) >= 2, f"expected 2 worker processes under the api, got {children}"

        setup = set_up_tenant(service, receiver, endpoints=2)
        published = publish_many(service, setup.tenant, 100)

        assert_fanned_out_once(service, receiver, setup, published, stack=stack)
        stack.stop_all()  # before the vhost goes

"""Starting real Hookrelay processes and the test receiver, shared by tests/e2e and tests/bench.

Everything here talks to real things on this machine: ``hookrelay`` subprocesses, the receiver
subprocess (``tests/e2e/receiver.py``), PostgreSQL, RabbitMQ and Redis. A missing service raises,
so a test that needs it fails instead of skipping.

Where the services are is read from the variables that tests/conftest.py reads too:
``HOOKRELAY_TEST_POSTGRES_URL`` (a maintenance database to create and drop test databases from),
``HOOKRELAY_TEST_RABBITMQ_URL`` and ``HOOKRELAY_TEST_REDIS_URL`` (its database number is replaced:
callers pick their own, since a run flushes it).

- ``processes``: ``Stack`` of logged subprocesses, ``wait_until``, the ``Receiver`` handle;
- ``services``: ``start_embedded`` / ``start_production``, a fresh database, broker resets;
- ``api``: tenant and endpoints on the receiver, concurrent publishing, the attempts API;
- ``checks``: what a run must show (each delivery once, signed, recorded as an attempt).
"""

from tests.e2e.harness.api import (
    Published,
    Setup,
    attempts_of,
    publish_many,
    set_up_tenant,
    wait_for_attempts,
)
from tests.e2e.harness.checks import assert_fanned_out_once, duplicates, missing_deliveries
from tests.e2e.harness.processes import (
    HarnessError,
    Process,
    Receiver,
    Stack,
    free_port,
    start_receiver,
    wait_until,
)
from tests.e2e.harness.services import (
    Service,
    fresh_database,
    reset_rabbitmq,
    reset_redis,
    start_embedded,
    start_production,
)

__all__ = [
    "HarnessError",
    "Process",
    "Published",
    "Receiver",
    "Service",
    "Setup",
    "Stack",
    "assert_fanned_out_once",
    "attempts_of",
    "duplicates",
    "free_port",
    "fresh_database",
    "missing_deliveries",
    "publish_many",
    "reset_rabbitmq",
    "reset_redis",
    "set_up_tenant",
    "start_embedded",
    "start_production",
    "start_receiver",
    "wait_for_attempts",
    "wait_until",
]

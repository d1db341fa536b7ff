"""Starting real Hookrelay processes and the test receiver, shared by tests/e2e and tests/bench.

Everything here talks to real things on this machine: ``hookrelay`` subprocesses, the receiver
subprocess (``tests/e2e/receiver.py``), PostgreSQL, RabbitMQ and Redis. A missing service raises,
so a test that needs it fails instead of skipping.

Where the services are is read from the variables that tests/conftest.py reads too:
``HOOKRELAY_TEST_POSTGRES_URL`` (a maintenance database to create and drop test databases from),
``HOOKRELAY_TEST_RABBITMQ_URL`` and ``HOOKRELAY_TEST_REDIS_URL`` (its database number is replaced:
callers pick their own, since a run flushes it).

- ``processes``: ``Stack`` of logged subprocesses (kill, stop and start one again by name),
  ``wait_until``, the ``Receiver`` handle (which can be stopped and started again on its port);
- ``services``: ``start_embedded`` / ``start_production``, a fresh database, a fresh RabbitMQ
  vhost, broker resets, a PostgreSQL restart, the deliveries' statuses;
- ``api``: tenant and endpoints on the receiver, concurrent publishing (one by one or in batches),
  the attempts API;
- ``checks``: what a run must show (each delivery once, signed, recorded as an attempt; or, after
  a crash, each delivery at least once with the duplicates counted).
"""

from tests.e2e.harness.api import (
    Published,
    Setup,
    attempts_of,
    publish_batches,
    publish_many,
    set_up_tenant,
    wait_for_attempts,
)
from tests.e2e.harness.checks import (
    Tally,
    assert_all_delivered,
    assert_fanned_out_once,
    duplicates,
    missing_deliveries,
)
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
    delivery_statuses,
    fresh_database,
    fresh_rabbitmq_vhost,
    purge_rabbitmq,
    rabbitmq_depth,
    reset_rabbitmq,
    reset_redis,
    restart_postgres,
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
    "Tally",
    "assert_all_delivered",
    "assert_fanned_out_once",
    "attempts_of",
    "delivery_statuses",
    "duplicates",
    "free_port",
    "fresh_database",
    "fresh_rabbitmq_vhost",
    "missing_deliveries",
    "publish_batches",
    "publish_many",
    "purge_rabbitmq",
    "rabbitmq_depth",
    "reset_rabbitmq",
    "reset_redis",
    "restart_postgres",
    "set_up_tenant",
    "start_embedded",
    "start_production",
    "start_receiver",
    "wait_for_attempts",
    "wait_until",
]

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
  vhost, broker resets, a PostgreSQL restart, the deliveries' statuses, the stored messages;
- ``brokers``: a private RabbitMQ node and a private Redis, which a fault test may stop and start
  again (the shared ones never are);
- ``api``: tenant and endpoints on the receiver, concurrent publishing (one by one or in batches;
  a stream with event ids that rides out an API restart), the attempts API;
- ``checks``: what a run must show (each delivery once, signed, recorded as an attempt; or, after
  a crash, each delivery at least once with the duplicates counted).
"""

from tests.e2e.harness.api import (
    Published,
    PublishStream,
    PublishTry,
    Setup,
    add_endpoints,
    attempts_of,
    publish_batches,
    publish_many,
    publish_stream,
    set_up_tenant,
    wait_for_attempts,
    wait_mid_stream,
)
from tests.e2e.harness.brokers import PrivateRabbitmq, PrivateRedis, private_rabbitmq
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
    messages_per_event_id,
    purge_rabbitmq,
    rabbitmq_depth,
    reset_rabbitmq,
    reset_redis,
    restart_postgres,
    start_embedded,
    start_production,
    stored_messages,
    wait_ready,
)

__all__ = [
    "HarnessError",
    "PrivateRabbitmq",
    "PrivateRedis",
    "Process",
    "PublishStream",
    "PublishTry",
    "Published",
    "Receiver",
    "Service",
    "Setup",
    "Stack",
    "Tally",
    "add_endpoints",
    "assert_all_delivered",
    "assert_fanned_out_once",
    "attempts_of",
    "delivery_statuses",
    "duplicates",
    "free_port",
    "fresh_database",
    "fresh_rabbitmq_vhost",
    "messages_per_event_id",
    "missing_deliveries",
    "private_rabbitmq",
    "publish_batches",
    "publish_many",
    "publish_stream",
    "purge_rabbitmq",
    "rabbitmq_depth",
    "reset_rabbitmq",
    "reset_redis",
    "restart_postgres",
    "set_up_tenant",
    "start_embedded",
    "start_production",
    "start_receiver",
    "stored_messages",
    "wait_for_attempts",
    "wait_mid_stream",
    "wait_ready",
    "wait_until",
]

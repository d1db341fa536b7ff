"""Crash safety in the production shape: PostgreSQL, RabbitMQ, and separate ``api``, ``worker``
and ``scheduler`` processes, while a worker is killed, the broker loses its queues, PostgreSQL
restarts or the receiver is down; and a rate limit held across two worker processes.

Each test runs on its own database and its own RabbitMQ vhost, so that runs going on at the same
time neither take each other's tasks nor purge each other's queues. Their counts (published,
received, duplicates) are shown in pytest's terminal summary ("end-to-end figures").

The PostgreSQL test restarts the machine's PostgreSQL (``pg_ctlcluster … restart``): that cuts
every connection to it, also those of anything else using it at the time.

Timing: a worker killed mid-try leaves its leases, which run out only after
``SLOT_HORIZON + TURN_WAIT + REQUEST_TIMEOUT + LEASE_MARGIN`` seconds (1 + 5 + 2 + 30 = 38 s with
the settings below; constants of ``workers/dispatch.py``); the worker-kill test waits for that.
"""

from __future__ import annotations

import bisect
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.harness import (
    Receiver,
    Service,
    Setup,
    Stack,
    assert_all_delivered,
    attempts_of,
    publish_batches,
    purge_rabbitmq,
    rabbitmq_depth,
    restart_postgres,
    set_up_tenant,
    start_production,
    start_receiver,
    wait_until,
)
from tests.e2e.harness.services import wait_ready

pytestmark = [pytest.mark.e2e]

Summary = Callable[[str, object], None]

MAX_IN_FLIGHT = 512  # HOOKRELAY_MAX_IN_FLIGHT: tries one worker process may have going at once

# Short everything: 2 s tries, a task counts as lost after 3 s, the scheduler looks five times a
# second, ten retries one second apart without jitter, a circuit that probes again within 1-2 s.
FAST = {
    "HOOKRELAY_REQUEST_TIMEOUT_SECONDS": "2",
    "HOOKRELAY_CONNECT_TIMEOUT_SECONDS": "1",
    "HOOKRELAY_STUCK_AFTER_SECONDS": "3",
    "HOOKRELAY_SCHEDULER_INTERVAL_SECONDS": "0.2",
    "HOOKRELAY_RETRY_SCHEDULE": ",".join(["1"] * 10),
    "HOOKRELAY_RETRY_JITTER": "0",
    "HOOKRELAY_CIRCUIT_COOLDOWN_SECONDS": "1",
    "HOOKRELAY_CIRCUIT_MAX_COOLDOWN_SECONDS": "2",
    "HOOKRELAY_MAX_IN_FLIGHT": str(MAX_IN_FLIGHT),
}


def start(
    stack: Stack,
    database_url: str,
    broker_url: str,
    *,
    endpoints: int,
    settings: dict[str, str] | None = None,
    workers: int = 1,
    rate_limit_per_second: int | None = None,
) -> tuple[Receiver, Service, Setup]:
    """A receiver, the production processes, and a tenant with ``endpoints`` on the receiver."""
    receiver = start_receiver(stack)
    service = start_production(
        stack,
        database_url=database_url,
        broker_url=broker_url,
        settings=FAST | (settings or {}),
        workers=workers,
    )
    setup = set_up_tenant(
        service, receiver, endpoints=endpoints, rate_limit_per_second=rate_limit_per_second
    )
    return receiver, service, setup


@pytest.mark.timeout(240)
def test_guarantee_1_worker_killed_twice_mid_run_loses_nothing(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes and two endpoints on a verifying receiver
    receiver, service, setup = start(stack, database_url, broker_url, endpoints=2)
    messages = 5000
    expected = messages * len(setup.paths)

    # When 5,000 messages are published in batches, and the worker is killed (SIGKILL) after
    # about 20 % and 60 % of the deliveries arrived, and started again each time
    killed_at: list[float] = []
    received_at_kill: list[int] = []
    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(publish_batches, service, setup.tenant, messages)
        for fraction in (0.2, 0.6):
            receiver.wait_for_requests(int(expected * fraction), stack=stack, timeout_seconds=120)
            stack.kill("worker")
            killed_at.append(time.time())
            received_at_kill.append(receiver.stats()["count"])
            stack.start_again("worker")
        published = publishing.result()

    # Then every message reached both endpoints, verified, and every delivery succeeded
    tally = assert_all_delivered(
        receiver,
        setup,
        [p.message_id for p in published],
        stack=stack,
        database_url=database_url,
        timeout_seconds=150,
    )
    # And the only duplicates are tries a kill cut short: first received in the seconds before
    # a kill, at most MAX_IN_FLIGHT of them per kill
    per_kill = duplicates_per_kill(receiver.records(), killed_at, within_seconds=10)
    summary("counts", tally)
    summary("received when the worker was killed", received_at_kill)
    summary("duplicates per kill", per_kill)
    assert tally.published == messages
    assert sum(per_kill.values()) == tally.duplicates, per_kill
    assert per_kill.pop("none") == 0, per_kill
    assert all(n <= MAX_IN_FLIGHT for n in per_kill.values()), per_kill


@pytest.mark.timeout(120)
def test_guarantee_1_broker_purged_while_worker_down_loses_nothing(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes, with the worker and the scheduler stopped
    receiver, service, setup = start(stack, database_url, broker_url, endpoints=1)
    stack.stop("worker")
    stack.stop("scheduler")

    # When 500 messages are published (their tasks wait in the broker) and the broker's queues
    # are purged, as a broker that lost them would
    published = publish_batches(service, setup.tenant, 500)
    dropped = purge_rabbitmq(broker_url)
    assert dropped > 0

    # And the worker and the scheduler start again
    stack.start_again("worker")
    stack.start_again("scheduler")

    # Then the scheduler finds the deliveries in the database and every one arrives, once
    tally = assert_all_delivered(
        receiver, setup, [p.message_id for p in published], stack=stack, database_url=database_url
    )
    summary("counts", tally)
    summary("tasks purged", dropped)
    assert tally.duplicates == 0


@pytest.mark.timeout(120)
def test_guarantee_2_worker_down_while_scheduler_re_enqueues_sends_each_delivery_once(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes, with the worker stopped and the scheduler running
    receiver, service, setup = start(stack, database_url, broker_url, endpoints=1)
    stack.stop("worker")

    # When 100 messages are published (2 tasks of 50) and the worker stays down until the
    # scheduler took their tasks for lost and enqueued them again: each delivery is named by two
    # tasks or more, which the worker's threads take together when it starts again
    published = publish_batches(service, setup.tenant, 100)
    depth = wait_until(
        lambda: (n := rabbitmq_depth(broker_url)) >= 4 and n,
        timeout_seconds=30,
        stack=stack,
        what="the scheduler to enqueue the deliveries again",
    )
    stack.start_again("worker")

    # Then every delivery arrives once: a duplicated task never causes a second try
    tally = assert_all_delivered(
        receiver, setup, [p.message_id for p in published], stack=stack, database_url=database_url
    )
    summary("counts", tally)
    summary("tasks waiting when the worker started", depth)
    assert tally.duplicates == 0


@pytest.mark.timeout(180)
def test_guarantee_1_postgres_restart_mid_run_loses_nothing(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes and two endpoints on a verifying receiver
    receiver, service, setup = start(stack, database_url, broker_url, endpoints=2)
    pids = {name: stack.get(name).pid for name in ("api", "worker", "scheduler")}

    # When 2,000 messages are published and PostgreSQL restarts while they are being delivered
    published = publish_batches(service, setup.tenant, 2000)
    receiver.wait_for_requests(len(published) // 2, stack=stack, timeout_seconds=60)
    at_restart = receiver.stats()["count"]
    restart_postgres()

    # Then the API is ready again without being restarted, and takes 500 more messages
    wait_ready(service, stack)
    published += publish_batches(service, setup.tenant, 500, first=2000)

    # And every message, from before and after the restart, reached both endpoints, verified
    tally = assert_all_delivered(
        receiver,
        setup,
        [p.message_id for p in published],
        stack=stack,
        database_url=database_url,
        timeout_seconds=120,
    )
    summary("counts", tally)
    summary("received when PostgreSQL restarted", at_restart)
    # And the same api, worker and scheduler processes did it, all still running
    assert {name: stack.get(name).pid for name in pids} == pids
    assert {name: stack.get(name).exited() for name in pids} == dict.fromkeys(pids)
    assert tally.duplicates <= MAX_IN_FLIGHT


@pytest.mark.timeout(120)
def test_guarantee_1_receiver_down_for_a_while_then_everything_arrives(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes, two endpoints whose circuit opens after 3 failures, and
    # the receiver down (connections refused)
    receiver, service, setup = start(
        stack,
        database_url,
        broker_url,
        endpoints=2,
        settings={"HOOKRELAY_CIRCUIT_FAILURE_THRESHOLD": "3"},
    )
    receiver.stop()

    # When 300 messages are published and the receiver stays down until both circuits are open,
    # and a few seconds more
    published = publish_batches(service, setup.tenant, 300)
    wait_until(
        lambda: all(
            endpoint["circuit_state"] != "closed" for endpoint in endpoints_of(service, setup)
        ),
        timeout_seconds=30,
        stack=stack,
        what="both circuits to open",
    )
    time.sleep(5)
    down_for = time.time() - published[0].sent_at
    receiver.start_again(stack)

    # Then every message reaches both endpoints, verified, once
    message_ids = [p.message_id for p in published]
    tally = assert_all_delivered(
        receiver, setup, message_ids, stack=stack, database_url=database_url, timeout_seconds=60
    )
    # And the attempts API shows one succeeded attempt per message and endpoint; the failed ones
    # are the first tries and the probes (an open circuit parks deliveries without a try)
    attempts = attempts_of(service, setup.tenant, message_ids)
    failed = sum(a["status"] == "failed" for found in attempts.values() for a in found)
    for message_id in message_ids:
        succeeded = sorted(
            a["endpoint_id"] for a in attempts[message_id] if a["status"] == "succeeded"
        )
        assert succeeded == sorted(setup.endpoint_ids), attempts[message_id]
    summary("counts", tally)
    summary("receiver down (s)", round(down_for, 1))
    summary("failed attempts while down", failed)
    assert tally.duplicates == 0
    # At most one try per delivery (those admitted before the circuit opened) plus one probe
    # per endpoint and cool-down (1-2 s): parked deliveries spent none
    probes_at_most = len(setup.endpoint_ids) * (int(down_for) + 3)
    assert failed <= tally.expected + probes_at_most


@pytest.mark.timeout(120)
def test_guarantee_3_rate_limit_paces_deliveries_across_processes(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given two worker processes and an endpoint limited to 10 messages a second
    receiver, service, setup = start(
        stack, database_url, broker_url, endpoints=1, workers=2, rate_limit_per_second=10
    )

    # When 200 messages are published at once
    published = publish_batches(service, setup.tenant, 200)

    # Then all arrive, verified, once, and no one-second window holds more than 11 of them
    tally = assert_all_delivered(
        receiver,
        setup,
        [p.message_id for p in published],
        stack=stack,
        database_url=database_url,
        timeout_seconds=60,
    )
    received_at = sorted(r["received_at"] for r in receiver.records())
    busiest = busiest_window(received_at, window_seconds=1.0)
    spread = received_at[-1] - received_at[0]
    summary("counts", tally)
    summary("busiest 1 s window", len(busiest))
    summary("first to last receipt (s)", round(spread, 1))
    assert tally.duplicates == 0
    offsets = " ".join(f"{t - received_at[0]:.3f}" for t in busiest)
    assert len(busiest) <= 11, f"receipts, in seconds after the first: {offsets}"
    # 200 at 10/s: the limit held them back (about 20 s), it did not only cap bursts
    assert spread >= 200 / 10 - 2


def endpoints_of(service: Service, setup: Setup) -> list[dict[str, Any]]:
    with service.client() as api:
        answer = api.get(f"/api/v1/tenants/{setup.tenant}/endpoints")
    assert answer.status_code == 200, answer.text
    return list(answer.json()["data"])


def busiest_window(times: Sequence[float], *, window_seconds: float) -> list[float]:
    """The most of the sorted ``times`` that fall in one half-open window of that length."""
    ends = [bisect.bisect_left(times, t + window_seconds) for t in times]
    start = max(range(len(times)), key=lambda i: ends[i] - i, default=0)
    return list(times[start : ends[start]]) if times else []


def duplicates_per_kill(
    records: Sequence[dict[str, Any]], killed_at: Sequence[float], *, within_seconds: float
) -> dict[str, int]:
    """Extra 2xx receipts per (path, webhook-id), by the kill that the first receipt came just
    before (``within_seconds``): a try that reached the receiver but whose outcome the killed
    worker never stored. Duplicates matching no kill are counted under ``"none"``."""
    first: dict[tuple[str, str], float] = {}
    extra: dict[tuple[str, str], int] = defaultdict(int)
    for r in sorted(records, key=lambda r: r["received_at"]):
        if not 200 <= r["status"] < 300:
            continue
        pair = (r["path"], r["webhook_id"])
        if pair in first:
            extra[pair] += 1
        else:
            first[pair] = r["received_at"]
    per_kill = dict.fromkeys([f"kill {n + 1}" for n in range(len(killed_at))] + ["none"], 0)
    for pair, n in extra.items():
        kill = next(
            (k for k, at in enumerate(killed_at) if at - within_seconds <= first[pair] <= at),
            None,
        )
        per_kill["none" if kill is None else f"kill {kill + 1}"] += n
    return per_kill


@pytest.mark.timeout(240)
def test_ordered_endpoint_keeps_every_keys_order_across_a_killed_worker(
    stack: Stack, database_url: str, broker_url: str, summary: Summary
) -> None:
    # Given the production processes and an ordered endpoint
    receiver, service, setup = start(stack, database_url, broker_url, endpoints=1)
    (endpoint_id,) = setup.endpoint_ids
    base = f"/api/v1/tenants/{setup.tenant}"
    with service.client() as api:
        answer = api.patch(f"{base}/endpoints/{endpoint_id}", json={"ordered": True})
        assert answer.status_code == 200, answer.text
    # When 2,000 messages over 100 keys are published in order, and the worker is killed
    # (SIGKILL) after about 30 % arrived, then started again
    by_key: dict[str, list[str]] = defaultdict(list)

    def publish_keyed() -> None:
        with service.client() as api:
            for start_at in range(0, 2000, 100):
                items = [
                    {
                        "event_type": "invoice.paid",
                        "payload": {"n": n},
                        "ordering_key": f"key-{n % 100}",
                    }
                    for n in range(start_at, start_at + 100)
                ]
                answer = api.post(f"{base}/messages/batch", json={"messages": items})
                assert answer.status_code == 202, answer.text
                for n, message in zip(
                    range(start_at, start_at + 100), answer.json()["data"], strict=True
                ):
                    by_key[f"key-{n % 100}"].append(message["id"])

    with ThreadPoolExecutor(1) as pool:
        publishing = pool.submit(publish_keyed)
        receiver.wait_for_requests(600, stack=stack, timeout_seconds=120)
        stack.kill("worker")
        stack.start_again("worker")
        publishing.result()
    # Then everything arrived, and each key's messages first arrived in publish order
    message_ids = [m for ids in by_key.values() for m in ids]
    tally = assert_all_delivered(
        receiver, setup, message_ids, stack=stack, database_url=database_url, timeout_seconds=150
    )
    first_seen: dict[str, float] = {}
    for record in receiver.records():
        first_seen.setdefault(record["webhook_id"], record["received_at"])
    out_of_order = [
        key
        for key, ids in by_key.items()
        if [first_seen[i] for i in ids] != sorted(first_seen[i] for i in ids)
    ]
    summary("counts", tally)
    assert tally.published == 2000
    assert out_of_order == []

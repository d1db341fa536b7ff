"""Delivery benchmark: publish N messages to K endpoints on the test receiver and time delivery.

    .venv/bin/python tests/bench/bench_delivery.py --suite      # make bench
    .venv/bin/python tests/bench/bench_delivery.py --shape embedded --messages 2000 --endpoints 1
    .venv/bin/python tests/bench/bench_delivery.py --shape production --broker redis --messages 1000 --endpoints 3
    .venv/bin/python tests/bench/bench_delivery.py --raw --messages 2000 --endpoints 1
    .venv/bin/python tests/bench/bench_delivery.py --shape production --isolation

``--suite`` is the one-command measurement on the production shape (``--broker``, default RabbitMQ
on a vhost of its own; ``--workers``: one per CPU core; 4 endpoints), all phases in one run on one
receiver and one set of service processes, each phase on a fresh tenant:

1. raw ceiling: a plain aiohttp client signing and POSTing ``--raw-messages`` per endpoint, before
   the service starts; the best of ``--raw-trials`` (3);
2. sustained: batches of ``--batch`` (100) from 4 publishers for ``--duration`` (60) s, as fast as
   the service keeps up (publishers wait while more than 10,000 deliveries are owed), then every
   delivery awaited; deliveries/s from the first publish to the last receipt;
3. latency at 90 % of that maximum (messages/s = 0.9 x deliveries/s / endpoints), published as
   in 2, and
4. latency at ``--low-rate`` (200) messages/s in batches of ``--latency-batch`` (10): a steady
   flow rather than a burst of 100 every half second; 3 and 4 each for ``--latency-seconds`` (20).

It prints one table of the phases, records each as a row (notes ``suite: ...``), and exits 1 when a
delivery was lost (still missing once no receipt came for 90 s, past the scheduler's 60 s stuck
bound) or duplicated.

``--isolation`` runs guarantee 4's measurement (defaults: 50 healthy endpoints, 120 messages each
at 4/s, a 5 s request timeout): healthy endpoints get messages at a steady rate,
once beside one endpoint that sleeps past the request timeout with ``--slow-pending`` deliveries
waiting for it, and once without it (same stack, fresh tenant); it prints both p95 latencies and
their ratio, and records both rows.

It starts the same processes as the end-to-end tests (tests/e2e/harness.py), publishes as fast as
``--publishers`` concurrent clients can, and measures deliveries/s from the first publish to the
last receipt, and the latency from each publish request to each receipt (p50, p99). ``--raw``
instead measures the ceiling of a plain client signing and POSTing to the same receiver. Every
run prints a table and appends a row to tests/bench/RESULTS.md (``--no-record`` to skip).

Everything runs on this machine, so the publisher, the service and the receiver share its cores:
the CPU columns say how the work was split.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import dataclasses
import io
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Run as a script: make the repository importable as the root of the ``tests`` package.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.e2e.harness import (  # noqa: E402
    Process,
    Receiver,
    Service,
    Stack,
    delivery_statuses,
    duplicates,
    fresh_database,
    fresh_rabbitmq_vhost,
    publish_batches,
    publish_many,
    reset_redis,
    set_up_tenant,
    start_embedded,
    start_production,
    start_receiver,
)

RESULTS = Path(__file__).with_name("RESULTS.md")
BENCH_REDIS_DB = 14  # integration tests use 15, e2e tests 12
RESULTS_HEADER = """# Delivery benchmark results

Appended by `tests/bench/bench_delivery.py`; one row per run. `deliveries/s` counts from the first
publish request to the last receipt; latency is from a message's publish request to each receipt.
`CPU s` is the CPU-seconds each process used during the run (`bench` is the publisher, or the
raw sender); `service CPU ms/delivery` divides the service processes' share by the deliveries.
From 2026-11-23 07:00 the CPU column also counts PostgreSQL, RabbitMQ and Redis (all their
processes, machine-wide) and the service's share includes them.
`raw:<client>` rows are a plain client signing and POSTing to the same receiver: the ceiling of
this machine, not of Hookrelay. `commit` is the code the service ran (`--rev`, or the work tree,
`+dirty` when it had changes). The publisher, the service and the receiver share the machine.

| date | commit | machine | shape | messages x endpoints | publishers / concurrency | deliveries/s | publish/s | p50 ms | p99 ms | CPU s | service CPU ms/delivery | notes |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
"""


@dataclass(frozen=True)
class Result:
    """The figures of one run."""

    shape: str
    messages: int
    endpoints: int
    concurrency: int
    deliveries: int
    seconds: float
    publish_per_second: float | None
    latencies_ms: list[float]
    # CPU-seconds used during the run, by process name ("bench" is this process: the publisher).
    cpu_seconds: dict[str, float]
    notes: str

    @property
    def deliveries_per_second(self) -> float:
        return self.deliveries / self.seconds

    @property
    def service_cpu_ms_per_delivery(self) -> float | None:
        service = [v for k, v in self.cpu_seconds.items() if k not in ("receiver", "bench")]
        return 1000 * sum(service) / self.deliveries if service else None

    def cpu_summary(self) -> str:
        return ", ".join(f"{name} {seconds:.1f}" for name, seconds in self.cpu_seconds.items())

    def percentile_ms(self, q: int) -> float:
        return statistics.quantiles(self.latencies_ms, n=100, method="inclusive")[q - 1]


# --- machine ----------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> str:
    return f"{platform.machine()}, {os.cpu_count()} CPU, {cpu_model()}"


def git(*args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
    ).stdout.strip()


def work_tree_commit() -> str:
    dirty = "+dirty" if git("status", "--porcelain", "--untracked-files=no") else ""
    return (git("rev-parse", "--short", "HEAD") or "unknown") + dirty


def use_revision(rev: str, into: Path) -> str:
    """Run the service from ``rev`` as committed, not from the work tree (which may be mid-edit).

    The revision is exported into ``into`` and put first on the service processes' PYTHONPATH, ahead
    of the editable install; returns its short hash for the results.
    """
    archive = subprocess.run(
        ["git", "archive", "--format=tar", rev], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    os.environ["PYTHONPATH"] = str(into)
    return git("rev-parse", "--short", rev)


# The machine's shared services, by process command name: their CPU is the service's cost too.
SYSTEM_SERVICES = {"postgres": "postgres", "beam.smp": "rabbitmq", "redis-server": "redis"}


def _process_cpu(pid: int | str) -> float:
    """User + system CPU-seconds so far of one process (all its threads)."""
    # Fields after the command name, which is in parentheses and may hold spaces.
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def system_cpu_seconds() -> dict[str, float]:
    """CPU-seconds so far of PostgreSQL, RabbitMQ and Redis, summed over their processes.

    A process that exits between two readings (a closed database connection) takes its time with
    it, so these are lower bounds; the services' pools keep their connections during a run.
    """
    used = dict.fromkeys(SYSTEM_SERVICES.values(), 0.0)
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            name = SYSTEM_SERVICES.get((proc / "comm").read_text().strip())
            if name:
                used[name] += _process_cpu(proc.name)
        except OSError:  # gone meanwhile
            continue
    return used


def cpu_seconds(processes: Sequence[Process]) -> dict[str, float]:
    """CPU-seconds so far of each process, of this one as "bench", and of the shared services."""
    used = {process.name: _process_cpu(process.popen.pid) for process in processes}
    used["bench"] = time.process_time()
    return used | system_cpu_seconds()


def cpu_used(before: dict[str, float], processes: Sequence[Process]) -> dict[str, float]:
    after = cpu_seconds(processes)
    # A shared service idle during the run (the other broker) is left out.
    return {
        name: after[name] - before.get(name, 0.0)
        for name in after
        if name not in SYSTEM_SERVICES.values() or after[name] - before.get(name, 0.0) >= 0.05
    }


# --- runs -------------------------------------------------------------------------------------


def latencies_ms(sent_at: dict[str, float], records: Sequence[dict[str, Any]]) -> list[float]:
    return [(r["received_at"] - sent_at[r["webhook_id"]]) * 1000 for r in records]


def check_records(records: Sequence[dict[str, Any]], expected: int) -> str:
    """Problems worth a note next to the figures (a benchmark reports them; it does not fail)."""
    problems = []
    unverified = sum(not r["verified"] for r in records)
    if unverified:
        problems.append(f"{unverified} unverified")
    if duplicates(records):
        problems.append(f"{len(duplicates(records))} duplicated (path, id)")
    if len(records) != expected:
        problems.append(f"{len(records)} requests for {expected} deliveries")
    return ", ".join(problems)


def print_windows(
    sent_at: dict[str, float], records: Sequence[dict[str, Any]], start: float, width: float = 5.0
) -> None:
    """p50/p95 latency of the messages published in each ``width``-second window."""
    windows: dict[int, list[float]] = {}
    for r in records:
        sent = sent_at[r["webhook_id"]]
        windows.setdefault(int((sent - start) // width), []).append(
            (r["received_at"] - sent) * 1000
        )
    for index in sorted(windows):
        values = windows[index]
        q = statistics.quantiles(values, n=100, method="inclusive") if len(values) > 1 else values
        print(
            f"  published {index * width:>4.0f}-{(index + 1) * width:<4.0f}s: {len(values):>5} "
            f"deliveries, p50 {q[49 if len(q) > 1 else 0]:7.1f} ms, p95 {q[94 if len(q) > 1 else 0]:7.1f} ms"
        )


def add_slow_endpoint(service: Any, receiver: Receiver, tenant: str, seconds: float) -> str:
    """An endpoint of ``tenant`` on a receiver path that answers only after ``seconds``."""
    path = "/slow/0"
    with service.client() as api:
        answer = api.post(
            f"/api/v1/tenants/{tenant}/endpoints",
            json={"url": receiver.url(path), "event_types": ["slow.*"]},
        )
        assert answer.status_code == 201, answer.text
    receiver.set_slow({path: seconds})
    return str(answer.json()["id"])


def run_isolation(
    stack: Stack,
    start: Callable[[Stack], Any],
    *,
    shape: str,
    messages: int,
    endpoints: int,
    rate: float,
    slow_pending: int,
    slow_seconds: float,
) -> tuple[Result, Result]:
    """Healthy endpoints' latency beside a slow endpoint with a backlog, then without it."""
    receiver = start_receiver(stack)
    service = start(stack)
    results = []
    for with_slow in (True, False):
        setup = set_up_tenant(service, receiver, endpoints=endpoints)
        # Warm up (connections, caches) before measuring, so that both runs start alike.
        seen = receiver.stats()["count"]
        publish_many(service, setup.tenant, 8, concurrency=1, rate=rate)
        receiver.wait_for_requests(seen + 8 * endpoints, stack=stack, timeout_seconds=60)
        notes = "isolation baseline: no slow endpoint"
        if with_slow:
            add_slow_endpoint(service, receiver, setup.tenant, slow_seconds)
            publish_many(
                service, setup.tenant, slow_pending, batch=100, concurrency=2, event_type="slow.x"
            )
            deadline = time.monotonic() + 30
            while receiver.stats()["slow"] == 0 and time.monotonic() < deadline:
                time.sleep(0.2)  # the slow endpoint is busy before the healthy load starts
            notes = (
                f"isolation: beside 1 endpoint sleeping {slow_seconds:g} s with "
                f"{slow_pending} pending"
            )
        seen = receiver.stats()["count"]
        cpu_before = cpu_seconds(stack.processes)
        print(f"{notes}: {messages} messages x {endpoints} endpoints at {rate}/s ...", flush=True)
        published = publish_many(service, setup.tenant, messages, concurrency=4, rate=rate)
        expected = messages * endpoints
        records = receiver.wait_for_requests(
            seen + expected, stack=stack, timeout_seconds=max(120.0, expected / 10)
        )[seen:]
        sent_at = {p.message_id: p.sent_at for p in published}
        first_sent = min(p.sent_at for p in published)
        latencies = latencies_ms(sent_at, records)
        p95 = statistics.quantiles(latencies, n=100, method="inclusive")[94]
        print_windows(sent_at, records, first_sent)
        notes += f", p95 {p95:.1f} ms"
        results.append(
            Result(
                shape=shape,
                messages=messages,
                endpoints=endpoints,
                concurrency=4,
                deliveries=expected,
                seconds=max(r["received_at"] for r in records) - first_sent,
                publish_per_second=messages / (max(p.answered_at for p in published) - first_sent),
                latencies_ms=latencies,
                cpu_seconds=cpu_used(cpu_before, stack.processes),
                notes=", ".join(n for n in (notes, check_records(records, expected)) if n),
            )
        )
    slow_stats = receiver.stats()["slow"]
    print(f"slow endpoint took {slow_stats} requests during the runs")
    return results[0], results[1]


def run_service(
    stack: Stack,
    start: Callable[[Stack], Any],
    *,
    shape: str,
    messages: int,
    endpoints: int,
    publishers: int,
    batch: int = 1,
    rate: float | None = None,
) -> Result:
    receiver = start_receiver(stack)
    service = start(stack)
    setup = set_up_tenant(service, receiver, endpoints=endpoints)
    cpu_before = cpu_seconds(stack.processes)

    print(f"publishing {messages} messages to {endpoints} endpoints ...", flush=True)
    published = publish_many(
        service, setup.tenant, messages, concurrency=publishers, batch=batch, rate=rate
    )
    expected = messages * endpoints
    records = receiver.wait_for_requests(
        expected, stack=stack, timeout_seconds=max(120.0, expected / 10)
    )
    cpu = cpu_used(cpu_before, stack.processes)

    first_sent = min(p.sent_at for p in published)
    sent_at = {p.message_id: p.sent_at for p in published}
    return Result(
        shape=shape,
        messages=messages,
        endpoints=endpoints,
        concurrency=publishers,
        deliveries=expected,
        seconds=max(r["received_at"] for r in records) - first_sent,
        publish_per_second=messages / (max(p.answered_at for p in published) - first_sent),
        latencies_ms=latencies_ms(sent_at, records),
        cpu_seconds=cpu,
        notes=check_records(records, expected),
    )


async def _send_raw(
    receiver: Receiver, secrets: dict[str, str], count: int, concurrency: int, client: str
) -> dict[str, float]:
    """POST ``count`` signed webhooks round-robin over the paths; return send time by webhook-id."""
    from standardwebhooks import Webhook

    signers = {path: Webhook(secret) for path, secret in secrets.items()}
    paths = sorted(signers)
    sent_at: dict[str, float] = {}
    numbers = iter(range(count))
    post = await _raw_client(client, concurrency)

    async def sender() -> None:
        for n in numbers:
            path, webhook_id = paths[n % len(paths)], f"raw_{n}"
            body = json.dumps({"n": n, "invoice": f"in_{n}"})
            now = datetime.now(UTC)
            headers = {
                "content-type": "application/json",
                "webhook-id": webhook_id,
                "webhook-timestamp": str(int(now.timestamp())),
                "webhook-signature": signers[path].sign(webhook_id, now, body),
            }
            sent_at[webhook_id] = time.time()
            status = await post.send(receiver.url(path), body.encode(), headers)
            if status != 204:
                raise RuntimeError(f"receiver answered {status} to {webhook_id}")

    try:
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    finally:
        await post.close()
    return sent_at


class _RawClient:
    """One POST function over aiohttp, httpx's default transport, or httpx on aiohttp."""

    def __init__(self, kind: str, concurrency: int) -> None:
        import aiohttp
        import httpx

        self.kind = kind
        if kind == "aiohttp":
            connector = aiohttp.TCPConnector(limit=concurrency)
            self.session = aiohttp.ClientSession(connector=connector)
            return
        limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
        if kind == "httpx":
            self.client = httpx.AsyncClient(limits=limits)
        else:
            from httpx_aiohttp import AiohttpTransport

            session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency))
            self.client = httpx.AsyncClient(transport=AiohttpTransport(client=session))

    async def send(self, url: str, body: bytes, headers: dict[str, str]) -> int:
        if self.kind == "aiohttp":
            async with self.session.post(url, data=body, headers=headers) as answer:
                await answer.read()
                return answer.status
        response = await self.client.post(url, content=body, headers=headers)
        return response.status_code

    async def close(self) -> None:
        if self.kind == "aiohttp":
            await self.session.close()
        else:
            await self.client.aclose()


async def _raw_client(kind: str, concurrency: int) -> _RawClient:
    # Built inside the running loop: aiohttp binds its session to it.
    return _RawClient(kind, concurrency)


def run_raw(
    stack: Stack,
    *,
    messages: int,
    endpoints: int,
    concurrency: int,
    client: str,
    receiver: Receiver | None = None,
    notes: str = "",
) -> Result:
    """A plain client's ceiling; on ``receiver`` if given (the suite's, shared with the service)."""
    receiver = receiver or start_receiver(stack)
    secrets = {
        f"/ep/{n}": "whsec_" + base64.b64encode(os.urandom(24)).decode() for n in range(endpoints)
    }
    receiver.set_secrets(secrets)
    expected = messages * endpoints
    seen = receiver.stats()["count"]
    cpu_before = cpu_seconds(stack.processes)
    print(f"raw {client}: {expected} POSTs, {concurrency} concurrent ...", flush=True)
    sent_at = asyncio.run(_send_raw(receiver, secrets, expected, concurrency, client))
    records = receiver.wait_for_requests(seen + expected, stack=stack, timeout_seconds=60)[seen:]
    return Result(
        shape=f"raw:{client}",
        messages=messages,
        endpoints=endpoints,
        concurrency=concurrency,
        deliveries=expected,
        seconds=max(r["received_at"] for r in records) - min(sent_at.values()),
        publish_per_second=None,
        latencies_ms=latencies_ms(sent_at, records),
        cpu_seconds=cpu_used(cpu_before, stack.processes),
        notes=", ".join(n for n in (notes, check_records(records, expected)) if n),
    )


# --- suite ------------------------------------------------------------------------------------

# Longer than the scheduler's 60 s stuck bound: a delivery sent again after it arrives late, not
# lost. A phase waits for its last receipts until none has come for this long.
QUIET_SECONDS = 90.0
# A cap on a run by time; the deadline ends it long before.
UNBOUNDED = 10**9


@dataclass(frozen=True)
class Phase:
    """One phase of ``--suite``: its figures and what the receiver did not get, or got twice."""

    name: str
    result: Result
    lost: int
    duplicated: int


def wait_for_receipts(receiver: Receiver, count: int, *, stack: Stack) -> None:
    """Wait until ``count`` requests arrived, or none came for ``QUIET_SECONDS`` (the rest is
    counted lost then, rather than waited for without end)."""
    last, changed = -1, time.monotonic()
    while True:
        stack.check_alive()
        now = receiver.stats()["count"]
        if now >= count:
            return
        if now != last:
            last, changed = now, time.monotonic()
        elif time.monotonic() - changed > QUIET_SECONDS:
            return
        time.sleep(0.25)


def wait_settled(database_url: str, *, timeout_seconds: float = 30.0) -> None:
    """Wait until no delivery is pending: none can be sent again (a duplicate) after this."""
    deadline = time.monotonic() + timeout_seconds
    while delivery_statuses(database_url)["pending"] and time.monotonic() < deadline:
        time.sleep(0.25)


def backlog_gate(
    receiver: Receiver, seen: int, endpoints: int, max_backlog: int
) -> Callable[[int], Awaitable[None]]:
    """A publish gate that waits while more than ``max_backlog`` deliveries are owed (the
    receiver's count is read at most every 50 ms, shared by all publishers)."""
    received = {"count": 0, "at": 0.0}

    async def wait(published: int) -> None:
        while True:
            if time.monotonic() - received["at"] >= 0.05:
                received["count"] = (await asyncio.to_thread(receiver.stats))["count"] - seen
                received["at"] = time.monotonic()
            if published * endpoints - received["count"] <= max_backlog:
                return
            await asyncio.sleep(0.05)

    return wait


def lost_and_duplicated(records: Sequence[dict[str, Any]], expected: int) -> tuple[int, int]:
    """Deliveries owed that never got a verified 2xx, and requests beyond one per delivery."""
    ok = {
        (r["path"], r["webhook_id"]) for r in records if r["verified"] and 200 <= r["status"] < 300
    }
    return expected - len(ok), sum(n - 1 for n in duplicates(records).values())


def run_phase(
    stack: Stack,
    service: Service,
    receiver: Receiver,
    *,
    database_url: str,
    name: str,
    shape: str,
    endpoints: int,
    publishers: int,
    batch: int,
    seconds: float,
    rate: float | None = None,
    ceiling: float,
    about: str,
    max_backlog: int = 10_000,
) -> Phase:
    """Publish for ``seconds`` (as fast as the service keeps up, or at ``rate`` messages a second)
    to a fresh tenant, wait for every delivery, and count what was lost or duplicated.

    "As fast as the service keeps up": publishers hold back while more than ``max_backlog``
    deliveries are owed. Unbounded, batch publishing outruns delivery ~3.5 to 1, and a 60 s run
    becomes minutes of draining a queue: the figure would then be the drain rate, not a rate the
    service sustains while taking new messages.

    ``ceiling`` is the raw deliveries/s the notes compare with; ``about`` goes into the notes too.
    """
    setup = set_up_tenant(service, receiver, endpoints=endpoints)
    # Warm up the new tenant (caches, connections), so the first measured messages pay nothing.
    seen = receiver.stats()["count"]
    publish_batches(service, setup.tenant, 10, batch_size=10, concurrency=1)
    receiver.wait_for_requests(seen + 10 * endpoints, stack=stack, timeout_seconds=60)

    seen = receiver.stats()["count"]
    cpu_before = cpu_seconds(stack.processes)
    pace = f"{rate:.0f} messages/s" if rate else "as fast as possible"
    print(f"{name}: {endpoints} endpoints, {pace} for {seconds:g} s ...", flush=True)
    count = max(1, round(rate * seconds)) if rate else UNBOUNDED
    published = publish_batches(
        service,
        setup.tenant,
        count,
        batch_size=batch,
        concurrency=publishers,
        rate=rate,
        seconds=None if rate else seconds,
        gate=None if rate else backlog_gate(receiver, seen, endpoints, max_backlog),
    )
    expected = len(published) * endpoints
    wait_for_receipts(receiver, seen + expected, stack=stack)
    cpu = cpu_used(cpu_before, stack.processes)
    wait_settled(database_url)

    sent_at = {p.message_id: p.sent_at for p in published}
    records = [r for r in receiver.records()[seen:] if r["webhook_id"] in sent_at]
    lost, duplicated = lost_and_duplicated(records, expected)
    first_sent = min(p.sent_at for p in published)
    problems = ", ".join(
        n for n in (f"{lost} lost, {duplicated} duplicated", check_records(records, expected)) if n
    )
    seconds_taken = max(r["received_at"] for r in records) - first_sent
    share = 100 * (expected - lost) / seconds_taken / ceiling
    result = Result(
        shape=shape,
        messages=len(published),
        endpoints=endpoints,
        concurrency=publishers,
        deliveries=expected - lost,
        seconds=seconds_taken,
        publish_per_second=len(published) / (max(p.answered_at for p in published) - first_sent),
        latencies_ms=latencies_ms(sent_at, records),
        cpu_seconds=cpu,
        notes=f"suite: {name}, {share:.0f} % of the raw ceiling, batch publish x{batch}, "
        f"{about}, {problems}",
    )
    print(
        f"  {result.deliveries} deliveries, {result.deliveries_per_second:.1f}/s, "
        f"p50 {result.percentile_ms(50):.1f} ms, p99 {result.percentile_ms(99):.1f} ms, {problems}"
        f"\n  CPU s: {result.cpu_summary()}",
        flush=True,
    )
    return Phase(name, result, lost, duplicated)


def backing_services(cleanup: contextlib.ExitStack, broker: str) -> tuple[str, str]:
    """A fresh database and broker for one production run, dropped by ``cleanup``: their URLs.

    RabbitMQ gets a vhost of its own: every run declares the same queue, so on a shared vhost a
    concurrent run (or an e2e test) would take this run's tasks, and a purge would drop theirs.
    """
    database_url = cleanup.enter_context(fresh_database())
    if broker == "rabbitmq":
        return database_url, cleanup.enter_context(fresh_rabbitmq_vhost())
    return database_url, reset_redis(BENCH_REDIS_DB)


def run_suite(args: argparse.Namespace, stack: Stack) -> list[Phase]:
    """The issue's measurement in one run on the production shape, same processes throughout:
    the raw ceiling, the sustained maximum, then latency near that maximum and at a low rate."""
    settings = dict(s.split("=", 1) for s in args.setting)
    shape = f"production/{args.broker}"
    with contextlib.ExitStack() as cleanup:
        database_url, broker_url = backing_services(cleanup, args.broker)
        # Registered last, so it runs first: the service's connections go before the database.
        cleanup.callback(stack.stop_all)
        receiver = start_receiver(stack)
        # The raw ceiling first, before the service starts: the sender has the machine to itself.
        # The best of a few short trials: on a shared machine noise only ever lowers a ceiling
        # (consecutive single trials here ranged 4,450-5,900/s), and a low one flatters the ratio.
        trials: list[Phase] = []
        for _ in range(args.raw_trials):
            seen = receiver.stats()["count"]
            trial = run_raw(
                stack,
                messages=args.raw_messages,
                endpoints=args.endpoints,
                concurrency=args.concurrency,
                client="aiohttp",
                receiver=receiver,
            )
            counts = lost_and_duplicated(receiver.records()[seen:], trial.deliveries)
            trials.append(Phase("raw ceiling", trial, *counts))
        best = max(trials, key=lambda t: t.result.deliveries_per_second)
        figures = ", ".join(f"{t.result.deliveries_per_second:.0f}" for t in trials)
        raw = dataclasses.replace(
            best.result,
            notes=f"suite: raw ceiling, best of {len(trials)} trials ({figures}/s)"
            + (f", {best.result.notes}" if best.result.notes else ""),
        )
        phases = [dataclasses.replace(best, result=raw)]
        service = start_production(
            stack,
            database_url=database_url,
            broker_url=broker_url,
            settings=settings,
            workers=args.workers,
        )
        common = {
            "database_url": database_url,
            "shape": shape,
            "endpoints": args.endpoints,
            "publishers": args.publishers,
            "ceiling": raw.deliveries_per_second,
            "about": f"{args.workers} worker{'s' if args.workers > 1 else ''}",
        }
        sustained = run_phase(
            stack,
            service,
            receiver,
            name=f"sustained {args.duration:g} s",
            batch=args.batch,
            seconds=args.duration,
            **common,
        )
        phases.append(sustained)
        # 90 % of the maximum: near it, yet a rate the service can keep without a growing queue.
        near_max = 0.9 * sustained.result.deliveries_per_second / args.endpoints
        # Near the maximum, publishing as the sustained phase did (batches of --batch): in small
        # batches the API spends more per message, and 90 % of a maximum measured with batches of
        # 100 was past the maximum with batches of 10 (a queue grew: p50 4 s).
        for rate, which, batch in (
            (near_max, " (90 % of max)", args.batch),
            (args.low_rate, "", args.latency_batch),
        ):
            phases.append(
                run_phase(
                    stack,
                    service,
                    receiver,
                    name=f"latency at {rate:.0f} msg/s{which}",
                    batch=batch,
                    seconds=args.latency_seconds,
                    rate=rate,
                    **common,
                )
            )
        return phases


# --- reporting --------------------------------------------------------------------------------


def fmt(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def print_table(result: Result) -> None:
    rows = [
        ("shape", result.shape),
        ("messages x endpoints", f"{result.messages} x {result.endpoints}"),
        ("publishers / concurrency", str(result.concurrency)),
        ("deliveries", str(result.deliveries)),
        ("first publish → last receipt", f"{result.seconds:.2f} s"),
        ("deliveries/s", fmt(result.deliveries_per_second)),
        ("publish/s", fmt(result.publish_per_second)),
        ("latency p50", f"{fmt(result.percentile_ms(50))} ms"),
        ("latency p95", f"{fmt(result.percentile_ms(95))} ms"),
        ("latency p99", f"{fmt(result.percentile_ms(99))} ms"),
        ("latency max", f"{fmt(max(result.latencies_ms))} ms"),
        ("CPU s by process", result.cpu_summary()),
        ("service CPU per delivery", f"{fmt(result.service_cpu_ms_per_delivery)} ms"),
        ("problems", result.notes or "none"),
    ]
    width = max(len(name) for name, _ in rows)
    print()
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print()


def print_suite(phases: Sequence[Phase]) -> None:
    """The suite's phases side by side; the first is the raw ceiling the others are compared with."""
    ceiling = phases[0].result.deliveries_per_second
    rows = [
        (
            "phase",
            "deliveries",
            "deliveries/s",
            "% of raw",
            "publish/s",
            "p50 ms",
            "p95 ms",
            "p99 ms",
            "lost",
            "duplicates",
            "service CPU ms/delivery",
        )
    ]
    for phase in phases:
        r = phase.result
        rows.append(
            (
                phase.name,
                str(r.deliveries),
                fmt(r.deliveries_per_second),
                fmt(100 * r.deliveries_per_second / ceiling, 0),
                fmt(r.publish_per_second),
                fmt(r.percentile_ms(50)),
                fmt(r.percentile_ms(95)),
                fmt(r.percentile_ms(99)),
                str(phase.lost),
                str(phase.duplicated),
                # The raw sender is not the service (the column counts PostgreSQL and the brokers).
                "-" if r.shape.startswith("raw:") else fmt(r.service_cpu_ms_per_delivery, 2),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    print()
    for row in rows:
        cells = [row[0].ljust(widths[0])] + [
            c.rjust(w) for c, w in zip(row[1:], widths[1:], strict=True)
        ]
        print("  " + "  ".join(cells))
    print()


def record(result: Result, notes: str, *, commit: str) -> None:
    if not RESULTS.exists():
        RESULTS.write_text(RESULTS_HEADER)
    all_notes = "; ".join(n for n in (result.notes, notes) if n)
    cells = [
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        commit,
        machine(),
        result.shape,
        f"{result.messages} x {result.endpoints}",
        str(result.concurrency),
        fmt(result.deliveries_per_second),
        fmt(result.publish_per_second),
        fmt(result.percentile_ms(50)),
        fmt(result.percentile_ms(99)),
        result.cpu_summary(),
        fmt(result.service_cpu_ms_per_delivery),
        all_notes,
    ]
    row = "| " + " | ".join(cells) + " |\n"
    text = RESULTS.read_text()
    # The delivery table comes first; other benchmarks keep their sections after it.
    end = text.find("\n### ")
    if end < 0:
        RESULTS.write_text(text + row)
    else:
        table = text[:end].rstrip("\n") + "\n"
        RESULTS.write_text(table + row + text[end:])
    print(f"appended to {RESULTS.relative_to(REPO_ROOT)}")


# --- main -------------------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--suite",
        action="store_true",
        help="production shape: raw ceiling, sustained maximum, latency near it and at --low-rate",
    )
    parser.add_argument("--shape", choices=["embedded", "production"], help="default: embedded")
    parser.add_argument("--broker", choices=["rabbitmq", "redis"], default="rabbitmq")
    parser.add_argument(
        "--messages", type=int, help="per endpoint (default: 1000; --isolation: 120 at 4/s)"
    )
    parser.add_argument("--endpoints", type=int, help="default: 1, suite 4")
    parser.add_argument(
        "--publishers", type=int, help="concurrent publish clients (default: 16, suite 4)"
    )
    parser.add_argument("--raw", action="store_true", help="a plain client, no Hookrelay")
    parser.add_argument("--raw-client", choices=["aiohttp", "httpx", "httpx-aiohttp"])
    parser.add_argument("--concurrency", type=int, default=64, help="raw mode: concurrent POSTs")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra HOOKRELAY_* setting for the service, e.g. HOOKRELAY_WORKER_THREADS=4",
    )
    parser.add_argument("--notes", default="", help="free text for the RESULTS.md row")
    parser.add_argument(
        "--batch",
        type=int,
        help="messages per publish request (batch API if > 1; default: 1, suite 100)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        help="production: worker processes (default 1; --suite: one per CPU core)",
    )
    parser.add_argument(
        "--rate", type=float, help="publish at most this many messages a second (latency runs)"
    )
    parser.add_argument(
        "--isolation",
        action="store_true",
        help="healthy endpoints' latency beside a slow endpoint, then without it",
    )
    parser.add_argument("--slow-pending", type=int, default=500)
    parser.add_argument("--slow-seconds", type=float, default=10.0)
    parser.add_argument(
        "--duration", type=float, default=60.0, help="suite: seconds of publishing at the maximum"
    )
    parser.add_argument(
        "--latency-seconds", type=float, default=20.0, help="suite: seconds of each latency phase"
    )
    parser.add_argument(
        "--low-rate", type=float, default=200.0, help="suite: messages/s of the low latency phase"
    )
    parser.add_argument(
        "--latency-batch",
        type=int,
        default=10,
        help="suite: messages per publish request in the latency phases (a steady flow: batches "
        "of 100 at 200 msg/s would be a burst every half second, and p99 its length)",
    )
    parser.add_argument(
        "--raw-messages", type=int, default=10_000, help="suite: raw POSTs per endpoint"
    )
    parser.add_argument(
        "--raw-trials", type=int, default=3, help="suite: raw ceiling trials (the best counts)"
    )
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--keep", action="store_true", help="keep the work dir and its logs")
    parser.add_argument(
        "--rev", help="run the service from this git revision as committed (default: the work tree)"
    )
    args = parser.parse_args(argv)
    if args.suite and (args.raw or args.isolation or args.shape == "embedded" or args.rate):
        parser.error("--suite runs the production shape with its own rates and raw phase")
    # The suite's defaults are the production shape's: 4 endpoints, batches of 100, 4 publishers.
    args.shape = "production" if args.suite else args.shape or "embedded"
    args.endpoints = args.endpoints or (4 if args.suite else 50 if args.isolation else 1)
    args.messages = args.messages or (120 if args.isolation else 1000)
    if args.isolation and not any(
        s.startswith("HOOKRELAY_REQUEST_TIMEOUT_SECONDS=") for s in args.setting
    ):
        # The slow endpoint sleeps --slow-seconds (10): past a 5 s timeout, every try times out.
        args.setting.append("HOOKRELAY_REQUEST_TIMEOUT_SECONDS=5")
    args.batch = args.batch or (100 if args.suite else 1)
    args.publishers = args.publishers or (4 if args.suite else 16)
    # One worker process per core, as production would run them: one process is held to one core
    # by the GIL and idles while it waits on the database (measured: 1 worker 1,917/s, 2: 2,279/s).
    args.workers = args.workers or ((os.cpu_count() or 1) if args.suite else 1)
    return args


def run(args: argparse.Namespace, stack: Stack) -> list[Result]:
    if args.raw:
        return [
            run_raw(
                stack,
                messages=args.messages,
                endpoints=args.endpoints,
                concurrency=args.concurrency,
                client=args.raw_client or "aiohttp",
            )
        ]
    settings = dict(s.split("=", 1) for s in args.setting)
    common = {
        "messages": args.messages,
        "endpoints": args.endpoints,
        "publishers": args.publishers,
        "batch": args.batch,
        "rate": args.rate,
    }
    if args.shape == "embedded":
        return measure(
            args, stack, lambda s: start_embedded(s, settings=settings), "embedded", common
        )
    with contextlib.ExitStack() as cleanup:
        database_url, broker_url = backing_services(cleanup, args.broker)

        def start(s: Stack) -> Any:
            return start_production(
                s,
                database_url=database_url,
                broker_url=broker_url,
                settings=settings,
                workers=args.workers,
            )

        try:
            return measure(args, stack, start, f"production/{args.broker}", common)
        finally:
            # Before the database is dropped: its connections must go first.
            stack.stop_all()


def measure(
    args: argparse.Namespace,
    stack: Stack,
    start: Callable[[Stack], Any],
    shape: str,
    common: dict[str, Any],
) -> list[Result]:
    if not args.isolation:
        return [run_service(stack, start, shape=shape, **common)]
    beside, alone = run_isolation(
        stack,
        start,
        shape=shape,
        messages=args.messages,
        endpoints=args.endpoints,
        rate=args.rate or 4.0,
        slow_pending=args.slow_pending,
        slow_seconds=args.slow_seconds,
    )
    ratio = beside.percentile_ms(95) / alone.percentile_ms(95)
    print(
        f"p95 beside the slow endpoint {beside.percentile_ms(95):.1f} ms, "
        f"without it {alone.percentile_ms(95):.1f} ms: ratio {ratio:.2f}"
    )
    return [beside, alone]


def main(argv: Sequence[str] | None = None) -> int:
    """Run, print, record; 1 when the suite lost or duplicated a delivery."""
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="hookrelay-bench-"))
    commit = use_revision(args.rev, workdir / "code") if args.rev else work_tree_commit()
    stack = Stack(workdir)
    phases: list[Phase] = []
    results: list[Result] = []
    try:
        if args.suite:
            phases = run_suite(args, stack)
        else:
            results = run(args, stack)
    except BaseException:
        print(stack.logs(50), file=sys.stderr)
        raise
    finally:
        stack.stop_all()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    notes = ", ".join([*args.setting, args.notes] if args.notes else args.setting)
    for result in results:
        print_table(result)
        if not args.no_record:
            record(result, notes, commit=commit)
    if not phases:
        return 0
    print_suite(phases)
    for phase in phases if not args.no_record else []:
        record(phase.result, notes, commit=commit)
    failed = [p.name for p in phases if p.lost or p.duplicated]
    if failed:
        print(f"FAILED: deliveries lost or duplicated in {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Inbound ingest benchmark (issue 14): acknowledgement latency and the ingest rate of one API.

    .venv/bin/python tests/bench/bench_inbound.py          # make bench-inbound
    .venv/bin/python tests/bench/bench_inbound.py --trials 5 --latency-seconds 20

On the production shape (``hookrelay migrate``, ``api``, ``worker``, ``scheduler`` on a fresh
PostgreSQL database and RabbitMQ vhost, the default retry schedule), with two Stripe sources of
two destinations each: one source's destinations are down (a port nothing listens on), the
other's are the test receiver. Every request is a Stripe-signed ~2 KB event with its own id.

Each trial runs, in this order, on the same processes:

1. latency, destinations down: ``--rate`` (500) requests/s, open loop (each request leaves at
   its scheduled time whatever the answers), for ``--latency-seconds``; p50/p95/p99 from the
   request's scheduled time to its 2xx;
2. the same with the destinations up (for comparison); the deliveries are awaited before going on;
3. the largest ingest rate, alternately: the baseline (``baseline_ingest.py``: a plain Litestar
   endpoint on the same uvicorn settings doing one INSERT and COMMIT per request through the same
   driver, in its own fresh database) and the service (destinations down), each as many requests
   as ``--concurrency`` closed-loop senders get answered in ``--capacity-seconds`` (after a 1 s
   warm-up); their ratio.

The machine is small (2 cores) and shared: the sender, the service, PostgreSQL and RabbitMQ share
it. Figures are reported as ranges over the trials, never the best one, and appended to
tests/bench/RESULTS.md (``--no-record`` to skip). Exits 1 when a request was not answered 2xx.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import httpx

# Run as a script: make the repository importable as the root of the ``tests`` package.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.bench.bench_delivery import cpu_seconds, cpu_used, machine, work_tree_commit  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    HarnessError,
    Receiver,
    Service,
    Stack,
    free_port,
    fresh_database,
    fresh_rabbitmq_vhost,
    start_production,
    start_receiver,
    wait_until,
)
from tests.e2e.harness.inbound import (  # noqa: E402
    DESTINATIONS_ON_LOOPBACK,
    InboundSetup,
    set_up_stripe_source,
    stripe_event,
    stripe_signed,
)

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Inbound ingest"
SECTION_TEXT = f"""
{SECTION}

`tests/bench/bench_inbound.py` (`make bench-inbound`) on the production shape: Stripe-signed
~2 KB events, each with its own id. Latency is open loop at the given rate, from a request's
scheduled time to its 2xx (a request unanswered after 30 s counts as 30 s, and as timed out);
ranges are over the trials (min-max of each trial's figure). The
capacity ratio is the service's ingest rate (one API process, destinations down) over a plain
Litestar endpoint on the same uvicorn settings doing one INSERT and COMMIT per request through the
same driver, measured alternately in the same run. The sender, the service, PostgreSQL and
RabbitMQ share the 2 cores, with other sessions' work going on.

| date | commit | machine | trials | rate/s | down p50 / p95 / p99 ms | up p50 / p95 / p99 ms | service req/s (API CPU ms/req) | baseline req/s (CPU ms/req) | ratio | notes |
|---|---|---|---|---|---|---|---|---|---|---|
"""
EVENT_BYTES = 2048


@dataclass(frozen=True)
class Latency:
    p50: float
    p95: float
    p99: float
    failures: int

    @classmethod
    def of(cls, seconds: Sequence[float], failures: int) -> Latency:
        cuts = statistics.quantiles([s * 1000 for s in seconds], n=100)
        return cls(cuts[49], cuts[94], cuts[98], failures)


def signed_requests(
    setup: InboundSetup, tag: str, count: int
) -> list[tuple[bytes, dict[str, str]]]:
    """``count`` distinct Stripe events, signed now (Stripe's tolerance is 5 minutes)."""
    bodies = [stripe_event(f"evt_{tag}_{n}", size_bytes=EVENT_BYTES) for n in range(count)]
    return [(body, stripe_signed(body, setup.secret)) for body in bodies]


async def _post(
    session: aiohttp.ClientSession, url: str, request: tuple[bytes, dict[str, str]]
) -> bool:
    body, headers = request
    try:
        async with session.post(url, data=body, headers=headers) as answer:
            await answer.read()
            return answer.status == 200
    except (aiohttp.ClientError, TimeoutError):
        return False


def _session() -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=512)
    return aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=30))


async def _open_loop(
    url: str, requests: list[tuple[bytes, dict[str, str]]], rate: float
) -> Latency:
    """Each request at its scheduled time; seconds from that time to its answer."""
    seconds: list[float] = []
    failures = 0

    async def one(request: tuple[bytes, dict[str, str]], due: float) -> None:
        nonlocal failures
        ok = await _post(session, url, request)
        seconds.append(time.monotonic() - due)
        failures += not ok

    async with _session() as session:
        began = time.monotonic() + 0.1
        tasks = []
        for n, request in enumerate(requests):
            due = began + n / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(request, due)))
        await asyncio.gather(*tasks)
    return Latency.of(seconds, failures)


async def _closed_loop(
    url: str, requests: list[tuple[bytes, dict[str, str]]], concurrency: int, seconds: float
) -> tuple[float, int, int]:
    """(2xx answers per second after a 1 s warm-up, 2xx answers, failures) from ``concurrency``
    senders."""
    pending = iter(requests)
    warm_until = time.monotonic() + 1.0
    stop_at = warm_until + seconds
    counted = failures = answered = 0

    async def sender() -> None:
        nonlocal counted, failures, answered
        for request in pending:
            if time.monotonic() >= stop_at:
                return
            ok = await _post(session, url, request)
            failures += not ok
            answered += ok
            counted += ok and time.monotonic() >= warm_until
            if time.monotonic() >= stop_at:
                return

    async with _session() as session:
        await asyncio.gather(*(sender() for _ in range(concurrency)))
    return counted / seconds, answered, failures


@dataclass(frozen=True)
class Capacity:
    rate: float  # 2xx per second
    cpu_ms: float  # the server process's CPU per 2xx
    failures: int


@dataclass
class Trial:
    down: Latency
    up: Latency
    service: Capacity
    baseline: Capacity
    drain_seconds: float
    still_owed: int  # deliveries of the up phase not yet received when the wait ended
    cpu: dict[str, float]

    @property
    def ratio(self) -> float:
        return self.service.rate / self.baseline.rate


@dataclass
class Bench:
    stack: Stack
    service: Service
    receiver: Receiver
    down: InboundSetup
    up: InboundSetup
    baseline_url: str
    args: argparse.Namespace

    def capacity(
        self, url: str, process: str, requests: list[tuple[bytes, dict[str, str]]]
    ) -> Capacity:
        """The closed-loop rate of ``url``, and the CPU its server ``process`` spent per 2xx."""
        args = self.args
        before = cpu_seconds(self.stack.processes)[process]
        rate, answered, failures = asyncio.run(
            _closed_loop(url, requests, args.concurrency, args.capacity_seconds)
        )
        used = cpu_seconds(self.stack.processes)[process] - before
        return Capacity(rate, used * 1000 / max(1, answered), failures)

    def trial(self, n: int) -> Trial:
        args = self.args
        count = int(args.rate * args.latency_seconds)
        before = cpu_seconds(self.stack.processes)
        down = asyncio.run(
            _open_loop(self.down.ingest_url, signed_requests(self.down, f"d{n}", count), args.rate)
        )
        owed = self.receiver.stats()["count"] + count * len(self.up.paths)
        up = asyncio.run(
            _open_loop(self.up.ingest_url, signed_requests(self.up, f"u{n}", count), args.rate)
        )
        began = time.monotonic()
        # The deliveries of the up phase, so that the next phases do not compete with them (the
        # worker shares the cores); bounded, and what was still owed is reported.
        with contextlib.suppress(HarnessError):
            wait_until(
                lambda: self.receiver.stats()["count"] >= owed,
                timeout_seconds=args.drain_seconds,
                stack=self.stack,
                what="the up phase's deliveries",
                interval=0.5,
            )
        drain_seconds = time.monotonic() - began
        still_owed = max(0, owed - self.receiver.stats()["count"])
        capacity_count = int(4000 * (args.capacity_seconds + 1))
        baseline = self.capacity(
            self.baseline_url, "baseline", signed_requests(self.down, f"b{n}", capacity_count)
        )
        service = self.capacity(
            self.down.ingest_url, "api", signed_requests(self.down, f"c{n}", capacity_count)
        )
        return Trial(
            down,
            up,
            service,
            baseline,
            drain_seconds,
            still_owed,
            cpu_used(before, self.stack.processes),
        )


def span(values: Sequence[float], digits: int = 1) -> str:
    low, high = min(values), max(values)
    return (
        f"{low:.{digits}f}-{high:.{digits}f}"
        if round(low, digits) != round(high, digits)
        else f"{low:.{digits}f}"
    )


def latency_span(latencies: Sequence[Latency]) -> str:
    return " / ".join(span([getattr(lat, q) for lat in latencies]) for q in ("p50", "p95", "p99"))


def report(trials: Sequence[Trial]) -> None:
    print(
        f"{'trial':>5} {'down p50/p95/p99 ms (timeouts)':>34} {'up p50/p95/p99 ms (timeouts)':>34}"
        f" {'service/s (CPU ms)':>19} {'baseline/s (CPU ms)':>20} {'ratio':>6} {'drain s':>8}"
    )
    for n, t in enumerate(trials, 1):
        print(
            f"{n:>5} {t.down.p50:8.1f}/{t.down.p95:8.1f}/{t.down.p99:8.1f} ({t.down.failures:>5})"
            f" {t.up.p50:8.1f}/{t.up.p95:8.1f}/{t.up.p99:8.1f} ({t.up.failures:>5})"
            f" {t.service.rate:9.0f} ({t.service.cpu_ms:5.1f})"
            f" {t.baseline.rate:10.0f} ({t.baseline.cpu_ms:5.1f}) {t.ratio:6.2f}"
            f" {t.drain_seconds:8.1f} (owed {t.still_owed})"
        )
        print("      CPU s: " + ", ".join(f"{k} {v:.1f}" for k, v in t.cpu.items()))


def record(trials: Sequence[Trial], args: argparse.Namespace) -> None:
    text = RESULTS.read_text()
    if SECTION not in text:
        text = text.rstrip("\n") + "\n" + SECTION_TEXT

    def failed(latencies: Sequence[Latency]) -> str:
        return f" ({span([lat.failures for lat in latencies], 0)} timed out)"

    downs, ups = [t.down for t in trials], [t.up for t in trials]
    services, baselines = [t.service for t in trials], [t.baseline for t in trials]
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} UTC | {work_tree_commit()} | {machine()} "
        f"| {len(trials)} | {args.rate:g} | {latency_span(downs)}{failed(downs)} "
        f"| {latency_span(ups)}{failed(ups)} "
        f"| {span([c.rate for c in services], 0)} ({span([c.cpu_ms for c in services])}) "
        f"| {span([c.rate for c in baselines], 0)} ({span([c.cpu_ms for c in baselines])}) "
        f"| {span([t.ratio for t in trials], 2)} | {args.notes} |\n"
    )
    # The new row goes at the end of this section's table (the section may not be the last).
    start = text.index(SECTION)
    end = text.find("\n## ", start + len(SECTION))
    end = len(text) if end < 0 else end + 1
    section = text[start:end].rstrip("\n") + "\n" + row
    RESULTS.write_text(text[:start] + section + ("\n" + text[end:] if end < len(text) else ""))
    print(f"appended to {RESULTS.relative_to(REPO_ROOT)}")


@contextlib.contextmanager
def bench_stack(args: argparse.Namespace) -> Iterator[Bench]:
    with (
        tempfile.TemporaryDirectory(prefix="hookrelay-bench-inbound-") as workdir,
        fresh_database() as database_url,
        fresh_database() as baseline_database_url,
        fresh_rabbitmq_vhost() as broker_url,
    ):
        stack = Stack(Path(workdir))
        try:
            receiver = start_receiver(stack)
            service = start_production(
                stack,
                database_url=database_url,
                broker_url=broker_url,
                settings=DESTINATIONS_ON_LOOPBACK | extra_settings(args),
            )
            up = set_up_stripe_source(service, receiver, destinations=2, prefix="/up")
            # Nothing listens on this port: connections are refused, as by a service that is down.
            nowhere = f"http://127.0.0.1:{free_port()}"
            down = set_up_stripe_source(service, nowhere, destinations=2, prefix="/down")
            port = free_port()
            stack.start(
                "baseline",
                [
                    sys.executable,
                    str(Path(__file__).with_name("baseline_ingest.py")),
                    "--port",
                    str(port),
                    "--database-url",
                    baseline_database_url,
                ],
                {**dict(stack.get("api").env), "PYTHONPATH": str(REPO_ROOT)},
            )
            baseline_url = f"http://127.0.0.1:{port}/in/baseline"
            wait_until(
                lambda: _answers(baseline_url),
                timeout_seconds=30,
                stack=stack,
                what="the baseline to listen",
            )
            yield Bench(stack, service, receiver, down, up, baseline_url, args)
        finally:
            stack.stop_all()


def _answers(url: str) -> bool:
    try:
        httpx.post(url, content=b"{}", timeout=5)
    except httpx.HTTPError:
        return False
    return True


def extra_settings(args: argparse.Namespace) -> dict[str, str]:
    """``--setting NAME=VALUE`` as the service's environment."""
    pairs = (item.partition("=") for item in args.setting)
    return {f"HOOKRELAY_{name.strip().upper()}": value for name, _, value in pairs}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--rate", type=float, default=500.0)
    parser.add_argument("--latency-seconds", type=float, default=10.0)
    parser.add_argument("--drain-seconds", type=float, default=30.0)
    parser.add_argument("--capacity-seconds", type=float, default=8.0)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a HOOKRELAY_ setting of the service (repeatable), e.g. GROUP_COMMIT_WRITERS=2",
    )
    parser.add_argument("--notes", default="")
    parser.add_argument("--no-record", action="store_true")
    args = parser.parse_args()
    with bench_stack(args) as bench:
        trials = []
        for n in range(1, args.trials + 1):
            trials.append(bench.trial(n))
            report(trials[-1:])
    print()
    report(trials)
    print(f"down p50/p95/p99 ms: {latency_span([t.down for t in trials])}")
    print(f"up   p50/p95/p99 ms: {latency_span([t.up for t in trials])}")
    print(f"ratio service/baseline: {span([t.ratio for t in trials], 2)}")
    failures = sum(
        t.down.failures + t.up.failures + t.service.failures + t.baseline.failures for t in trials
    )
    if not args.no_record:
        record(trials, args)
    if failures:
        print(f"{failures} requests were not answered 2xx")
        sys.exit(1)


if __name__ == "__main__":
    main()

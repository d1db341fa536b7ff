"""Publish benchmark (issue 15): the publish path against the least this stack can do, in one run.

    .venv/bin/python tests/bench/bench_publish.py                 # make bench-publish
    .venv/bin/python tests/bench/bench_publish.py --trials 5 --seconds 10 --api-workers 2

On the production shape (a fresh PostgreSQL database, RabbitMQ on a vhost of its own, the test
receiver holding the tenant's 4 matching endpoints, ~1 KB payloads) it measures, with
``--publishers`` (16) concurrent publishers each waiting for its answer before the next publish:

1. single publishes/s and latency, Hookrelay's ``POST …/messages`` and the **baseline**
   (``baseline_app.py``: a minimal Litestar app on the same server settings whose handler decodes
   the body and does one ``INSERT … RETURNING`` and one ``COMMIT`` through the same driver),
   alternated, ``--trials`` (3) trials of ``--seconds`` (8) each, with the API's CPU per publish;
2. batch publishes: messages/s through ``…/messages/batch`` (100 a request, 4 publishers);
3. publish latency at ``--rate`` (200) single publishes/s (a steady flow, p50 / p99);
4. with ``--api-workers N`` (default 2; 0 skips): single publishes/s of a second ``hookrelay api``
   started with ``HOOKRELAY_API_WORKERS=N`` on the same database, its CPU summed over its processes.

Hookrelay's worker is stopped before the trials: this measures the publish path alone, as the
baseline does (delivery has its own benchmark, ``bench_delivery.py``); the deliveries stay in the
database and the broker. Ranges are the lowest and highest trial. It prints a table and appends a
section to tests/bench/RESULTS.md (``--no-record`` to skip).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import aiohttp  # noqa: E402
import msgspec  # noqa: E402

from tests.bench.bench_delivery import (  # noqa: E402
    RESULTS,
    _process_cpu,
    machine,
    work_tree_commit,
)
from tests.e2e.harness import (  # noqa: E402
    Service,
    Stack,
    fresh_database,
    fresh_rabbitmq_vhost,
    set_up_tenant,
    start_production,
    start_receiver,
)
from tests.e2e.harness.processes import free_port, wait_until  # noqa: E402

BASELINE_APP = Path(__file__).with_name("baseline_app.py")
EVENT_TYPE = "invoice.paid"
PAYLOAD_BYTES = 1024


def payload(n: int) -> dict[str, Any]:
    """A ~1 KB invoice-like payload (``PAYLOAD_BYTES`` once encoded)."""
    body: dict[str, Any] = {
        "n": n,
        "invoice": f"in_{n:08d}",
        "customer": "cus_4f8a2b",
        "amount": 4200 + n % 100,
        "currency": "eur",
        "lines": [{"sku": f"sku_{i}", "quantity": i + 1, "amount": 1000 + i} for i in range(6)],
    }
    filler = PAYLOAD_BYTES - len(msgspec.json.encode(body)) - len(',"note":""')
    body["note"] = "x" * max(0, filler)
    return body


# --- CPU of a process and its children (uvicorn's workers) ---------------------------------------


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            found += [int(c) for c in (task / "children").read_text().split()]
    return found


def tree_cpu_seconds(pid: int) -> float:
    """CPU-seconds so far of ``pid`` and its descendants (a uvicorn supervisor and its workers)."""
    total, todo = 0.0, [pid]
    while todo:
        current = todo.pop()
        with contextlib.suppress(OSError):
            total += _process_cpu(current)
            todo += _children(current)
    return total


# --- publishing --------------------------------------------------------------------------------


@dataclass
class Trial:
    what: str
    count: int
    seconds: float
    latencies_ms: list[float]
    api_cpu_seconds: float

    @property
    def per_second(self) -> float:
        return self.count / self.seconds

    @property
    def cpu_ms_per_publish(self) -> float:
        return 1000 * self.api_cpu_seconds / self.count

    def percentile_ms(self, p: int) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


async def _publish_for(
    url: str,
    headers: dict[str, str],
    *,
    seconds: float,
    publishers: int,
    batch: int,
    rate: float | None,
) -> tuple[int, float, list[float]]:
    """Publish for ``seconds``; (messages accepted, seconds taken, each request's latency in ms)."""
    latencies: list[float] = []
    accepted = 0
    numbers = iter(range(10**9))
    began = time.monotonic()

    async def publisher(session: aiohttp.ClientSession) -> None:
        nonlocal accepted
        for n in numbers:
            if rate:  # request n leaves n / rate seconds after the start, no sooner
                delay = began + n / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            if time.monotonic() - began >= seconds:
                return
            items = [
                {"event_type": EVENT_TYPE, "payload": payload(n * batch + i)} for i in range(batch)
            ]
            body = msgspec.json.encode({"messages": items} if batch > 1 else items[0])
            sent = time.perf_counter()
            async with session.post(url, data=body, headers=headers) as answer:
                text = await answer.read()
            if answer.status != 202:
                raise RuntimeError(f"{url} answered {answer.status}: {text[:300]!r}")
            latencies.append((time.perf_counter() - sent) * 1000)
            accepted += batch

    connector = aiohttp.TCPConnector(limit=publishers)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        await asyncio.gather(*(publisher(session) for _ in range(publishers)))
    return accepted, time.monotonic() - began, latencies


def trial(
    what: str,
    base_url: str,
    tenant: str,
    headers: dict[str, str],
    api_pid: int,
    *,
    seconds: float,
    publishers: int,
    batch: int = 1,
    rate: float | None = None,
) -> Trial:
    path = f"/api/v1/tenants/{tenant}/messages" + ("/batch" if batch > 1 else "")
    cpu_before = tree_cpu_seconds(api_pid)
    count, taken, latencies = asyncio.run(
        _publish_for(
            base_url + path, headers, seconds=seconds, publishers=publishers, batch=batch, rate=rate
        )
    )
    result = Trial(what, count, taken, latencies, tree_cpu_seconds(api_pid) - cpu_before)
    print(
        f"  {what}: {result.per_second:,.0f}/s, p50 {result.percentile_ms(50):.1f} ms, "
        f"p99 {result.percentile_ms(99):.1f} ms, API CPU {result.cpu_ms_per_publish:.2f} ms/msg",
        flush=True,
    )
    return result


# --- the run -----------------------------------------------------------------------------------


@dataclass
class Run:
    trials: dict[str, list[Trial]] = field(default_factory=dict)

    def add(self, result: Trial) -> None:
        self.trials.setdefault(result.what, []).append(result)


def start_baseline(stack: Stack, database_url: str) -> tuple[str, int]:
    port = free_port()
    process = stack.start(
        "baseline",
        [sys.executable, str(BASELINE_APP), "--database-url", database_url, "--port", str(port)],
        {**stack.get("api").env},
    )
    base_url = f"http://127.0.0.1:{port}"
    wait_until(lambda: _answers(base_url), timeout_seconds=30, stack=stack, what="baseline")
    return base_url, process.pid


def start_api_workers(
    stack: Stack, workers: int, *, name: str = "", **settings: str
) -> tuple[str, int]:
    """A second ``hookrelay api`` on the same database and broker, with ``workers`` processes
    (and other ``HOOKRELAY_`` settings)."""
    api = stack.get("api")
    port = free_port()
    env = {**api.env, "HOOKRELAY_PORT": str(port), "HOOKRELAY_API_WORKERS": str(workers)}
    env |= {f"HOOKRELAY_{key.upper()}": value for key, value in settings.items()}
    process = stack.start(name or f"api-{workers}w", api.argv, env)
    base_url = f"http://127.0.0.1:{port}"
    wait_until(
        lambda: _answers(base_url + "/health/ready", ok=200),
        timeout_seconds=60,
        stack=stack,
        what=f"api with {workers} workers",
    )
    return base_url, process.pid


def _answers(url: str, *, ok: int | None = None) -> bool:
    import httpx

    try:
        status = httpx.get(url, timeout=2).status_code
    except httpx.HTTPError:
        return False
    return ok is None or status == ok


def run(args: argparse.Namespace, stack: Stack) -> Run:
    result = Run()
    with contextlib.ExitStack() as cleanup:
        database_url = cleanup.enter_context(fresh_database())
        broker_url = cleanup.enter_context(fresh_rabbitmq_vhost())
        cleanup.callback(stack.stop_all)
        receiver = start_receiver(stack)
        service: Service = start_production(stack, database_url=database_url, broker_url=broker_url)
        tenant = set_up_tenant(service, receiver, endpoints=args.endpoints).tenant
        stack.stop("worker")  # the publish path alone, as the baseline
        headers = {
            "authorization": f"Bearer {service.admin_key}",
            "content-type": "application/json",
        }
        api_pid = stack.get("api").pid
        baseline_url, baseline_pid = start_baseline(stack, database_url)
        contenders: list[tuple[str, str, int]] = [
            ("hookrelay single", service.base_url, api_pid),
            ("baseline single", baseline_url, baseline_pid),
        ]
        if args.normal_route:
            # The same API with the fast path off: the normal route, measured in the same run.
            normal_url, normal_pid = start_api_workers(
                stack, 1, name="api-normal-route", publish_fast_path="false"
            )
            contenders.append(("hookrelay single, normal route", normal_url, normal_pid))
        if args.writers > 1:
            # The fast path writing its groups on more connections than the default one.
            name = f"api-{args.writers}-writers"
            many_url, many_pid = start_api_workers(
                stack, 1, name=name, group_commit_writers=str(args.writers)
            )
            contenders.append((f"hookrelay single, {args.writers} writers", many_url, many_pid))
        common: dict[str, Any] = {"publishers": args.publishers}
        print("warming up ...", flush=True)
        for what, url, pid in contenders:
            trial(f"{what} (warm-up)", url, tenant, headers, pid, seconds=2, **common)
        for n in range(args.trials):
            print(f"trial {n + 1} of {args.trials}", flush=True)
            for what, url, pid in contenders if n % 2 == 0 else contenders[::-1]:
                result.add(trial(what, url, tenant, headers, pid, seconds=args.seconds, **common))
        for _ in range(args.trials):
            result.add(
                trial(
                    "hookrelay batch x100",
                    service.base_url,
                    tenant,
                    headers,
                    api_pid,
                    seconds=args.seconds,
                    publishers=4,
                    batch=100,
                )
            )
        result.add(
            trial(
                f"hookrelay single at {args.rate:g}/s",
                service.base_url,
                tenant,
                headers,
                api_pid,
                seconds=args.latency_seconds,
                rate=args.rate,
                **common,
            )
        )
        if args.api_workers:
            # Their connections back to the pool of a shared PostgreSQL (100 on this machine).
            stack.stop("api")
            stack.stop("baseline")
            if args.normal_route:
                stack.stop("api-normal-route")
            if args.writers > 1:
                stack.stop(f"api-{args.writers}-writers")
            url, pid = start_api_workers(stack, args.api_workers)
            what = f"hookrelay single, {args.api_workers} API workers"
            trial(f"{what} (warm-up)", url, tenant, headers, pid, seconds=2, **common)
            for _ in range(args.trials):
                result.add(trial(what, url, tenant, headers, pid, seconds=args.seconds, **common))
    return result


# --- reporting ---------------------------------------------------------------------------------


def _range(values: list[float], digits: int = 0) -> str:
    low, high = min(values), max(values)
    if f"{low:,.{digits}f}" == f"{high:,.{digits}f}":
        return f"{low:,.{digits}f}"
    return f"{low:,.{digits}f}-{high:,.{digits}f}"


def table(run: Run) -> list[str]:
    rows = [
        "| what | trials | messages/s | p50 ms | p99 ms | API CPU ms/message |",
        "|---|---|---|---|---|---|",
    ]
    for what, trials in run.trials.items():
        rows.append(
            f"| {what} | {len(trials)} | {_range([t.per_second for t in trials])} | "
            f"{_range([t.percentile_ms(50) for t in trials], 1)} | "
            f"{_range([t.percentile_ms(99) for t in trials], 1)} | "
            f"{_range([t.cpu_ms_per_publish for t in trials], 2)} |"
        )
    return rows


def share_of_baseline(run: Run) -> str:
    ours = [t.per_second for t in run.trials.get("hookrelay single", [])]
    base = [t.per_second for t in run.trials.get("baseline single", [])]
    if not ours or not base:
        return ""
    # Paired by trial number: each pair ran back to back.
    ratios = [100 * a / b for a, b in zip(ours, base, strict=False)]
    return f"Hookrelay single publishes: {_range(ratios)} % of the baseline (paired trials)."


def record(run: Run, args: argparse.Namespace) -> None:
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M")
    heading = (
        f"\n### Publish path — {when} UTC, {work_tree_commit()}, {machine()}\n\n"
        f"`bench_publish.py`: production shape (PostgreSQL, RabbitMQ), {args.endpoints} matching "
        f"endpoints, ~{PAYLOAD_BYTES} B payloads, {args.publishers} concurrent publishers (4 for "
        f"batches), trials of {args.seconds:g} s alternated with the baseline; ranges are the "
        f"lowest and highest trial. {args.note}\n\n"
    )
    section = heading + "\n".join([*table(run), "", share_of_baseline(run)]) + "\n"
    text = RESULTS.read_text()
    # Before the fault suite's table, which is kept last (its rows are added at the end).
    at = text.find("\n## Fault suite")
    RESULTS.write_text(text + section if at < 0 else text[:at] + section + text[at:])
    print(f"appended to {RESULTS.relative_to(REPO_ROOT)}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=8.0, help="length of one trial")
    parser.add_argument("--publishers", type=int, default=16)
    parser.add_argument("--endpoints", type=int, default=4)
    parser.add_argument("--rate", type=float, default=200.0, help="latency phase, publishes/s")
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument("--api-workers", type=int, default=2, help="0: skip that phase")
    parser.add_argument(
        "--no-normal-route",
        dest="normal_route",
        action="store_false",
        help="skip the trials of the API with its publish fast path off",
    )
    parser.add_argument(
        "--writers", type=int, default=0, help="also an API with this many group-commit writers"
    )
    parser.add_argument("--note", default="", help="appended to the recorded heading")
    parser.add_argument("--no-record", action="store_true")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hookrelay-bench-publish-") as workdir:
        stack = Stack(Path(workdir))
        try:
            result = run(args, stack)
        except BaseException:
            for process in stack.processes:
                print(f"--- {process.name} ---\n{process.tail(20)}", file=sys.stderr)
            raise
    print("\n".join(["", *table(result), "", share_of_baseline(result)]))
    if not args.no_record:
        record(result, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

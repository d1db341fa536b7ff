"""Ordered delivery benchmark (issue 17) on the production shape: PostgreSQL, RabbitMQ, and the
``api``, ``worker`` (``--workers``) and ``scheduler`` processes, as tests/e2e/harness starts them.

    .venv/bin/python tests/bench/bench_ordering.py            # 3 trials, records to RESULTS.md
    .venv/bin/python tests/bench/bench_ordering.py --trials 1 --messages 2000 --keys 200

Per trial, each phase on a fresh tenant and a receiver path of its own:

1. unordered: ``--messages`` (10,000) over ``--keys`` (1,000) ordering keys to an endpoint without
   ordered delivery, the receiver failing ``--fail-ratio`` (20 %) of tries at random; deliveries/s
   from the first publish to the last success (the baseline, same run, same processes);
2. ordered: the same to an ordered endpoint; the same figure, its ratio to 1, and the check that
   every key's sequence arrived complete and in publish order (first successes in order; a
   repeated success, at-least-once, is counted, not failed);
3. healthy keys' latency (publish request to receipt) on an ordered endpoint, ``--flow`` (2,000)
   messages over ``--flow-keys`` (200) keys at ``--flow-rate`` (100)/s, no random failures: once
   while one key of the same endpoint is held (its head exhausted its tries, ``--stuck`` (50)
   messages waiting behind it), once without (alternately first); p95 of each and their ratio.

Retries are short (``HOOKRELAY_RETRY_SCHEDULE`` 1 s x 12: a delivery is never exhausted by the
random failures) and the circuit breaker's threshold is raised (``CIRCUIT_FAILURE_THRESHOLD`` 1000:
a run of random failures must not open it; both endpoints get the same settings). Publishers own
disjoint keys, so that each key's messages are published in order. It prints the figures, records
them (ranges over the trials) in tests/bench/RESULTS.md unless ``--no-record``, and exits 1 when a
key's sequence was incomplete or out of order.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.bench.bench_delivery import machine, work_tree_commit  # noqa: E402
from tests.e2e.harness import (  # noqa: E402
    Service,
    Stack,
    fresh_database,
    fresh_rabbitmq_vhost,
    start_production,
)
from tests.e2e.harness.processes import free_port  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
STUCK = "stuck"  # keys starting so always fail


# --- the receiver (a process of its own: ``--serve PORT``) ------------------------------------


def serve(port: int, fail_ratio: float, seed: int) -> None:
    """An aiohttp receiver: keys named ``stuck…`` always fail, paths under ``/flaky`` fail
    ``fail_ratio`` of tries at random, the rest succeed; successes are kept in order per path."""
    from aiohttp import web

    rng = random.Random(seed)
    records: dict[str, list[list[Any]]] = defaultdict(list)
    in_flight: Counter[tuple[str, str]] = Counter()
    tries: Counter[str] = Counter()
    overlaps: Counter[str] = Counter()  # tries that began while another of their key was out

    async def hook(request: web.Request) -> web.Response:
        body = json.loads(await request.read())
        key, seq, path = body["key"], body["seq"], request.path
        tries[path] += 1
        in_flight[(path, key)] += 1
        if in_flight[(path, key)] > 1:
            overlaps[path] += 1
        try:
            if key.startswith(STUCK) or (path.startswith("/flaky") and rng.random() < fail_ratio):
                return web.Response(status=500)
            records[path].append([key, seq, request.headers["webhook-id"], time.time()])
            return web.Response(status=204)
        finally:
            in_flight[(path, key)] -= 1

    async def control(request: web.Request) -> web.Response:
        path = request.query.get("path", "")
        if request.path == "/_count":
            counts = {"tries": tries[path], "overlaps": overlaps[path]}
            return web.json_response({"count": len(records[path]), **counts})
        return web.json_response(records[path])

    app = web.Application()
    app.router.add_get("/_count", control)
    app.router.add_get("/_records", control)
    app.router.add_post("/{tail:.*}", hook)
    web.run_app(app, host="127.0.0.1", port=port, access_log=None, print=None)


class ReceiverClient:
    def __init__(self, base_url: str) -> None:
        self.base_url = base_url

    def url(self, path: str) -> str:
        return self.base_url + path

    def count(self, path: str) -> dict[str, int]:
        import httpx

        answer = httpx.get(self.base_url + "/_count", params={"path": path}, timeout=30)
        return dict(answer.json())

    def records(self, path: str) -> list[list[Any]]:
        import httpx

        answer = httpx.get(self.base_url + "/_records", params={"path": path}, timeout=60)
        return list(answer.json())

    def wait_for(self, path: str, expected: int, *, quiet_seconds: float = 90.0) -> None:
        """Until ``expected`` successes on ``path``, or none came for ``quiet_seconds``."""
        last, since = -1, time.monotonic()
        while True:
            count = self.count(path)["count"]
            if count >= expected:
                return
            if count != last:
                last, since = count, time.monotonic()
            elif time.monotonic() - since > quiet_seconds:
                return
            time.sleep(0.05)


def start_receiver(stack: Stack, fail_ratio: float) -> ReceiverClient:
    import httpx

    port = free_port()
    argv = [sys.executable, __file__, "--serve", str(port), "--fail-ratio", str(fail_ratio)]
    stack.start("receiver", argv, {**os.environ, "PYTHONUNBUFFERED": "1"})
    receiver = ReceiverClient(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with contextlib.suppress(httpx.HTTPError):
            receiver.count("/")
            return receiver
        time.sleep(0.1)
    raise RuntimeError("the receiver did not start")


# --- publishing -------------------------------------------------------------------------------


def tenant_with_endpoint(service: Service, url: str, **endpoint: Any) -> tuple[str, str]:
    uid = "bench_" + os.urandom(4).hex()
    with service.client() as api:
        answer = api.post("/api/v1/tenants", json={"uid": uid, "name": "Ordering bench"})
        assert answer.status_code == 201, answer.text
        answer = api.post(f"/api/v1/tenants/{uid}/endpoints", json={"url": url, **endpoint})
        assert answer.status_code == 201, answer.text
    return uid, str(answer.json()["id"])


def keyed(count: int, keys: int, *, prefix: str = "key") -> list[tuple[str, int]]:
    """Message n: key n % keys, its place n // keys among that key's messages."""
    return [(f"{prefix}-{n % keys}", n // keys) for n in range(count)]


async def _publish(
    service: Service,
    tenant: str,
    messages: Sequence[tuple[str, int]],
    *,
    publishers: int,
    batch: int,
    rate: float | None,
) -> dict[str, float]:
    """Publish ``messages`` (key, seq) in batches; each publisher owns the keys that hash to it,
    so that a key's messages are published in order. Returns send time by message id."""
    import aiohttp

    url = f"{service.base_url}/api/v1/tenants/{tenant}/messages/batch"
    headers = {"authorization": f"Bearer {service.admin_key}"}
    shares: list[list[tuple[int, tuple[str, int]]]] = [[] for _ in range(publishers)]
    for n, message in enumerate(messages):
        shares[hash(message[0]) % publishers].append((n, message))
    sent_at: dict[str, float] = {}
    started = time.monotonic()

    async def publisher(session: aiohttp.ClientSession, share: list[Any]) -> None:
        for start in range(0, len(share), batch):
            chunk = share[start : start + batch]
            if rate:
                delay = started + chunk[0][0] / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            items = [
                {
                    "event_type": "order.updated",
                    "payload": {"key": key, "seq": seq},
                    "ordering_key": key,
                }
                for _, (key, seq) in chunk
            ]
            now = time.time()
            async with session.post(url, json={"messages": items}, headers=headers) as answer:
                text = await answer.text()
            if answer.status != 202:
                raise RuntimeError(f"publish answered {answer.status}: {text}")
            for message in json.loads(text)["data"]:
                sent_at[message["id"]] = now

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(publisher(session, share) for share in shares if share))
    return sent_at


def publish(
    service: Service,
    tenant: str,
    messages: Sequence[tuple[str, int]],
    *,
    publishers: int = 4,
    batch: int = 100,
    rate: float | None = None,
) -> dict[str, float]:
    return asyncio.run(
        _publish(service, tenant, messages, publishers=publishers, batch=batch, rate=rate)
    )


# --- phases -----------------------------------------------------------------------------------


@dataclass
class Throughput:
    deliveries_per_second: float
    complete: bool
    in_order: bool
    repeated: int  # successes of a (key, seq) already delivered (at-least-once)
    overlaps: int  # tries that began while another try of their key was out


def check_sequences(records: list[list[Any]], expected: dict[str, int]) -> tuple[bool, bool, int]:
    """(complete, in order, repeated) of each key's successes, in receipt order."""
    seen: dict[str, list[int]] = defaultdict(list)
    repeated = 0
    for key, seq, _, _ in sorted(records, key=lambda r: r[3]):
        if seq in seen[key]:
            repeated += 1
            continue
        seen[key].append(seq)
    complete = all(sorted(seen.get(k, [])) == list(range(n)) for k, n in expected.items())
    in_order = all(seen.get(k, []) == sorted(seen.get(k, [])) for k in expected)
    return complete, in_order, repeated


def run_throughput(
    service: Service, receiver: ReceiverClient, path: str, args: argparse.Namespace, **endpoint: Any
) -> Throughput:
    tenant, _ = tenant_with_endpoint(service, receiver.url(path), **endpoint)
    messages = keyed(args.messages, args.keys)
    sent_at = publish(service, tenant, messages)
    receiver.wait_for(path, len(messages))
    records = receiver.records(path)
    first_sent = min(sent_at.values())
    last_received = max((r[3] for r in records), default=first_sent + 1)
    expected = Counter(key for key, _ in messages)
    complete, in_order, repeated = check_sequences(records, dict(expected))
    distinct = len({(r[0], r[1]) for r in records})
    overlaps = receiver.count(path)["overlaps"]
    return Throughput(
        distinct / (last_received - first_sent), complete, in_order, repeated, overlaps
    )


def hold_one_key(service: Service, tenant: str, endpoint: str, stuck: int) -> None:
    """Publish ``stuck`` messages to a key that always fails, and wait until it is held."""
    publish(service, tenant, [(STUCK, n) for n in range(stuck)], publishers=1)
    deadline = time.monotonic() + 120
    with service.client() as api:
        while time.monotonic() < deadline:
            held = api.get(f"/api/v1/tenants/{tenant}/endpoints/{endpoint}/ordering-keys?held=true")
            if held.json()["data"]:
                return
            time.sleep(0.25)
    raise RuntimeError("the stuck key was never held")


def run_latency(
    service: Service, receiver: ReceiverClient, path: str, args: argparse.Namespace, *, held: bool
) -> float:
    """p95 ms of the healthy keys' flow, with one key held beside it or not."""
    tenant, endpoint = tenant_with_endpoint(service, receiver.url(path), ordered=True)
    if held:
        hold_one_key(service, tenant, endpoint, args.stuck)
    messages = keyed(args.flow, args.flow_keys, prefix="healthy")
    sent_at = publish(service, tenant, messages, batch=10, rate=args.flow_rate)
    receiver.wait_for(path, len(messages))
    records = receiver.records(path)
    latencies = [(r[3] - sent_at[r[2]]) * 1000 for r in records if r[2] in sent_at]
    if len(latencies) < len(messages):
        raise RuntimeError(f"{len(latencies)} of {len(messages)} healthy messages arrived")
    return statistics.quantiles(latencies, n=100, method="inclusive")[94]


def load_average() -> str:
    return "/".join(f"{v:.2f}" for v in os.getloadavg())


def span(values: Sequence[float], fmt: str = "{:.0f}") -> str:
    low, high = min(values), max(values)
    return fmt.format(low) if low == high else f"{fmt.format(low)}-{fmt.format(high)}"


def record(args: argparse.Namespace, rows: dict[str, list[float]], ok: bool, loads: str) -> None:
    heading = "## Ordered delivery (tests/bench/bench_ordering.py)"
    header = (
        f"\n{heading}\n\nProduction shape (PostgreSQL + RabbitMQ, real api/worker/scheduler "
        "processes). Throughput: messages over keys to one endpoint whose receiver fails 20 % of "
        "tries at random, unordered (the baseline, same run) then ordered; ratio = ordered / "
        "unordered per trial. Latency: p95 from publish request to receipt of healthy keys on an "
        "ordered endpoint, with one key held beside them or not. Ranges over the trials.\n\n"
        "| date | commit | machine | load avg (start / end) | trials | messages / keys | "
        "workers | unordered deliveries/s | ordered deliveries/s | ratio | p95 ms not held | "
        "p95 ms one key held | held / not held | complete, in order |\n"
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
    )
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if heading not in text:
        text = text.rstrip("\n") + "\n" + header
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} UTC | {work_tree_commit()} | {machine()} | "
        f"{loads} | {args.trials} | {args.messages} / {args.keys} | {args.workers} | "
        f"{span(rows['unordered'])} | {span(rows['ordered'])} | "
        f"{span(rows['ratio'], '{:.2f}')} | {span(rows['p95_free'], '{:.1f}')} | "
        f"{span(rows['p95_held'], '{:.1f}')} | {span(rows['p95_ratio'], '{:.2f}')} | "
        f"{'yes' if ok else 'NO'} |\n"
    )
    # The row goes at the end of this section's table (it is the last section, or not).
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    end = len(text) if end < 0 else end + 1
    section = text[start:end].rstrip("\n") + "\n" + row
    RESULTS.write_text(text[:start] + section + ("\n" + text[end:] if text[end:] else ""))


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--keys", type=int, default=1_000)
    parser.add_argument("--fail-ratio", type=float, default=0.2)
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--flow", type=int, default=2_000)
    parser.add_argument("--flow-keys", type=int, default=200)
    parser.add_argument("--flow-rate", type=float, default=100.0)
    parser.add_argument("--stuck", type=int, default=50)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--keep", action="store_true", help="keep the work dir (logs)")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.serve:
        serve(args.serve, args.fail_ratio, seed=17)
        return 0
    workdir = Path(tempfile.mkdtemp(prefix="hookrelay-bench-ordering-"))
    stack = Stack(workdir)
    rows: dict[str, list[float]] = defaultdict(list)
    ok = True
    load_start = load_average()
    try:
        with contextlib.ExitStack() as cleanup:
            database_url = cleanup.enter_context(fresh_database())
            broker_url = cleanup.enter_context(fresh_rabbitmq_vhost())
            cleanup.callback(stack.stop_all)
            receiver = start_receiver(stack, args.fail_ratio)
            settings = {
                "HOOKRELAY_RETRY_SCHEDULE": ",".join(["1"] * 12),
                "HOOKRELAY_CIRCUIT_FAILURE_THRESHOLD": "1000",
            }
            service = start_production(
                stack,
                database_url=database_url,
                broker_url=broker_url,
                settings=settings,
                workers=args.workers,
            )
            for trial in range(1, args.trials + 1):
                unordered = run_throughput(service, receiver, f"/flaky/u{trial}", args)
                ordered = run_throughput(service, receiver, f"/flaky/o{trial}", args, ordered=True)
                # Alternately first: a shared machine's load drifts within a trial.
                p95: dict[bool, float] = {}
                for held in (False, True) if trial % 2 else (True, False):
                    path = f"/flow/{'held' if held else 'free'}{trial}"
                    p95[held] = run_latency(service, receiver, path, args, held=held)
                p95_free, p95_held = p95[False], p95[True]
                good = ordered.complete and ordered.in_order and unordered.complete
                good = good and ordered.overlaps == 0
                ok = ok and good
                rows["unordered"].append(unordered.deliveries_per_second)
                rows["ordered"].append(ordered.deliveries_per_second)
                rows["ratio"].append(
                    ordered.deliveries_per_second / unordered.deliveries_per_second
                )
                rows["p95_free"].append(p95_free)
                rows["p95_held"].append(p95_held)
                rows["p95_ratio"].append(p95_held / p95_free)
                print(
                    f"trial {trial}: unordered {unordered.deliveries_per_second:.0f}/s, ordered "
                    f"{ordered.deliveries_per_second:.0f}/s (ratio {rows['ratio'][-1]:.2f}; "
                    f"complete {ordered.complete}, in order {ordered.in_order}, repeated "
                    f"{ordered.repeated}, overlapping {ordered.overlaps}); healthy p95 {p95_free:.1f} ms, beside a held key "
                    f"{p95_held:.1f} ms (ratio {rows['p95_ratio'][-1]:.2f})",
                    flush=True,
                )
            # Recorded before the cleanup: dropping the database can fail on a shared machine
            # (another run restarting PostgreSQL) after every figure is in.
            if not args.no_record and rows:
                record(args, rows, ok, f"{load_start} / {load_average()}")
    finally:
        stack.stop_all()
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    if not ok:
        print(
            "FAILED: a key's sequence arrived incomplete or out of order, or two tries of one key overlapped"
        )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

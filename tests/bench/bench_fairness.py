"""Fair between tenants (issue 15): another tenant's publish -> receipt p95 beside a backlog.

    .venv/bin/python tests/bench/bench_fairness.py                    # make bench-fairness
    .venv/bin/python tests/bench/bench_fairness.py --broker redis --trials 2
    .venv/bin/python tests/bench/bench_fairness.py --rev main --trials 1   # the code before

Production shape (PostgreSQL and RabbitMQ, or Redis, on a vhost / database of their own; the
``api``, ``worker`` and ``scheduler`` processes; the test receiver), one set of processes for
every trial, each trial on fresh tenants:

1. alone: tenant B publishes ``--rate`` (20) messages/s to 4 endpoints for ``--window`` (20) s;
   its publish -> receipt p50/p95 is the baseline of this trial;
2. the flood: tenant A publishes ``--backlog`` (100,000) deliveries (25,000 messages x 4
   endpoints, batches of 100, 4 publishers) as fast as the API takes them;
3. beside: once A's last publish is answered, B publishes as in 1 while A's backlog drains; the
   owed A deliveries at the start and end of the window show the backlog was there throughout;
4. A's drain is awaited: its deliveries/s (first publish to last receipt) is the lone tenant's
   throughput, compared across code versions with ``--rev``.

It prints a row per trial and the ratio p95 beside / p95 alone (the target: at most 2), and
records each trial in tests/bench/RESULTS.md (``--no-record`` to skip). No timing is asserted.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

from tests.bench.bench_delivery import (  # noqa: E402
    backing_services,
    machine,
    use_revision,
    work_tree_commit,
)
from tests.e2e.harness import (  # noqa: E402
    Receiver,
    Service,
    Stack,
    publish_batches,
    publish_many,
    start_production,
    start_receiver,
)
from tests.e2e.harness.api import create_with_secret  # noqa: E402
from workers.contracts import DELIVERY_LANES, lane_queue  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
ENDPOINTS = 4


@dataclass(frozen=True)
class Window:
    """Tenant B's latencies over one window (ms), and A's deliveries owed at its start and end."""

    latencies_ms: list[float]
    try_ms: list[float]  # the tries' own durations (attempts.duration_ms): the rest is waiting
    publish_ms: list[float]  # publish request to its answer
    owed_at_start: int = 0
    owed_at_end: int = 0

    def percentile(self, q: int, *, of: list[float] | None = None) -> float:
        values = self.latencies_ms if of is None else of
        return statistics.quantiles(values, n=100, method="inclusive")[q - 1]

    def summary(self) -> str:
        return (
            f"p50 {self.percentile(50):.1f} ms, p95 {self.percentile(95):.1f} ms "
            f"(publish answered p50 {self.percentile(50, of=self.publish_ms):.0f} ms, "
            f"p95 {self.percentile(95, of=self.publish_ms):.0f} ms; the try itself "
            f"p50 {self.percentile(50, of=self.try_ms):.0f} ms, "
            f"p95 {self.percentile(95, of=self.try_ms):.0f} ms)"
        )


@dataclass(frozen=True)
class Trial:
    alone: Window
    beside: Window
    flood_deliveries: int
    flood_publish_seconds: float
    flood_per_second: float
    same_lane: bool

    @property
    def ratio(self) -> float:
        return self.beside.percentile(95) / self.alone.percentile(95)


@dataclass(frozen=True)
class Tenant:
    uid: str
    paths: list[str]
    lane: str  # its broker lane (a backlog delays the tenants of its own lane)


def set_up(service: Service, receiver: Receiver, label: str) -> Tenant:
    """A fresh tenant with ENDPOINTS endpoints on receiver paths of its own (``/<label>/<n>``)."""
    uid = f"{label}_{secrets.token_hex(4)}"
    paths = [f"/{uid}/{n}" for n in range(ENDPOINTS)]
    with service.client() as api:
        answer = api.post("/api/v1/tenants", json={"uid": uid, "name": label})
        assert answer.status_code == 201, answer.text
        lane = lane_queue(answer.json()["id"], DELIVERY_LANES)
        body = {"event_types": ["invoice.*"]}
        made = {
            path: create_with_secret(
                api, f"/api/v1/tenants/{uid}/endpoints", {**body, "url": receiver.url(path)}
            )[1]
            for path in paths
        }
    receiver.set_secrets(made)
    return Tenant(uid, paths, lane)


def received_by_path(receiver: Receiver) -> dict[str, dict[str, float]]:
    """Per receiver path, each webhook id's first receipt time."""
    seen: dict[str, dict[str, float]] = {}
    for record in receiver.records():
        by_id = seen.setdefault(record["path"], {})
        by_id.setdefault(record["webhook_id"], record["received_at"])
    return seen


def owed(receiver: Receiver, paths: Sequence[str], expected: int) -> int:
    got = received_by_path(receiver)
    return expected - sum(len(got.get(p, {})) for p in paths)


def victim_window(
    stack: Stack,
    service: Service,
    receiver: Receiver,
    tenant: Any,
    args: argparse.Namespace,
    *,
    seconds: float | None = None,
) -> tuple[list[float], list[float], list[float]]:
    """B publishes at ``--rate`` for ``--window`` s; every receipt is awaited; latencies in ms,
    and the tries' durations."""
    count = max(round(args.rate * (seconds or args.window)), 1)
    published = publish_many(service, tenant.uid, count, concurrency=4, rate=args.rate)
    sent_at = {p.message_id: p.sent_at for p in published}
    deadline = time.monotonic() + args.timeout
    while True:
        stack.check_alive()
        got = received_by_path(receiver)
        receipts = [
            (got[path][mid] - sent_at[mid]) * 1000
            for path in tenant.paths
            for mid in sent_at
            if mid in got.get(path, {})
        ]
        if len(receipts) >= count * len(tenant.paths):
            answered = [(p.answered_at - p.sent_at) * 1000 for p in published]
            return receipts, try_durations_ms(args.database_url, list(sent_at)), answered
        if time.monotonic() > deadline:
            raise RuntimeError(f"tenant B: {len(receipts)} of {count * ENDPOINTS} arrived in time")
        time.sleep(0.5)


def try_durations_ms(database_url: str, message_ids: list[str]) -> list[float]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT duration_ms FROM attempts WHERE message_id = ANY(%s)", (message_ids,)
        ).fetchall()
    return [float(row[0]) for row in rows] or [0.0, 0.0]


def run_trial(
    stack: Stack, service: Service, receiver: Receiver, args: argparse.Namespace
) -> Trial:
    victim = set_up(service, receiver, "b")
    victim_window(stack, service, receiver, victim, args, seconds=1)  # warm up (caches, pools)
    alone = Window(*victim_window(stack, service, receiver, victim, args))
    print(f"  alone: {alone.summary()}", flush=True)

    flood = set_up(service, receiver, "a")
    while flood.lane == victim.lane:  # the lanes' limit, measured on its own (--same-lane)
        if args.same_lane:
            break
        flood = set_up(service, receiver, "a")
    print(f"  lanes: A {flood.lane}, B {victim.lane}", flush=True)
    messages = args.backlog // ENDPOINTS
    expected = messages * ENDPOINTS
    began = time.time()
    published = publish_batches(service, flood.uid, messages, batch_size=100, concurrency=4)
    publish_seconds = max(p.answered_at for p in published) - began
    print(f"  flood: {expected} deliveries published in {publish_seconds:.1f} s", flush=True)

    start_owed = owed(receiver, flood.paths, expected)
    beside = Window(
        *victim_window(stack, service, receiver, victim, args),
        owed_at_start=start_owed,
        owed_at_end=owed(receiver, flood.paths, expected),
    )
    print(
        f"  beside: {beside.summary()}; A owed {beside.owed_at_start} -> {beside.owed_at_end}",
        flush=True,
    )
    deadline = time.monotonic() + args.timeout
    while (left := owed(receiver, flood.paths, expected)) > 0:
        stack.check_alive()
        if time.monotonic() > deadline:
            raise RuntimeError(f"tenant A: {left} deliveries still owed")
        time.sleep(1.0)
    last = max(t for p in flood.paths for t in received_by_path(receiver)[p].values())
    rate = expected / (last - began)
    return Trial(alone, beside, expected, publish_seconds, rate, flood.lane == victim.lane)


def record(trial: Trial, args: argparse.Namespace, *, commit: str) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    row = (
        f"| {datetime.now(UTC):%Y-%m-%d %H:%M} | {commit} | {machine()} | production/"
        f"{args.broker}, {args.workers} worker(s) | {trial.flood_deliveries} | "
        f"{trial.alone.percentile(50):.1f} / {trial.alone.percentile(95):.1f} | "
        f"{trial.beside.percentile(50):.1f} / {trial.beside.percentile(95):.1f} | "
        f"{trial.ratio:.2f} | {trial.beside.owed_at_start} -> {trial.beside.owed_at_end} | "
        f"{trial.flood_per_second:.0f} | {'same lane' if trial.same_lane else 'other lanes'}, "
        f"load {load} |\n"
    )
    text = RESULTS.read_text()
    marker = "| date | commit | machine | shape | backlog deliveries |"
    if marker not in text:
        text += (
            "\n## Fair between tenants (`tests/bench/bench_fairness.py`)\n\n"
            "Tenant B's publish -> receipt at 20 messages/s x 4 endpoints, alone and then beside "
            "tenant A's backlog (owed: A's deliveries not yet received at the start and end of "
            "B's window); A's deliveries/s from its first publish to its last receipt.\n\n"
            f"{marker} B alone p50 / p95 ms | B beside p50 / p95 ms | p95 ratio | A owed | "
            "A deliveries/s | notes |\n|---|---|---|---|---|---|---|---|---|---|---|\n"
        )
    RESULTS.write_text(text + row)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--broker", choices=["rabbitmq", "redis"], default="rabbitmq")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--backlog", type=int, default=100_000, help="tenant A's deliveries")
    parser.add_argument("--rate", type=float, default=20.0, help="tenant B's messages/s")
    parser.add_argument("--window", type=float, default=20.0, help="tenant B's seconds")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds for any wait")
    parser.add_argument(
        "--same-lane", action="store_true", help="A may share B's lane (default: another lane)"
    )
    parser.add_argument("--rev", help="run the service from this git revision as committed")
    parser.add_argument("--no-record", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="hookrelay-fairness-"))
    commit = use_revision(args.rev, workdir / "code") if args.rev else work_tree_commit()
    stack = Stack(workdir)
    trials: list[Trial] = []
    try:
        with contextlib.ExitStack() as cleanup:
            database_url, broker_url = backing_services(cleanup, args.broker)
            args.database_url = database_url
            cleanup.callback(stack.stop_all)
            receiver = start_receiver(stack)
            service = start_production(
                stack, database_url=database_url, broker_url=broker_url, workers=args.workers
            )
            for n in range(args.trials):
                print(f"trial {n + 1} of {args.trials} ({commit}) ...", flush=True)
                trial = run_trial(stack, service, receiver, args)
                trials.append(trial)
                print(f"  ratio {trial.ratio:.2f}, A {trial.flood_per_second:.0f}/s", flush=True)
                if not args.no_record:
                    record(trial, args, commit=commit)
    except BaseException:
        print(stack.logs(50), file=sys.stderr)
        raise
    finally:
        stack.stop_all()
        shutil.rmtree(workdir, ignore_errors=True)
    ratios = [t.ratio for t in trials]
    print(f"p95 ratio beside/alone: {min(ratios):.2f}-{max(ratios):.2f} over {len(trials)} trials")
    return 0


if __name__ == "__main__":
    sys.exit(main())

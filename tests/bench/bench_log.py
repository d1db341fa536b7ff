"""Delivery-log benchmark: list a tenant's 1M messages with each filter, through the HTTP API.

    .venv/bin/python tests/bench/bench_log.py                       # 1M messages
    .venv/bin/python tests/bench/bench_log.py --messages 100000 --no-record

It makes a fresh PostgreSQL database, migrates it, creates one tenant and two endpoints through
the API (``hookrelay api`` as a subprocess), then loads ``--messages`` messages spread over the
last 30 days with COPY: every message has a delivery to endpoint A (97 % succeeded, 2 % failed,
1 % pending), 30 % also one to endpoint B, 10 % the channel ``vip`` and 0.1 % the channel
``rare``; 20 event types. Payloads are not loaded (the list never reads them). After ANALYZE it
times, per filter, the first page (median of ``--repeat`` requests) and ``--pages`` pages deep
following ``next_cursor`` (median and worst page), prints PostgreSQL's plan of each first page,
prints a table and appends it to tests/bench/RESULTS.md (``--no-record`` to skip).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

# Run as a script: make the repository importable as the root of the ``tests`` package.
REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
from cryptography.fernet import Fernet  # noqa: E402

from app.kit.ids import _encode, id_bound  # noqa: E402
from tests.e2e.harness import Stack, fresh_database, fresh_rabbitmq_vhost  # noqa: E402
from tests.e2e.harness.processes import free_port  # noqa: E402
from tests.e2e.harness.services import HOOKRELAY, Service, service_env, wait_ready  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
DAYS = 30
EVENT_TYPES = [f"resource{n}.updated" for n in range(20)]


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = " ".join(line.split(":", 1)[1].split()[:3])
                break
    except OSError:
        pass
    return f"{platform.machine()}, {os.cpu_count()} CPU, {model}"


def commit() -> str:
    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=REPO_ROOT, capture_output=True, text=True, check=False
        ).stdout.strip()

    return git("rev-parse", "--short", "HEAD") + ("+dirty" if git("status", "--porcelain") else "")


def id_at(prefix: str, at_ms: int, rng: random.Random) -> str:
    return _encode(prefix, at_ms << 80 | rng.getrandbits(80))


# -- loading ----------------------------------------------------------------------------------


def load(database_url: str, tenant_id: str, endpoints: list[str], count: int) -> None:
    """COPY ``count`` messages and their deliveries and channels, oldest first."""
    import psycopg

    rng = random.Random(7)
    now_ms = int(time.time() * 1000)
    start_ms = now_ms - DAYS * 24 * 3600 * 1000
    step = (now_ms - start_ms) / count
    started = time.perf_counter()
    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        for table, columns, rows in _tables(tenant_id, endpoints, count, start_ms, step, rng):
            with cur.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            conn.commit()
            print(f"  loaded {table} ({time.perf_counter() - started:.0f} s)", flush=True)
        conn.autocommit = True
        cur.execute("ANALYZE")
    print(f"loaded {count} messages in {time.perf_counter() - started:.0f} s", flush=True)


def _tables(
    tenant_id: str, endpoints: list[str], count: int, start_ms: int, step: float, rng: random.Random
) -> Iterator[tuple[str, Sequence[str], Iterator[tuple[Any, ...]]]]:
    # One pass decides every message; the three tables are written from it in turn.
    plan = []
    for n in range(count):
        at_ms = int(start_ms + n * step)
        roll = rng.random()
        status = "succeeded" if roll < 0.97 else "failed" if roll < 0.99 else "pending"
        channel = "rare" if rng.random() < 0.001 else "vip" if rng.random() < 0.1 else None
        plan.append(
            (
                id_at("msg", at_ms, rng),
                at_ms,
                EVENT_TYPES[n % len(EVENT_TYPES)],
                status,
                channel,
                rng.random() < 0.3,
            )
        )

    def ts(at_ms: int) -> datetime:
        return datetime.fromtimestamp(at_ms / 1000, UTC)

    def messages() -> Iterator[tuple[Any, ...]]:
        for n, (msg_id, at_ms, event_type, _, channel, _) in enumerate(plan):
            channels = f'["{channel}"]' if channel else None
            yield (msg_id, tenant_id, event_type, f"evt_{n}", channels, ts(at_ms))

    def deliveries() -> Iterator[tuple[Any, ...]]:
        for msg_id, at_ms, _, status, _, to_b in plan:
            for endpoint_id, st in [(endpoints[0], status)] + (
                [(endpoints[1], "succeeded")] * to_b
            ):
                at = ts(at_ms)
                next_at = at if st == "pending" else None
                yield (
                    id_at("dlv", at_ms, rng),
                    tenant_id,
                    msg_id,
                    endpoint_id,
                    st,
                    1 if st == "succeeded" else 8 if st == "failed" else 0,
                    next_at,
                    None if st == "pending" else at,
                    "scheduled",
                    at,
                    at,
                )

    def channels() -> Iterator[tuple[Any, ...]]:
        for msg_id, _, _, _, channel, _ in plan:
            if channel:
                yield (tenant_id, channel, msg_id)

    yield (
        "messages",
        ("id", "tenant_id", "event_type", "event_id", "channels", "created_at"),
        messages(),
    )
    yield (
        "deliveries",
        (
            "id",
            "tenant_id",
            "message_id",
            "endpoint_id",
            "status",
            "attempt_count",
            "next_attempt_at",
            "last_attempt_at",
            "trigger",
            "created_at",
            "updated_at",
        ),
        deliveries(),
    )
    yield ("message_channels", ("tenant_id", "channel", "message_id"), channels())


def start_api(stack: Stack, database_url: str, broker_url: str) -> Service:
    """``hookrelay migrate`` then ``hookrelay api`` on the database (``hookrelay api`` needs a
    real broker: a fresh RabbitMQ vhost; nothing is published)."""
    port, admin_key = free_port(), "hr_bench_log_key"
    env = service_env(stack.workdir, port, admin_key, {}) | {
        "HOOKRELAY_DATABASE_URL": database_url,
        "HOOKRELAY_BROKER_URL": broker_url,
        "HOOKRELAY_SECRET_KEY": Fernet.generate_key().decode(),
    }
    subprocess.run([str(HOOKRELAY), "migrate"], cwd=stack.workdir, env=env, check=True)
    stack.start("api", [str(HOOKRELAY), "api"], env)
    service = Service(f"http://127.0.0.1:{port}", admin_key)
    wait_ready(service, stack)
    return service


def seed(service: Service, database_url: str, count: int) -> tuple[str, list[str]]:
    """Tenant ``bench`` with endpoints A and B through the API, then ``count`` messages loaded;
    the tenant's id and the endpoints' ids."""
    with service.client(timeout_seconds=120) as client:
        client.post("/api/v1/tenants", json={"uid": "bench", "name": "Bench"})
        tenant_id: str = client.get("/api/v1/tenants/bench").json()["id"]
        endpoints = [
            client.post(
                "/api/v1/tenants/bench/endpoints",
                json={"url": "https://example.com/hook", "description": name},
            ).json()["id"]
            for name in ("A", "B")
        ]
    load(database_url, tenant_id, endpoints, count)
    return tenant_id, endpoints


# -- measuring --------------------------------------------------------------------------------


MESSAGES = "/api/v1/tenants/bench/messages"
UNDELIVERED = "/api/v1/tenants/bench/undelivered"


def cases(endpoints: list[str]) -> list[tuple[str, str, dict[str, str]]]:
    """(name, path, query) of each timed list; the messages list's cases also get a plan."""
    middle = (datetime.now(UTC) - timedelta(days=DAYS / 2)).isoformat()
    oldest = id_bound("msg", datetime.now(UTC) - timedelta(days=DAYS - 1))
    listed = [
        ("none", {}),
        ("event_type", {"event_type": EVENT_TYPES[3]}),
        ("status=failed", {"status": "failed"}),
        ("status=succeeded", {"status": "succeeded"}),
        ("endpoint A", {"endpoint_id": endpoints[0]}),
        ("endpoint B + status=succeeded", {"endpoint_id": endpoints[1], "status": "succeeded"}),
        ("channel=vip", {"channel": "vip"}),
        ("channel=rare", {"channel": "rare"}),
        ("event_id", {"event_id": "evt_500000"}),
        ("before=15 days ago", {"before": middle}),
        ("after+before (1 day)", {"after": middle, "before": _plus_day(middle)}),
        ("event_type + status=failed", {"event_type": EVENT_TYPES[3], "status": "failed"}),
        ("cursor 29 days back", {"cursor": oldest}),
    ]
    return [(name, MESSAGES, params) for name, params in listed] + [
        ("undelivered report", UNDELIVERED, {}),
        ("undelivered, 1 day window", UNDELIVERED, {"after": middle, "before": _plus_day(middle)}),
        ("undelivered, endpoint A", UNDELIVERED, {"endpoint_id": endpoints[0]}),
    ]


def _plus_day(iso: str) -> str:
    return (datetime.fromisoformat(iso) + timedelta(days=1)).isoformat()


def timed_get(
    client: httpx.Client, path: str, params: dict[str, str]
) -> tuple[float, dict[str, Any]]:
    started = time.perf_counter()
    response = client.get(path, params=params)
    elapsed_ms = (time.perf_counter() - started) * 1000
    response.raise_for_status()
    return elapsed_ms, response.json()


def measure(
    client: httpx.Client, path: str, params: dict[str, str], *, repeat: int, pages: int
) -> dict[str, Any]:
    params = {**params, "limit": "50"}
    first = [timed_get(client, path, params) for _ in range(repeat)]
    first_ms = statistics.median(t for t, _ in first)
    rows = len(first[0][1]["data"])
    deep: list[float] = []
    cursor = first[0][1]["next_cursor"]
    while cursor and len(deep) < pages:
        elapsed, body = timed_get(client, path, {**params, "cursor": cursor})
        deep.append(elapsed)
        cursor = body["next_cursor"]
    return {
        "first_ms": first_ms,
        "rows": rows,
        "pages": len(deep),
        "deep_median_ms": statistics.median(deep) if deep else None,
        "deep_max_ms": max(deep) if deep else None,
    }


def explain(database_url: str, tenant_id: str, params: dict[str, str]) -> str:
    """PostgreSQL's plan (EXPLAIN ANALYZE) of the first page's query for ``params``."""
    import psycopg
    from sqlalchemy.dialects import postgresql

    from app.messages.repository import list_query
    from app.messages.schemas import MessageFilter

    values: dict[str, Any] = dict(params)
    cursor = values.pop("cursor", None)
    for key in ("after", "before"):
        if key in values:
            values[key] = datetime.fromisoformat(values[key])
    query = list_query(tenant_id, MessageFilter(**values), cursor=cursor, limit=50)
    sql = str(query.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))
    with psycopg.connect(database_url) as conn:
        plan = conn.execute(f"EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {sql}").fetchall()
    return "\n".join(row[0] for row in plan)


# -- reporting --------------------------------------------------------------------------------


def fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def table(count: int, results: list[tuple[str, dict[str, Any]]]) -> str:
    lines = [
        f"### Delivery log, {count} messages — {datetime.now(UTC):%Y-%m-%d %H:%M} UTC, "
        f"{commit()}, {machine()}",
        "",
        "| list, filter | rows | first page ms (median) | deep pages | deep page ms median | worst |",
        "|---|---|---|---|---|---|",
    ]
    for name, r in results:
        lines.append(
            f"| {name} | {r['rows']} | {fmt(r['first_ms'])} | {r['pages']} | "
            f"{fmt(r['deep_median_ms'])} | {fmt(r['deep_max_ms'])} |"
        )
    return "\n".join(lines) + "\n"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=5, help="first-page requests per filter")
    parser.add_argument("--pages", type=int, default=20, help="pages followed by cursor")
    parser.add_argument("--no-record", action="store_true", help="do not append to RESULTS.md")
    parser.add_argument("--explain", action="store_true", help="print each first page's plan")
    return parser.parse_args(argv)


@contextmanager
def api_on_fresh_database() -> Iterator[tuple[str, Service]]:
    """A fresh PostgreSQL database and RabbitMQ vhost, and ``hookrelay api`` on them."""
    with (
        fresh_database() as url,
        fresh_rabbitmq_vhost() as broker_url,
        tempfile.TemporaryDirectory() as workdir,
    ):
        stack = Stack(Path(workdir))
        try:
            yield url, start_api(stack, url, broker_url)
        finally:
            stack.stop_all()


def record(report: str, *, no_record: bool) -> None:
    """Print a bench's table and append it to RESULTS.md (unless ``no_record``)."""
    print("\n" + report)
    if not no_record:
        with RESULTS.open("a") as file:
            file.write("\n" + report)
        print(f"appended to {RESULTS.relative_to(REPO_ROOT)}")


def main(argv: Sequence[str] | None = None) -> None:
    args = parse_args(argv)
    with api_on_fresh_database() as (url, service):
        tenant_id, endpoints = seed(service, url, args.messages)
        with service.client(timeout_seconds=120) as client:
            results = []
            for name, path, params in cases(endpoints):
                result = measure(client, path, params, repeat=args.repeat, pages=args.pages)
                results.append((name, result))
                print(f"{name:32} {result}", flush=True)
                if args.explain and path == MESSAGES:
                    print(explain(url, tenant_id, params), flush=True)
    record(table(args.messages, results), no_record=args.no_record)


if __name__ == "__main__":
    main()

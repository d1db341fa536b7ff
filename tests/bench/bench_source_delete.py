"""Source delete: how long the DELETE's transaction takes with a history of N events, the soft
delete (now) against the cascade it replaced (the baseline, measured alternately in the same
run), and the retention round that purges the soft-deleted history afterwards.

    .venv/bin/python tests/bench/bench_source_delete.py                 # prints, appends to RESULTS.md
    .venv/bin/python tests/bench/bench_source_delete.py --sizes 2000 --trials 1 --no-record

On a scratch PostgreSQL database (``HOOKRELAY_TEST_POSTGRES_URL``, migrated). Per size and trial:
two sources, each with one destination and a history of N accepted events (message, payload, a
delivered delivery with one attempt, a dedup key) and N rejected records, inserted in bulk; one
is deleted as ``DELETE /api/v1/sources/{id}`` now does (``service.delete`` and its commit), the
other as it did before (one ``DELETE`` of its hidden tenant, cascading), the order alternating by
trial. Then ``purge_once`` (batches of ``retention_batch_size``, 1,000) removes the soft-deleted
history; its longest transaction is what a concurrent writer could wait behind.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from cryptography.fernet import Fernet  # noqa: E402
from sqlalchemy import event, text  # noqa: E402

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Source delete (tests/bench/bench_source_delete.py)"
POSTGRES_ADMIN_URL = os.environ.get(
    "HOOKRELAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SECRET_KEY = Fernet.generate_key().decode()


async def make_source(sessions: Any, box: Any, name: str, size: int) -> dict[str, Any]:
    from app.models import Tenant
    from app.sources import service
    from app.sources.schemas import SourceCreate
    from tests.factories import create_endpoint
    from tests.integration.test_source_delete import insert_inbound_history

    async with sessions() as session:
        source = await service.create(session, SourceCreate(name=name, provider="none"), box)
        tenant = await session.get_one(Tenant, source.tenant_id)
        endpoint = await create_endpoint(session, tenant, url="http://10.0.0.1/d")
        endpoint.destination = True
        await session.commit()
        made = {"id": source.id, "tenant_id": source.tenant_id, "endpoint_id": endpoint.id}
    await insert_inbound_history(sessions, made, made["endpoint_id"], count=size)
    return made


async def soft_delete(sessions: Any, source: dict[str, Any]) -> float:
    from app.sources import service

    started = time.perf_counter()
    async with sessions() as session:
        await service.delete(session, source["id"])
        await session.commit()
    return time.perf_counter() - started


async def cascade_delete(sessions: Any, source: dict[str, Any]) -> float:
    """What ``DELETE /api/v1/sources/{id}`` did before: its tenant, with everything it holds."""
    started = time.perf_counter()
    async with sessions() as session:
        await session.execute(text("SELECT id FROM sources WHERE id = :id"), {"id": source["id"]})
        await session.execute(
            text("DELETE FROM tenants WHERE id = :id"), {"id": source["tenant_id"]}
        )
        await session.commit()
    return time.perf_counter() - started


async def purge(settings: Any, engine: Any, sessions: Any) -> tuple[float, float, int]:
    """``purge_once``: its wall time, its longest transaction, and the rows it removed."""
    from workers.scheduler import purge_once

    began: dict[int, float] = {}
    longest = [0.0]

    def on_begin(conn: Any) -> None:
        began[id(conn)] = time.perf_counter()

    def on_commit(conn: Any) -> None:
        if id(conn) in began:
            longest[0] = max(longest[0], time.perf_counter() - began.pop(id(conn)))

    event.listen(engine.sync_engine, "begin", on_begin)
    event.listen(engine.sync_engine, "commit", on_commit)
    try:
        started = time.perf_counter()
        rows = await purge_once(settings, sessions)
        return time.perf_counter() - started, longest[0], rows
    finally:
        event.remove(engine.sync_engine, "begin", on_begin)
        event.remove(engine.sync_engine, "commit", on_commit)


async def bench(sizes: Sequence[int], trials: int) -> list[dict[str, Any]]:
    import psycopg

    from app.config import load_settings
    from app.db import create_engine, migrate, session_factory
    from app.kit.crypto import SecretBox

    name = f"hookrelay_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    results = []
    try:
        migrate(url)
        settings = load_settings(
            environ={},
            database_url=url,
            secret_key=SECRET_KEY,
            data_dir=tempfile.mkdtemp(prefix="hookrelay-bench-"),
        )
        engine = create_engine(url)
        sessions = session_factory(engine)
        box = SecretBox(SECRET_KEY)
        # Warm-up: both paths compiled and cached once, so the first trial measures no setup.
        await soft_delete(sessions, await make_source(sessions, box, "warm-soft", 1))
        await cascade_delete(sessions, await make_source(sessions, box, "warm-cascade", 1))
        await purge(settings, engine, sessions)
        for size in sizes:
            for trial in range(trials):
                soft = await make_source(sessions, box, f"soft-{size}-{trial}", size)
                cascade = await make_source(sessions, box, f"cascade-{size}-{trial}", size)
                async with engine.connect() as conn:  # fresh statistics for both, equally
                    await conn.execute(text("ANALYZE"))
                if trial % 2:
                    cascade_s = await cascade_delete(sessions, cascade)
                    soft_s = await soft_delete(sessions, soft)
                else:
                    soft_s = await soft_delete(sessions, soft)
                    cascade_s = await cascade_delete(sessions, cascade)
                purge_s, longest_s, rows = await purge(settings, engine, sessions)
                results.append(
                    {
                        "size": size,
                        "soft_ms": soft_s * 1000,
                        "cascade_ms": cascade_s * 1000,
                        "purge_s": purge_s,
                        "longest_ms": longest_s * 1000,
                        "rows": rows,
                    }
                )
                print(
                    f"history {size}: soft {soft_s * 1000:.1f} ms, cascade {cascade_s * 1000:.1f} ms,"
                    f" purge {purge_s:.2f} s ({rows} rows, longest transaction"
                    f" {longest_s * 1000:.1f} ms)",
                    flush=True,
                )
        await engine.dispose()
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    return results


def span(values: Sequence[float], digits: int = 1) -> str:
    return f"{min(values):.{digits}f}-{max(values):.{digits}f}"


def rows_of(results: list[dict[str, Any]], trials: int, notes: str) -> list[str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    load = "load average " + "/".join(f"{x:.1f}" for x in os.getloadavg())
    lines = []
    for size in sorted({r["size"] for r in results}):
        mine = [r for r in results if r["size"] == size]
        soft = [r["soft_ms"] for r in mine]
        cascade = [r["cascade_ms"] for r in mine]
        ratios = [r["cascade_ms"] / r["soft_ms"] for r in mine]
        purge_rate = [r["rows"] / r["purge_s"] for r in mine]
        lines.append(
            f"| {when} | {commit} | x86_64, {os.cpu_count()} CPU, AMD EPYC | {trials} | {size} "
            f"| {span(soft)} | {span(cascade)} | {span(ratios)} | {span([r['purge_s'] for r in mine], 2)} "
            f"({span(purge_rate, 0)} rows/s) | {span([r['longest_ms'] for r in mine])} "
            f"| {load}{'; ' + notes if notes else ''} |"
        )
    return lines


def record(lines: list[str]) -> None:
    text_ = RESULTS.read_text()
    if SECTION not in text_:
        text_ += (
            f"\n{SECTION}\n\nThe DELETE's transaction (lookup, UPDATEs or the DELETE, commit) on "
            "PostgreSQL with a source holding N accepted events (each a message, payload, "
            "delivered delivery, attempt and dedup key) and N rejected records: the soft delete "
            "against the cascading delete it replaced, measured alternately in the same run "
            "(ratio = cascade / soft, per trial), then the retention round that purges the "
            "soft-deleted history (every row of it) in batches of 1,000 and its longest "
            "transaction. Ranges are min-max over the trials.\n\n"
            "| date | commit | machine | trials | N events | soft delete ms | cascade delete ms "
            "| ratio | purge s (rows/s) | longest purge transaction ms | notes |\n"
            "|---|---|---|---|---|---|---|---|---|---|---|\n"
        )
    RESULTS.write_text(text_ + "".join(line + "\n" for line in lines))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="2000,20000")
    parser.add_argument("--trials", type=int, default=3)
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--notes", default="")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    results = asyncio.run(bench(sizes, args.trials))
    lines = rows_of(results, args.trials, args.notes)
    print("\n".join(lines))
    if not args.no_record:
        record(lines)


if __name__ == "__main__":
    main()

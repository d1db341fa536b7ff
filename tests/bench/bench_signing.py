"""Signing cost: the worker's CPU per delivery for v1 (HMAC), v1a (ed25519) and both, and what
the two columns that v1a added to the claim cost.

    .venv/bin/python tests/bench/bench_signing.py              # prints, appends to RESULTS.md
    .venv/bin/python tests/bench/bench_signing.py --no-record

1. Signing: the worker's signing step of one try as ``workers.delivery.try_delivery`` runs it
   (the active secrets and keys, already decrypted by the process's cache, then the three headers)
   for a 1 KB body; the best of 5 rounds of process CPU time, per delivery.
2. Claim: the PostgreSQL claim of ``--claim-rows`` (500) deliveries of a v1 endpoint, the statement
   as it is and as it was before v1a (without ``signature_scheme`` and ``signing_keys``), on a
   scratch database; the median of ``--claim-rounds`` (40) claims each, wall and process CPU.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import secrets
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HOOKRELAY_SECRET_KEY", "x")

from cryptography.fernet import Fernet  # noqa: E402

from app.kit.crypto import SecretBox  # noqa: E402
from app.kit.signing import (  # noqa: E402
    active_secrets,
    active_signing_keys,
    generate_secret,
    generate_signing_key,
    signature_headers,
)

RESULTS = Path(__file__).with_name("RESULTS.md")
SECTION = "## Signing cost (tests/bench/bench_signing.py)"
BODY = b'{"data":"' + b"x" * 1000 + b'"}'
POSTGRES_ADMIN_URL = os.environ.get(
    "HOOKRELAY_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def signing_step(box: SecretBox, scheme: str, keys: int) -> Callable[[], dict[str, str]]:
    """One try's signing as the worker does it, for an endpoint with ``keys`` active keys per
    scheme it uses (2: during a rotation)."""
    now = datetime.now(UTC)
    expires = (now + timedelta(hours=1)).isoformat()
    secret_encrypted = box.encrypt(generate_secret())
    old_secrets = [{"secret_encrypted": box.encrypt(generate_secret()), "expires_at": expires}]
    signing_keys: list[dict[str, Any]] = [
        {"secret_encrypted": box.encrypt(generate_signing_key()), "expires_at": None},
        {"secret_encrypted": box.encrypt(generate_signing_key()), "expires_at": expires},
    ][:keys]
    old = old_secrets[: keys - 1]

    def step() -> dict[str, str]:
        secrets_ = (
            active_secrets(secret_encrypted, old, now=now, decrypt=box.decrypt)
            if scheme != "v1a"
            else ()
        )
        keys_ = (
            active_signing_keys(signing_keys, now=now, decrypt=box.decrypt)
            if scheme != "v1"
            else ()
        )
        return signature_headers(
            secrets_, msg_id="msg_x", timestamp=now, body=BODY, signing_keys=keys_
        )

    return step


def cpu_us_per_call(step: Callable[[], object], calls: int, *, rounds: int = 5) -> float:
    step()  # warm the caches, as a running worker's are
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(calls):
            step()
        best = min(best, (time.process_time() - started) / calls)
    return best * 1e6


def bench_signing() -> list[tuple[str, float]]:
    box = SecretBox(Fernet.generate_key().decode())
    cases = [("v1", 1, 20_000), ("v1a", 1, 4_000), ("both", 1, 4_000), ("v1a", 2, 2_000)]
    results = []
    for scheme, keys, calls in cases:
        label = scheme if keys == 1 else f"{scheme}, rotating ({keys} keys)"
        results.append((label, cpu_us_per_call(signing_step(box, scheme, keys), calls)))
    return results


async def bench_claim(rows: int, rounds: int) -> dict[str, tuple[float, float]]:
    import psycopg
    from sqlalchemy import text

    from app.db import create_engine, migrate, session_factory
    from app.deliveries import repository
    from tests.factories import create_endpoint, create_tenant, publish

    name = f"hookrelay_bench_{secrets.token_hex(4)}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    try:
        migrate(url)
        engine = create_engine(url)
        sessions = session_factory(engine)
        async with sessions() as session:
            tenant = await create_tenant(session)
            await create_endpoint(session, tenant)
            for _ in range(rows):
                await publish(session, tenant)
            await session.commit()
            ids = list(await session.scalars(text("SELECT id FROM deliveries")))
        statements = {"before v1a": _claim_before_v1a(), "with v1a columns": None}
        timings = {
            label: await _time_claims(sessions, ids, statement, rounds)
            for label, statement in statements.items()
        }
        # Again in the other order, so neither one has the warmer cache; keep each one's best.
        for label, statement in reversed(list(statements.items())):
            again = await _time_claims(sessions, ids, statement, rounds)
            timings[label] = min(timings[label], again)
        await engine.dispose()
        del repository
        return timings
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _claim_before_v1a() -> Any:
    from app.deliveries import repository

    sql = str(repository._CLAIM_FOR_SEND_PG.element).replace(
        ", e.signature_scheme, e.signing_keys", ""
    )
    assert sql != str(repository._CLAIM_FOR_SEND_PG.element)
    from sqlalchemy import text

    return (
        text(sql)
        .bindparams(*repository._CLAIM_FOR_SEND_PG.element._bindparams.values())
        .columns(*repository._CLAIM_COLUMNS[:-2])
    )


async def _time_claims(
    sessions: Any, ids: Sequence[str], statement: Any, rounds: int
) -> tuple[float, float]:
    from sqlalchemy import text

    from app.deliveries import repository

    original, original_type = repository._CLAIM_FOR_SEND_PG, repository.ClaimedDelivery
    if statement is not None:
        # The claim as it was: its rows become the tuple type of its columns.
        repository._CLAIM_FOR_SEND_PG = statement
        fields = tuple(
            f for f in original_type._fields if f not in ("signature_scheme", "signing_keys")
        )
        repository.ClaimedDelivery = collections.namedtuple("ClaimedDelivery", fields)  # type: ignore[assignment, misc]
    walls, cpus = [], []
    try:
        for _ in range(rounds):
            async with sessions() as session:
                now = datetime.now(UTC)
                wall, cpu = time.perf_counter(), time.process_time()
                claimed = await repository.claim_for_send(
                    session,
                    ids,
                    now=now + timedelta(minutes=1),
                    lease_until=now + timedelta(hours=1),
                )
                walls.append(time.perf_counter() - wall)
                cpus.append(time.process_time() - cpu)
                assert len(claimed) == len(ids)
                await session.execute(text("UPDATE deliveries SET lease_until = NULL"))
                await session.commit()
    finally:
        repository._CLAIM_FOR_SEND_PG, repository.ClaimedDelivery = original, original_type
    return statistics.median(walls) * 1000, statistics.median(cpus) * 1000


def record(lines: list[str]) -> None:
    text_ = RESULTS.read_text()
    if SECTION not in text_:
        text_ += (
            f"\n{SECTION}\n\nWorker CPU per delivery for the signing step alone (1 KB body), "
            "and the PostgreSQL claim of a batch of deliveries of a v1 endpoint before and after "
            "v1a added two columns to it. One row per measurement.\n\n"
            "| date | commit | machine | measurement | result | notes |\n|---|---|---|---|---|---|\n"
        )
    RESULTS.write_text(text_ + "".join(line + "\n" for line in lines))


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--claim-rows", type=int, default=500)
    parser.add_argument("--claim-rounds", type=int, default=40)
    parser.add_argument("--no-claim", action="store_true")
    parser.add_argument("--no-record", action="store_true")
    parser.add_argument("--notes", default="")
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT / "tests" / "bench"))
    from bench_delivery import machine, work_tree_commit

    stamp, commit, where = (
        datetime.now(UTC).strftime("%Y-%m-%d %H:%M"),
        work_tree_commit(),
        machine(),
    )
    lines = []
    signing = bench_signing()
    v1_us = signing[0][1]
    for label, us in signing:
        ratio = "" if label == "v1" else f" ({us / v1_us:.0f} x v1)"
        lines.append(
            f"| {stamp} | {commit} | {where} | sign {label} | {us:.1f} µs CPU/delivery{ratio} | {args.notes} |"
        )
    if not args.no_claim:
        claim = asyncio.run(bench_claim(args.claim_rows, args.claim_rounds))
        for label, (wall_ms, cpu_ms) in claim.items():
            lines.append(
                f"| {stamp} | {commit} | {where} | claim {args.claim_rows} rows, {label} | "
                f"{wall_ms:.2f} ms wall, {cpu_ms:.2f} ms CPU (median) | {args.notes} |"
            )
    print("\n".join(lines))
    if not args.no_record:
        record(lines)


if __name__ == "__main__":
    main()

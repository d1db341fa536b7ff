"""The attempt roll-up on both databases: written by the worker's record path, equal to what the
raw attempts give (counts exact, percentiles within app.kit.histogram.ERROR_BOUND), safe under
two workers recording at once, purged by retention, and filled by migration 0011."""

from __future__ import annotations

import asyncio
import math
import random
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import psycopg
from alembic import command
from litestar.testing import AsyncTestClient
from sqlalchemy import create_engine, insert, select, text

from app.config import Settings
from app.db import migrate, sync_url
from app.deliveries import repository, rollup
from app.deliveries.log import STATS_WINDOWS
from app.kit.clock import utc_now
from app.kit.histogram import ERROR_BOUND
from app.kit.ids import new_id
from app.models import ATTEMPT_ROLLUPS, Attempt, Delivery
from app.models.attempt_rollup import HOUR, MINUTE
from tests.conftest import POSTGRES_ADMIN_URL, Clock, _pg_url
from tests.factories import create_endpoint, create_tenant, publish, send_deliveries
from tests.integration.conftest import queued_delivery_ids
from tests.integration.receiver import Receiver
from tests.integration.test_migrations import alembic_config
from workers.delivery import DeliveryContext
from workers.scheduler import purge_once

Client = AsyncTestClient[Any]
TENANT = "/api/v1/tenants/acme"


async def rollup_rows(sessions: Any) -> list[dict[str, Any]]:
    """Every roll-up row with its histogram as the same dicts ``rollup.fold`` makes, by key."""
    async with sessions() as session:
        found = await session.execute(select(ATTEMPT_ROLLUPS).order_by(*ATTEMPT_ROLLUPS.c))
        return [dict(row._mapping) for row in found]


async def raw_attempts(sessions: Any) -> list[dict[str, Any]]:
    async with sessions() as session:
        found = await session.scalars(select(Attempt))
        return [
            {
                "endpoint_id": a.endpoint_id,
                "status": a.status,
                "status_code": a.status_code,
                "error_kind": a.error_kind,
                "duration_ms": a.duration_ms,
                "created_at": a.created_at,
                "trigger": a.trigger,
            }
            for a in found
        ]


def attempt_row(endpoint_id: str, delivery: Delivery, at: datetime, rng: random.Random) -> Any:
    """One attempt row as the worker records it: a random outcome and a log-normal duration."""
    kind = rng.choice(["ok", "ok", "ok", "500", "404", "timeout", "connection"])
    code = {"ok": 200, "500": 500, "404": 404}.get(kind)
    return {
        "id": new_id("att"),
        "tenant_id": delivery.tenant_id,
        "delivery_id": delivery.id,
        "message_id": delivery.message_id,
        "endpoint_id": endpoint_id,
        "attempt_number": 1,
        "status": "succeeded" if kind == "ok" else "failed",
        "status_code": code,
        "request_headers": None,
        "response_headers": None,
        "response_body": "",
        "duration_ms": min(int(rng.lognormvariate(4.5, 1.0)), 60_000),
        "error_kind": None if kind == "ok" else ("http_status" if code else kind),
        "error_detail": None,
        "trigger": "scheduled",
        "created_at": at,
    }


async def spread_attempts(sessions: Any, *, count: int, span: timedelta, seed: int) -> str:
    """An endpoint with ``count`` attempts at random times over the last ``span``, recorded in
    batches through the worker's record path; the endpoint's id."""
    rng = random.Random(seed)
    now = utc_now()
    async with sessions() as session:
        tenant = await create_tenant(session)
        endpoint = await create_endpoint(session, tenant)
        await publish(session, tenant)
        await session.commit()
        delivery = await session.scalar(select(Delivery))
        assert delivery is not None
        rows = [
            attempt_row(endpoint.id, delivery, now - span * rng.random(), rng) for _ in range(count)
        ]
        for start in range(0, count, 50):
            await repository.record(session, rows[start : start + 50], [])
        await session.commit()
    return endpoint.id


def exact_stats(attempts: list[dict[str, Any]], since: datetime) -> dict[str, Any]:
    """What the stats answer from raw attempts: counts by outcome, nearest-rank percentiles."""
    inside = [a for a in attempts if a["created_at"] >= since]
    outcomes: dict[str, int] = {}
    for a in inside:
        code = a["status_code"]
        key = rollup.outcome_of(a["status"], a["error_kind"], None if code is None else code // 100)
        outcomes[key] = outcomes.get(key, 0) + 1
    durations = sorted(a["duration_ms"] for a in inside)
    ranks = {name: p for name, p in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99))}
    return {
        "outcomes": outcomes,
        "duration_ms": {
            name: durations[max(math.ceil(p * len(durations)) - 1, 0)] if durations else None
            for name, p in ranks.items()
        },
    }


class TestRollupEqualsRawAttempts:
    async def test_the_worker_rolls_up_every_attempt_it_records_manual_ones_included(
        self, client: Client, sessions: Any, ctx: DeliveryContext, receiver: Receiver, broker: Any
    ) -> None:
        # Given two endpoints, one answering 200 and one answering 500, four messages each
        receiver.on("/bad", 500, 500, 500, 500)
        async with sessions() as session:
            tenant = await create_tenant(session)
            good = await create_endpoint(session, tenant, url=receiver.url("/good"))
            bad = await create_endpoint(session, tenant, url=receiver.url("/bad"))
            for _ in range(4):
                await publish(session, tenant)
            await session.commit()
            ids = list(await session.scalars(select(Delivery.id)))
        # When the worker tries them, and a manual resend is tried too
        await send_deliveries(ctx, ids)
        async with sessions() as session:
            delivered = await session.scalar(
                select(Delivery).where(Delivery.endpoint_id == good.id)
            )
            assert delivered is not None
        resent = await client.post(
            f"{TENANT}/messages/{delivered.message_id}/endpoints/{good.id}/resend"
        )
        assert resent.status_code in (200, 202), resent.text
        await send_deliveries(ctx, queued_delivery_ids(broker), trigger="manual")

        # Then the roll-up holds exactly what the attempts give, minutes and hours
        attempts = await raw_attempts(sessions)
        assert len(attempts) == 9 and sum(a["trigger"] == "manual" for a in attempts) == 1
        assert await rollup_rows(sessions) == rollup.fold(attempts)
        stats = (await client.get(f"{TENANT}/endpoints/{bad.id}/stats")).json()
        assert stats["windows"][0]["outcomes"] == {"http_5xx": 4}
        good_stats = (await client.get(f"{TENANT}/endpoints/{good.id}/stats")).json()
        assert good_stats["windows"][0]["outcomes"] == {"succeeded": 5}

    async def test_stats_match_raw_attempts_counts_exact_percentiles_within_the_bound(
        self, client: Client, sessions: Any
    ) -> None:
        # Given 1,500 attempts over 8 days (each window's ragged start has some)
        endpoint = await spread_attempts(sessions, count=1500, span=timedelta(days=8), seed=7)
        attempts = await raw_attempts(sessions)

        answer = (await client.get(f"{TENANT}/endpoints/{endpoint}/stats")).json()

        assert [w["window"] for w in answer["windows"]] == list(STATS_WINDOWS)
        for window in answer["windows"]:
            since = datetime.fromisoformat(window["since"])
            exact = exact_stats(attempts, since)
            assert window["outcomes"] == exact["outcomes"], window["window"]
            assert window["total"] == sum(exact["outcomes"].values())
            assert window["succeeded"] == exact["outcomes"].get("succeeded", 0)
            for name, value in exact["duration_ms"].items():
                found = window["duration_ms"][name]
                assert abs(found - value) <= ERROR_BOUND * value, (window["window"], name)

    async def test_series_match_raw_attempts_bucket_by_bucket(
        self, client: Client, sessions: Any
    ) -> None:
        endpoint = await spread_attempts(sessions, count=1200, span=timedelta(days=31), seed=3)
        attempts = await raw_attempts(sessions)
        path = f"{TENANT}/endpoints/{endpoint}/stats/series"
        for window in ("1h", "24h", "7d", "30d"):
            answer = (await client.get(path, params={"window": window})).json()
            step = timedelta(seconds=answer["bucket_seconds"])
            for point in answer["points"]:
                start = datetime.fromisoformat(point["start"])
                inside = [a for a in attempts if start <= a["created_at"] < start + step]
                ok = [a for a in inside if a["status"] == "succeeded"]
                assert (point["succeeded"], point["failed"]) == (len(ok), len(inside) - len(ok))
                mean = (
                    round(sum(a["duration_ms"] for a in inside) / len(inside)) if inside else None
                )
                assert point["mean_duration_ms"] == mean
            # the window's answer holds every attempt since its first bucket
            first = datetime.fromisoformat(answer["points"][0]["start"])
            total = sum(p["succeeded"] + p["failed"] for p in answer["points"])
            assert total == sum(a["created_at"] >= first for a in attempts), window


class TestConcurrentRecording:
    async def test_two_workers_recording_the_same_rows_at_once_lose_nothing(
        self, sessions: Any
    ) -> None:
        # Given two endpoints and one minute and hour that both workers' batches fall into
        rng = random.Random(11)
        async with sessions() as session:
            tenant = await create_tenant(session)
            endpoints = [(await create_endpoint(session, tenant)).id for _ in range(2)]
            await publish(session, tenant)
            await session.commit()
            delivery = await session.scalar(select(Delivery))
            assert delivery is not None
        at = utc_now().replace(second=30)

        async def worker(order: list[str]) -> int:
            """Forty batches, each touching both endpoints' rows (in ``order``: the other
            worker's reverse), each its own transaction, as the worker commits them."""
            recorded = 0
            for _ in range(40):
                rows = [attempt_row(e, delivery, at, rng) for e in order for _ in range(3)]
                async with sessions() as session:
                    await repository.record(session, rows, [])
                    await session.commit()
                recorded += len(rows)
            return recorded

        # When both record at the same time
        done = await asyncio.gather(worker(endpoints), worker(endpoints[::-1]))

        # Then no batch deadlocked or was lost: the roll-up counts all of them, exactly
        attempts = await raw_attempts(sessions)
        assert len(attempts) == sum(done) == 480
        assert await rollup_rows(sessions) == rollup.fold(attempts)


class TestRetention:
    async def test_minute_rows_go_after_two_days_hour_rows_with_the_attempts(
        self, settings: Settings, sessions: Any, clock: Clock
    ) -> None:
        # Given attempts now, and (after the clock moves) 3 and 40 days old
        endpoint = await spread_attempts(sessions, count=20, span=timedelta(minutes=1), seed=1)
        rows = await rollup_rows(sessions)
        assert {r["period_seconds"] for r in rows} == {MINUTE, HOUR}
        clock.advance(3 * 86_400)
        await spread_attempts_now(sessions, endpoint)

        # When retention runs with attempts kept 30 days
        await purge_once(msgspec.structs.replace(settings, attempt_retention_days=30), sessions)

        # Then the old minute rows went, their hour rows stayed; the new ones stayed
        now = int(utc_now().timestamp())
        kept = await rollup_rows(sessions)
        minutes = [r for r in kept if r["period_seconds"] == MINUTE]
        assert minutes and all(now - r["start_epoch_seconds"] < 2 * 86_400 for r in minutes)
        hours = {r["start_epoch_seconds"] for r in kept if r["period_seconds"] == HOUR}
        assert {r["start_epoch_seconds"] for r in rows if r["period_seconds"] == HOUR} <= hours

        # And past the attempts' retention, the hour rows go too
        clock.advance(40 * 86_400)
        await purge_once(msgspec.structs.replace(settings, attempt_retention_days=30), sessions)
        assert await rollup_rows(sessions) == []

    async def test_hour_rows_stay_when_attempts_are_kept_forever(
        self, settings: Settings, sessions: Any, clock: Clock
    ) -> None:
        await spread_attempts(sessions, count=5, span=timedelta(minutes=1), seed=2)
        clock.advance(400 * 86_400)
        forever = msgspec.structs.replace(settings, attempt_retention_days=0)
        await purge_once(forever, sessions)
        kept = await rollup_rows(sessions)
        assert kept and {r["period_seconds"] for r in kept} == {HOUR}


async def spread_attempts_now(sessions: Any, endpoint_id: str) -> None:
    """A few more attempts of the endpoint, now (by the moved clock)."""
    rng = random.Random(5)
    async with sessions() as session:
        delivery = await session.scalar(select(Delivery))
        assert delivery is not None
        rows = [attempt_row(endpoint_id, delivery, utc_now(), rng) for _ in range(5)]
        await repository.record(session, rows, [])
        await session.commit()


class TestBackfill:
    def test_migration_0011_rolls_up_the_attempts_already_stored(
        self, database_url: str, tmp_path: Path
    ) -> None:
        # Given a fresh database at 0010 holding attempts of the last three days
        if database_url.startswith("sqlite"):
            url = f"sqlite:///{tmp_path / 'backfill.db'}"
            dropped = None
        else:
            dropped = f"hookrelay_test_backfill_{secrets.token_hex(4)}"
            with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                conn.execute(f'CREATE DATABASE "{dropped}"')
            url = _pg_url(dropped)
        try:
            config = alembic_config(url)
            command.upgrade(config, "0010")
            engine = create_engine(sync_url(url))
            rng = random.Random(9)
            cut = datetime.now(UTC) - rollup.MINUTE_RETENTION
            times = [utc_now() - timedelta(days=3) * rng.random() for _ in range(600)]
            times = [t for t in times if abs(t - cut) > timedelta(minutes=10)][:300]
            delivery = Delivery(id="dlv_x", tenant_id="tnt_x", message_id="msg_x")
            rows = [attempt_row(f"ep_{i % 3}", delivery, t, rng) for i, t in enumerate(times)]
            with engine.begin() as conn:
                if conn.dialect.name == "postgresql":  # no delivery rows behind these attempts
                    conn.execute(text("SET session_replication_role = replica"))
                conn.execute(insert(Attempt.__table__), rows)

            # When it migrates to 0011
            migrate(url)

            # Then the roll-up is what the worker would have written (minute rows of 2 days)
            with engine.connect() as conn:
                found = conn.execute(select(ATTEMPT_ROLLUPS).order_by(*ATTEMPT_ROLLUPS.c))
                got = [dict(r._mapping) for r in found]
            engine.dispose()
            hours = [r for r in rollup.fold(rows) if r["period_seconds"] == HOUR]
            recent = [r for r in rows if r["created_at"] > cut]
            minutes = [r for r in rollup.fold(recent) if r["period_seconds"] == MINUTE]
            assert got == sorted(hours + minutes, key=lambda r: [r[c] for c in rollup.KEY])
            assert sum(r["attempts"] for r in got if r["period_seconds"] == HOUR) == 300
        finally:
            if dropped is not None:
                with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{dropped}" WITH (FORCE)')

"""An endpoint's attempts as a time series (GET …/stats/series), which the portal's charts read."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.deliveries import repository
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import Delivery

Client = AsyncTestClient[Any]


async def add_attempts(
    sessions: Any, message_id: str, times: list[tuple[datetime, str, int]]
) -> None:
    """Attempts recorded as the worker records them (attempts and roll-up)."""
    async with sessions() as session:
        delivery = await session.scalar(select(Delivery).where(Delivery.message_id == message_id))
        assert delivery is not None
        rows: list[Any] = [
            {
                "id": new_id("atm"),
                "tenant_id": delivery.tenant_id,
                "delivery_id": delivery.id,
                "message_id": message_id,
                "endpoint_id": delivery.endpoint_id,
                "attempt_number": number,
                "status": status,
                "status_code": 200 if status == "succeeded" else 500,
                "response_body": "",
                "duration_ms": duration_ms,
                "error_kind": None if status == "succeeded" else "http_status",
                "trigger": "scheduled",
                "created_at": at,
            }
            for number, (at, status, duration_ms) in enumerate(times, start=1)
        ]
        await repository.record(session, rows, [])
        await session.commit()


async def endpoint_and_message(client: Client) -> tuple[dict[str, Any], dict[str, Any]]:
    """Tenant acme with one endpoint and one message (delivered to it)."""
    await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    endpoint = (
        await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/h"})
    ).json()
    message = (
        await client.post(
            "/api/v1/tenants/acme/messages", json={"event_type": "a.b", "payload": {}}
        )
    ).json()
    return endpoint, message


async def test_series_counts_attempts_per_bucket(client: Client, sessions: Any) -> None:
    endpoint, message = await endpoint_and_message(client)
    now = utc_now()
    await add_attempts(
        sessions,
        message["id"],
        [
            (now - timedelta(minutes=1), "succeeded", 10),
            (now - timedelta(minutes=1), "failed", 30),
            (now - timedelta(hours=5), "failed", 50),
            (now - timedelta(days=3), "succeeded", 70),  # outside 24 h, inside 7 d
        ],
    )
    base = f"/api/v1/tenants/acme/endpoints/{endpoint['id']}/stats/series"
    day = (await client.get(base)).json()
    assert (day["window"], day["bucket_seconds"], len(day["points"])) == ("24h", 3600, 24)
    assert sum(p["succeeded"] for p in day["points"]) == 1
    assert sum(p["failed"] for p in day["points"]) == 2
    last = day["points"][-1]
    assert (last["succeeded"], last["failed"], last["mean_duration_ms"]) == (1, 1, 20)
    starts = [datetime.fromisoformat(p["start"]) for p in day["points"]]
    assert starts == sorted(starts) and starts[-1] <= now < starts[-1] + timedelta(hours=1)
    assert day["points"][0]["mean_duration_ms"] is None  # empty buckets are there too

    week = (await client.get(f"{base}?window=7d")).json()
    assert sum(p["succeeded"] + p["failed"] for p in week["points"]) == 4
    hour = (await client.get(f"{base}?window=1h")).json()
    assert len(hour["points"]) == 60 and sum(p["failed"] for p in hour["points"]) == 1

    refused = await client.get(f"{base}?window=1y")
    assert refused.status_code in (400, 422) and refused.json()["code"]


async def test_the_database_groups_a_bucket_into_one_row(client: Client, sessions: Any) -> None:
    """One row per (bucket, outcome) leaves the database, not one per roll-up row (true
    division once made every attempt its own group: 21 s for a 30-day chart at 1M attempts)."""
    from app.deliveries import rollup

    endpoint, message = await endpoint_and_message(client)
    day_start = utc_now().replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=2)
    times = [(day_start + timedelta(hours=h), "succeeded", h) for h in (1, 7, 20, 23)]
    await add_attempts(sessions, message["id"], times)
    async with sessions() as session:
        rows = await rollup.buckets(
            session,
            [endpoint["id"]],
            first_bucket=int(day_start.timestamp()) // 86_400,
            bucket_seconds=86_400,
        )
    assert [(int(r[1]), bool(r[2]), r[3], r[4]) for r in rows] == [
        (int(day_start.timestamp()) // 86_400, True, 4, 51)
    ]

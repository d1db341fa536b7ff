import asyncio

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.health import repository
from app.kit.jobs import JobQueue

# Readiness is unauthenticated: it is checked at most once per this many seconds per process.
READY_CACHE_SECONDS = 1.0


class Health(msgspec.Struct):
    """Readiness of the process and what it depends on."""

    status: str
    database: str
    broker: str


async def readiness(sessions: async_sessionmaker[AsyncSession], jobs: JobQueue) -> Health:
    """One query and one broker ping, each bounded by 5 s."""
    database = broker = "ok"
    try:
        async with asyncio.timeout(5):
            async with sessions() as session:
                await repository.ping(session)
    except Exception:
        database = "unavailable"
    try:
        await asyncio.wait_for(asyncio.to_thread(jobs.ping), timeout=5)
    except Exception:
        broker = "unavailable"
    ok = database == broker == "ok"
    return Health(status="ok" if ok else "unavailable", database=database, broker=broker)


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="health_live")
    async def live(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", operation_id="health_ready")
    async def ready(self, state: State) -> Response[Health]:
        """200 when the database and the broker answer, 503 otherwise (checked at most once a
        second)."""
        health: Health = await state.readiness.get()
        return Response(health, status_code=200 if health.status == "ok" else 503)

import asyncio

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from app.health import repository


class Health(msgspec.Struct):
    """Readiness of the process and what it depends on."""

    status: str
    database: str
    broker: str


class HealthController(Controller):
    path = "/health"
    tags = ["health"]

    @get("/live", operation_id="health_live")
    async def live(self) -> dict[str, str]:
        """The process is up."""
        return {"status": "ok"}

    @get("/ready", operation_id="health_ready")
    async def ready(self, state: State) -> Response[Health]:
        """200 when the database and the broker answer, 503 otherwise."""
        database = broker = "ok"
        try:
            async with asyncio.timeout(5):
                async with state.sessions() as session:
                    await repository.ping(session)
        except Exception:
            database = "unavailable"
        try:
            await asyncio.wait_for(asyncio.to_thread(state.jobs.ping), timeout=5)
        except Exception:
            broker = "unavailable"
        ok = database == broker == "ok"
        return Response(
            Health(status="ok" if ok else "unavailable", database=database, broker=broker),
            status_code=200 if ok else 503,
        )

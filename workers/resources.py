"""Per-process worker resources (database engine, HTTP client), opened at worker boot on the
AsyncIO middleware's event loop and closed at shutdown."""

from __future__ import annotations

from typing import Any

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from app.config import Settings
from app.db import create_engine, session_factory
from app.kit.crypto import SecretBox
from workers.delivery import DeliveryContext
from workers.http import build_client

_context: DeliveryContext | None = None


def current() -> DeliveryContext:
    if _context is None:
        raise RuntimeError("worker resources are not open (is the Resources middleware installed?)")
    return _context


class Resources(dramatiq.Middleware):
    """Opens the engine and HTTP client after the event loop starts; closes them before it stops."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Any = None

    async def _open(self) -> None:
        global _context
        self._engine = create_engine(
            self.settings.database_url, pool_size=self.settings.worker_threads
        )
        _context = DeliveryContext(
            settings=self.settings,
            sessions=session_factory(self._engine),
            client=build_client(self.settings),
            secret_box=SecretBox(self.settings.secret_key),
        )

    async def _close(self) -> None:
        global _context
        if _context is not None:
            await _context.client.aclose()
            _context = None
        if self._engine is not None:
            await self._engine.dispose()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        assert loop_thread is not None, "the AsyncIO middleware must come first"
        loop_thread.run_coroutine(self._open())

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        loop_thread = get_event_loop_thread()
        if loop_thread is not None:
            loop_thread.run_coroutine(self._close())

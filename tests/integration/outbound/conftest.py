"""The outbound client's tests run on the standard event loop and on uvloop, which the worker
runs: uvloop's transports are not ``asyncio.Transport`` subclasses, and that difference once
broke the client while every test on the standard loop passed."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
import uvloop


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Any]:
    return {"asyncio": asyncio.new_event_loop, "uvloop": uvloop.new_event_loop}

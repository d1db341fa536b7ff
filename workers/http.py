"""The outbound HTTP client: httpx's API on aiohttp's transport (about 5x less CPU per POST here
than httpx's default transport, see tests/bench/RESULTS.md), redirects never followed."""

from __future__ import annotations

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from app.config import Settings

USER_AGENT = "Hookrelay/0.1 (+webhooks)"


def build_client(settings: Settings) -> httpx.AsyncClient:
    """Create inside the event loop that will use it (aiohttp binds its session to that loop)."""
    connector = aiohttp.TCPConnector(
        limit=settings.worker_connections,
        limit_per_host=0,
        ttl_dns_cache=60,
        keepalive_timeout=30,
    )
    session = aiohttp.ClientSession(connector=connector, auto_decompress=False, trust_env=False)
    return httpx.AsyncClient(
        transport=AiohttpTransport(client=session),
        timeout=httpx.Timeout(
            settings.request_timeout_seconds, connect=settings.connect_timeout_seconds
        ),
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )

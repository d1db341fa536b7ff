"""The outbound HTTP client: httpx's API on aiohttp's transport (about 5x less CPU per POST here
than httpx's default transport, see tests/bench/RESULTS.md), redirects never followed.

The egress guard (DESIGN.md guarantee 6) has two halves. ``GuardedResolver`` resolves a name and
drops every address the policy blocks; aiohttp connects only to the addresses it returns, so the
address checked is the address connected to and a rebinding DNS answer cannot slip in between.
aiohttp never asks the resolver about IP literals, so ``GuardedTransport`` checks the host aiohttp
will see (and the https-only rule) before the request leaves httpx.
"""

from __future__ import annotations

import contextlib
import ipaddress
import socket

import aiohttp
import httpx
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from httpx_aiohttp import AiohttpTransport

from app.config import Settings
from app.kit.egress import EgressBlocked, EgressPolicy

USER_AGENT = "Hookrelay/0.1 (+webhooks)"


class GuardedResolver(AbstractResolver):
    """Resolves through ``inner`` and returns only the addresses the egress policy allows."""

    def __init__(self, policy: EgressPolicy, inner: AbstractResolver | None = None) -> None:
        self._policy = policy
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        resolved = await self._inner.resolve(host, port, family)
        reasons = [self._reason(r["host"]) for r in resolved]
        allowed = [r for r, reason in zip(resolved, reasons, strict=True) if reason is None]
        if not allowed:
            found = ", ".join(sorted({r for r in reasons if r})) or "no address"
            raise EgressBlocked(f"{host} resolves only to blocked addresses ({found})")
        return allowed

    async def close(self) -> None:
        await self._inner.close()

    def _reason(self, address: str) -> str | None:
        try:
            return self._policy.is_blocked_ip(ipaddress.ip_address(address))
        except ValueError:  # not an address we can judge: refuse rather than guess
            return "unparseable"


class GuardedTransport(httpx.AsyncBaseTransport):
    """Refuses plain http when https is required and IP-literal hosts the policy blocks."""

    def __init__(self, inner: httpx.AsyncBaseTransport, policy: EgressPolicy) -> None:
        self._inner = inner
        self._policy = policy

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if reason := self._policy.blocked_scheme(request.url.scheme):
            raise EgressBlocked(f"plain http is blocked by the egress policy ({reason})")
        for host in _hosts(request.url):
            if reason := self._policy.blocked_host(host):
                raise EgressBlocked(f"{host} is blocked by the egress policy ({reason})")
        return await self._inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self._inner.aclose()


def _hosts(url: httpx.URL) -> set[str]:
    """The host as httpx parsed it and as aiohttp will (yarl re-parses the URL string)."""
    hosts = {url.host}
    with contextlib.suppress(ValueError):  # a URL yarl cannot parse, aiohttp refuses too
        hosts.add(yarl.URL(str(url)).raw_host or "")
    return hosts - {""}


def build_client(settings: Settings, *, dns: AbstractResolver | None = None) -> httpx.AsyncClient:
    """Create inside the event loop that will use it (aiohttp binds its session to that loop).

    ``dns`` is the resolver under the egress guard (default: aiohttp's); tests pass a fake one.
    """
    policy = EgressPolicy(settings.egress_allow, https_only=settings.egress_https_only)
    connector = aiohttp.TCPConnector(
        limit=settings.worker_connections,
        limit_per_host=0,
        ttl_dns_cache=60,
        keepalive_timeout=30,
        resolver=GuardedResolver(policy, dns),
    )
    session = aiohttp.ClientSession(connector=connector, auto_decompress=False, trust_env=False)
    return httpx.AsyncClient(
        transport=GuardedTransport(AiohttpTransport(client=session), policy),
        timeout=httpx.Timeout(
            settings.request_timeout_seconds, connect=settings.connect_timeout_seconds
        ),
        follow_redirects=False,
        headers={"user-agent": USER_AGENT},
    )

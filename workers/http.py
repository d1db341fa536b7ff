"""The outbound HTTP client that delivers webhooks: aiohttp, redirects never followed.

Why aiohttp and not httpx: per POST to the same receiver, 32 at a time, this machine spent
~250 µs of CPU with aiohttp, ~530 µs with httpx driving the httpx-aiohttp transport directly, and
~765 µs through ``httpx.AsyncClient`` on that transport (~2.8 ms on httpx's default transport).
The try is the hot path of the whole service, so it uses aiohttp (tests/bench/RESULTS.md).

The egress guard (DESIGN.md guarantee 6) has two halves. ``GuardedResolver`` resolves a name and
drops every address the policy blocks; aiohttp connects only to the addresses it returns, so the
address checked is the address connected to and a rebinding DNS answer cannot slip in between.
aiohttp never asks the resolver about IP literals, so ``Sender`` checks the host aiohttp will
connect to (and the https-only rule) before each request.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Mapping

import aiohttp
import yarl
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

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


def check_url(policy: EgressPolicy, url: yarl.URL) -> None:
    """Refuse plain http when https is required, and IP-literal hosts the policy blocks."""
    if reason := policy.blocked_scheme(url.scheme):
        raise EgressBlocked(f"plain http is blocked by the egress policy ({reason})")
    for host in {url.host or "", url.raw_host or ""} - {""}:
        if reason := policy.blocked_host(host):
            raise EgressBlocked(f"{host} is blocked by the egress policy ({reason})")


class Sender:
    """POSTs webhooks through one aiohttp session per worker process, egress-guarded."""

    def __init__(self, settings: Settings, *, dns: AbstractResolver | None = None) -> None:
        """Create inside the event loop that will use it (aiohttp binds its session to that loop).

        ``dns`` is the resolver under the egress guard (default: aiohttp's); tests pass a fake.
        """
        self._policy = EgressPolicy(settings.egress_allow, https_only=settings.egress_https_only)
        # Parsing and checking a URL costs more than signing; endpoints' URLs repeat. A blocked
        # URL raises, which is not cached (it is checked again each time).
        self._target = functools.lru_cache(maxsize=8192)(self._checked)
        connector = aiohttp.TCPConnector(
            limit=settings.worker_connections,
            limit_per_host=0,
            ttl_dns_cache=60,
            keepalive_timeout=30,
            resolver=GuardedResolver(self._policy, dns),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            # The answer is kept as sent (first bytes, for the log), so none is asked compressed:
            # aiohttp would otherwise advertise gzip and the log would hold compressed bytes.
            auto_decompress=False,
            skip_auto_headers=("Accept-Encoding",),
            trust_env=False,
            headers={"user-agent": USER_AGENT},
            timeout=aiohttp.ClientTimeout(
                total=None, sock_connect=settings.connect_timeout_seconds
            ),
        )

    async def post(
        self, url: str, body: bytes, headers: dict[str, str], *, max_body_bytes: int
    ) -> tuple[int, str, dict[str, str]]:
        """POST once; the status, the first ``max_body_bytes`` of the answer, and its headers
        (names lower-cased; at most ``MAX_RESPONSE_HEADERS``, values cut to
        ``MAX_HEADER_VALUE_CHARS``)."""
        async with self._session.post(
            self._target(url), data=body, headers=headers, allow_redirects=False
        ) as response:
            prefix = await _read_prefix(response.content, max_body_bytes)
            return response.status, prefix, _bounded_headers(response.headers)

    def _checked(self, url: str) -> yarl.URL:
        target = yarl.URL(url)
        check_url(self._policy, target)
        return target

    async def aclose(self) -> None:
        await self._session.close()


# What an attempt keeps of the response headers: enough to debug, bounded in size.
MAX_RESPONSE_HEADERS = 50
MAX_HEADER_VALUE_CHARS = 1000


def _bounded_headers(headers: Mapping[str, str]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in headers.items():
        if len(kept) >= MAX_RESPONSE_HEADERS:
            break
        kept.setdefault(name.lower(), value[:MAX_HEADER_VALUE_CHARS])
    return kept


async def _read_prefix(stream: aiohttp.StreamReader, max_bytes: int) -> str:
    chunks: list[bytes] = []
    size = 0
    while size < max_bytes:
        chunk = await stream.read(max_bytes - size)
        if not chunk:
            break
        chunks.append(chunk)
        size += len(chunk)
    return b"".join(chunks).decode("utf-8", errors="replace")


def build_client(settings: Settings, *, dns: AbstractResolver | None = None) -> Sender:
    return Sender(settings, dns=dns)

"""The outbound HTTP client that delivers webhooks: HTTP/1.1 POSTs on llhttp, nothing else.

Why its own client: a try is the hot path of the whole service, and the general-purpose clients
spend most of a worker's CPU on features a webhook POST never uses. Per POST to the same receiver,
32 at a time, this machine spent ~50 µs of CPU here against ~180-260 µs in aiohttp (~530 µs with
httpx on the httpx-aiohttp transport, ~2.8 ms on httpx's default one; tests/bench/RESULTS.md).
It is small because the job is: one method, a body of known length, no redirects (never
followed), no proxies, cookies or compression (the answer is logged as sent), keep-alive per
origin. Parsing is httptools (llhttp, Node.js's parser); TLS is the standard library's, verified.

The egress guard (DESIGN.md guarantee 6) sits where the address is chosen: a URL's scheme and
IP-literal host are checked once per URL, a name is resolved and every address the policy blocks
is dropped, and the socket connects to an address from what is left. The address checked is the
address connected to, so a rebinding DNS answer cannot slip in between. A source's destinations
(internal services, created by admins) go under their own policy (``DESTINATION_ALLOW``), with
their own targets, DNS answers and connections, so nothing of theirs can serve a tenant's POST.
"""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import ipaddress
import re
import socket
import ssl
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

import httptools
import yarl

from app.config import Settings
from app.kit.egress import EgressBlocked, EgressPolicy
from app.kit.ttl_cache import TTLCache

USER_AGENT = "Hookrelay/0.1 (+webhooks)"

# What an attempt keeps of the response headers: enough to debug, bounded in size.
MAX_RESPONSE_HEADERS = 50
MAX_HEADER_VALUE_CHARS = 1000
# A receiver's answer is read this far at most; past it the connection is dropped, not drained.
# Counted per read (no per-byte work on the hot path), so one read may pass a limit: a head that
# arrives whole in one read of up to 256 KiB is parsed; the next read past 64 KiB fails it.
MAX_RESPONSE_HEAD_BYTES = 64 * 1024
DRAIN_LIMIT_BYTES = 256 * 1024  # past the head and the body kept: body, trailers, extensions
DNS_TTL_SECONDS = 60.0
KEEPALIVE_SECONDS = 30.0  # an idle connection older than this is closed, not reused

Resolve = Callable[[str, int], Awaitable[list[str]]]
"""Resolves a name and port to IP addresses (tests pass a table instead of DNS)."""


class ResponseError(ConnectionError):
    """The receiver broke the connection or answered with something that is not HTTP/1.1."""


async def system_resolve(host: str, port: int) -> list[str]:
    """The addresses ``host`` has, as the operating system resolves them."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


class GuardedResolver:
    """Resolves through ``inner`` and returns only the addresses the egress policy allows."""

    def __init__(self, policy: EgressPolicy, inner: Resolve = system_resolve) -> None:
        self._policy = policy
        self._inner = inner

    async def resolve(self, host: str, port: int) -> list[str]:
        resolved = await self._inner(host, port)
        reasons = [self._reason(address) for address in resolved]
        allowed = [a for a, reason in zip(resolved, reasons, strict=True) if reason is None]
        if not allowed:
            found = ", ".join(sorted({r for r in reasons if r})) or "no address"
            raise EgressBlocked(f"{host} resolves only to blocked addresses ({found})")
        return allowed

    def _reason(self, address: str) -> str | None:
        try:
            return self._policy.is_blocked_ip(ipaddress.ip_address(address.split("%", 1)[0]))
        except ValueError:  # not an address we can judge: refuse rather than guess
            return "unparseable"


def check_url(policy: EgressPolicy, url: yarl.URL) -> None:
    """Refuse plain http when https is required, and IP-literal hosts the policy blocks."""
    if reason := policy.blocked_scheme(url.scheme):
        raise EgressBlocked(f"plain http is blocked by the egress policy ({reason})")
    for host in {url.host or "", url.raw_host or ""} - {""}:
        if reason := policy.blocked_host(host):
            raise EgressBlocked(f"{host} is blocked by the egress policy ({reason})")


@dataclass(frozen=True, slots=True)
class Target:
    """Where a URL's POSTs go, worked out once per URL."""

    origin: tuple[str, str, int]  # scheme, host, port: the connections a target may share
    host: str  # to resolve and to name in TLS (an IP literal is connected to as it is)
    port: int
    literal: bool  # the host is an IP address
    tls: bool
    head: bytes  # the request line and the headers every POST to this URL starts with
    destination: bool = False  # a source's destination (the destination egress policy)


def parse_target(url: str | yarl.URL) -> Target:
    """The target of an http(s) URL; ``ValueError`` for anything else."""
    parsed = yarl.URL(url)
    if parsed.scheme not in ("http", "https") or not parsed.raw_host or parsed.port is None:
        raise ValueError(f"not an http(s) URL with a host: {url!r}")
    host = parsed.raw_host  # IDNA-encoded, IPv6 without brackets
    try:
        ipaddress.ip_address(host)
        literal = True
    except ValueError:
        literal = False
    authority = f"[{host}]" if ":" in host else host
    if not parsed.is_default_port():
        authority = f"{authority}:{parsed.port}"
    target = parsed.raw_path_qs or "/"
    head = f"POST {target} HTTP/1.1\r\nhost: {authority}\r\nuser-agent: {USER_AGENT}\r\n"
    _check_lines(head, 3)
    return Target(
        origin=(parsed.scheme, host, parsed.port),
        host=host,
        port=parsed.port,
        literal=literal,
        tls=parsed.scheme == "https",
        head=head.encode("ascii"),
    )


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


@functools.lru_cache(maxsize=1024)
def _check_names(names: tuple[str, ...]) -> None:
    for name in names:
        if not _TOKEN.fullmatch(name):
            raise ValueError(f"not a valid header name: {name!r}")


def _check_lines(text: str, lines: int) -> None:
    # A CR, LF or NUL inside a value would end the header early and let a value write the request.
    if text.count("\n") != lines or text.count("\r") != lines or "\x00" in text:
        raise ValueError("a header value holds a line break or NUL")


def encode_request(target: Target, body: bytes, headers: dict[str, str]) -> bytes:
    """The bytes of one POST: the target's head, ``headers``, the length, then the body."""
    _check_names(tuple(headers))
    lines = "".join([f"{name}: {value}\r\n" for name, value in headers.items()])
    _check_lines(lines, len(headers))
    return b"".join((target.head, lines.encode(), b"content-length: %d\r\n\r\n" % len(body), body))


class _Connection(asyncio.Protocol):
    """One keep-alive connection; parses the answer to the request in flight."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._parser = httptools.HttpResponseParser(self)
        self._waiter: asyncio.Future[None] | None = None
        self._reset(0)

    def _reset(self, limit: int) -> None:
        """Ready for an answer whose body is kept up to ``limit`` bytes."""
        self._begin_answer()
        self.body: list[bytes] = []
        self._kept = 0  # body bytes kept
        self._seen = 0  # response bytes seen (interim answers, head, body, trailers)
        self.got_data = False
        self.reusable = False
        self._limit = limit

    def _begin_answer(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self._framed = False  # the answer says where its body ends
        self._headers_done = False
        # Bytes seen past this end the answer: a head (interim answers included) may not pass
        # 64 KiB; then the body, trailers or chunk extensions are read this far at most.
        self._max_seen = MAX_RESPONSE_HEAD_BYTES

    # One request at a time.

    def start(self, request: bytes, max_body_bytes: int) -> asyncio.Future[None]:
        assert self.transport is not None and self._waiter is None
        self._reset(max_body_bytes)  # first: no byte of this answer came (the caller retries)
        if self.transport.is_closing():
            raise ResponseError("the receiver closed the kept-alive connection")
        self._waiter = asyncio.get_running_loop().create_future()
        self.transport.write(request)
        return self._waiter

    def finish(self) -> None:
        self._waiter = None

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()

    # asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses, though they are one in kind.
        self.transport = cast(asyncio.Transport, transport)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            # Bytes past the answer (or on an idle connection) that nobody asked for: the
            # connection is not in a known state, and the answer read must not change.
            self.reusable = False
            self.close()
            return
        self.got_data = True
        if self._seen > self._max_seen:
            self._over_limit()
            return
        self._seen += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._done(reusable=False)
        except httptools.HttpParserError as exc:
            self._fail(ResponseError(f"the response is not valid HTTP/1.1: {exc}"))

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost settles the answer

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._waiter is None or self._waiter.done():
            return
        if self._headers_done and not self._framed:
            self._done(reusable=False)  # the body ran to the close, as the answer said it would
        else:
            self._fail(ResponseError("the receiver closed the connection before answering in full"))

    # httptools callbacks

    def on_message_begin(self) -> None:
        if self._waiter is None or self._waiter.done():
            # A second answer in the same read: it must not overwrite the first.
            self.reusable = False
            raise ResponseError("bytes past the answer")

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        if key == "content-length" or (key == "transfer-encoding" and b"chunked" in value.lower()):
            self._framed = True
        if key not in self.headers and len(self.headers) < MAX_RESPONSE_HEADERS:
            self.headers[key] = value.decode("utf-8", "replace")[:MAX_HEADER_VALUE_CHARS]

    def on_headers_complete(self) -> None:
        self.status = self._parser.get_status_code()
        self._headers_done = True
        self._max_seen = MAX_RESPONSE_HEAD_BYTES + self._limit + DRAIN_LIMIT_BYTES
        if self.status in (204, 304):
            self._framed = True

    def on_body(self, body: bytes) -> None:
        if self._kept < self._limit:
            self.body.append(body[: self._limit - self._kept])
            self._kept += len(self.body[-1])

    def on_message_complete(self) -> None:
        if 100 <= self.status < 200 and self.status != 101:
            self._begin_answer()  # an interim answer (103 Early Hints): the real one follows
            return
        self._done(reusable=self._parser.should_keep_alive())

    def _over_limit(self) -> None:
        if self._headers_done:
            # The status and the body kept are the answer; what follows (a body, trailers or
            # chunk extensions without end) is not worth reading, and would otherwise be read,
            # or held by the parser, until the try's timeout.
            self._done(reusable=False)
        else:
            self._fail(ResponseError("the response head is over 64 KiB"))

    def _done(self, *, reusable: bool) -> None:
        if self._waiter is not None and not self._waiter.done():
            self.reusable = reusable
            self._waiter.set_result(None)

    def _fail(self, exc: Exception) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(exc)
        self.close()


class Sender:
    """POSTs webhooks over kept-alive connections, egress-guarded; one per worker process."""

    def __init__(
        self,
        settings: Settings,
        *,
        dns: Resolve | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``dns`` is the resolver under the egress guard (default: the system's); tests pass a
        table. ``ssl_context`` defaults to the system's trust store with verification on."""
        self._policy = EgressPolicy(settings.egress_allow, https_only=settings.egress_https_only)
        self._resolver = GuardedResolver(self._policy, dns or system_resolve)
        self._destination_policy = EgressPolicy(settings.destination_allow)
        self._destination_resolver = GuardedResolver(
            self._destination_policy, dns or system_resolve
        )
        self._connect_timeout = settings.connect_timeout_seconds
        self._max_idle = settings.worker_connections
        if ssl_context is None:
            ssl_context = ssl.create_default_context()
            ssl_context.set_alpn_protocols(["http/1.1"])
        self._ssl = ssl_context
        # Parsing and checking a URL costs more than signing; endpoints' URLs repeat. A blocked
        # URL raises, which is not cached (it is checked again each time).
        self._target = functools.lru_cache(maxsize=8192)(self._checked)
        self._destination_target = functools.lru_cache(maxsize=1024)(self._destination_checked)
        # Keyed by origin kind too: an address resolved under the destinations' policy never
        # serves a tenant's endpoint.
        self._addresses: TTLCache[tuple[str, str, int], list[str]] = TTLCache(
            ttl_seconds=DNS_TTL_SECONDS, max_entries=8192
        )
        self._idle: dict[tuple[str, str, int], list[_Connection]] = {}
        self._idle_count = 0
        self._swept = time.monotonic()
        self._closed = False

    async def post(
        self,
        url: str,
        body: bytes,
        headers: dict[str, str],
        *,
        max_body_bytes: int,
        destination: bool = False,
    ) -> tuple[int, str, dict[str, str]]:
        """POST once; the status, the first ``max_body_bytes`` of the answer, and its headers
        (names lower-cased; at most ``MAX_RESPONSE_HEADERS``, values cut to
        ``MAX_HEADER_VALUE_CHARS``). Cancel it to time it out: the connection is then closed.
        ``destination``: a source's destination, under the destination policy."""
        target = self._destination_target(url) if destination else self._target(url)
        request = encode_request(target, body, headers)
        conn = self._reuse(target.origin)
        if conn is not None:
            try:
                return await self._exchange(target, conn, request, max_body_bytes)
            except ResponseError:
                if conn.got_data:
                    raise
                # The receiver closed the kept-alive connection as it was reused, before a byte
                # of an answer: the request was not taken, so it goes once on a new connection.
        conn = await self._connect(target)
        return await self._exchange(target, conn, request, max_body_bytes)

    async def _exchange(
        self, target: Target, conn: _Connection, request: bytes, max_body_bytes: int
    ) -> tuple[int, str, dict[str, str]]:
        try:
            await conn.start(request, max_body_bytes)
        except BaseException:
            conn.close()  # cancelled (timed out) or broken mid-answer: never reused
            raise
        finally:
            conn.finish()
        text = b"".join(conn.body).decode("utf-8", errors="replace")
        status, response_headers = conn.status, conn.headers
        self._release(target.origin, conn)
        return status, text, response_headers

    def _reuse(self, origin: tuple[str, str, int]) -> _Connection | None:
        idle = self._idle.get(origin)
        oldest = time.monotonic() - KEEPALIVE_SECONDS
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if not conn.closed and conn.idle_since > oldest:
                return conn
            conn.close()
        return None

    def _release(self, origin: tuple[str, str, int], conn: _Connection) -> None:
        if not conn.reusable or conn.closed or self._closed or self._idle_count >= self._max_idle:
            conn.close()
            return
        conn.idle_since = now = time.monotonic()
        self._idle.setdefault(origin, []).append(conn)
        self._idle_count += 1
        if now - self._swept > KEEPALIVE_SECONDS / 3:
            self._sweep(now)

    def _sweep(self, now: float) -> None:
        """Close connections idle past the keep-alive time, or closed by their receiver."""
        self._swept = now
        oldest = now - KEEPALIVE_SECONDS
        for origin, idle in list(self._idle.items()):
            keep = []
            for conn in idle:
                if not conn.closed and conn.idle_since > oldest:
                    keep.append(conn)
                else:
                    conn.close()
            self._idle_count -= len(idle) - len(keep)
            if keep:
                self._idle[origin] = keep
            else:
                del self._idle[origin]

    async def _connect(self, target: Target) -> _Connection:
        addresses = [target.host] if target.literal else await self._resolve(target)
        loop = asyncio.get_running_loop()
        error: BaseException | None = None
        for address in addresses:
            try:
                async with asyncio.timeout(self._connect_timeout):
                    _, conn = await loop.create_connection(
                        _Connection,
                        address,
                        target.port,
                        ssl=self._ssl if target.tls else None,
                        server_hostname=target.host if target.tls else None,
                    )
                return conn
            except ssl.SSLError:
                raise  # the receiver's TLS is wrong; another of its addresses will not differ
            except OSError as exc:  # refused, unreachable, timed out: try the next address
                error = exc
        assert error is not None
        raise error

    async def _resolve(self, target: Target) -> list[str]:
        key = (target.origin[0], target.host, target.port)
        addresses = self._addresses.get(key)
        if addresses is None:
            resolver = self._destination_resolver if target.destination else self._resolver
            addresses = await resolver.resolve(target.host, target.port)
            self._addresses.put(key, addresses)
        return addresses

    def _checked(self, url: str) -> Target:
        parsed = yarl.URL(url)
        check_url(self._policy, parsed)
        return parse_target(parsed)

    def _destination_checked(self, url: str) -> Target:
        parsed = yarl.URL(url)
        check_url(self._destination_policy, parsed)
        target = parse_target(parsed)
        # Its own pool of connections: one opened under this policy never serves a tenant.
        origin = (f"destination+{target.origin[0]}", *target.origin[1:])
        return dataclasses.replace(target, origin=origin, destination=True)

    async def aclose(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                conn.close()
        self._idle.clear()
        self._idle_count = 0
        await asyncio.sleep(0)  # let the transports close


def build_client(settings: Settings, *, dns: Resolve | None = None) -> Sender:
    return Sender(settings, dns=dns)

"""The outbound HTTP client (workers/http.py) against real sockets on 127.0.0.1.

Each server here is a raw asyncio protocol scripted byte by byte, so the tests can send what a
well-behaved receiver would not: interim answers, close-delimited and chunked bodies, answers
that never end, connections dropped as they are reused, broken HTTP.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, cast

import pytest
import trustme

from app.config import Settings, load_settings
from tests.conftest import ADMIN_KEY, SECRET_KEY
from workers.delivery import post
from workers.http import MAX_RESPONSE_HEADERS, Resolve, Sender, encode_request, parse_target

BODY = b'{"type":"invoice.paid"}'
OK = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"


def client_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": str(tmp_path),
        "database_url": f"sqlite+aiosqlite:///{tmp_path}/unused.db",
        "secret_key": SECRET_KEY,
        "admin_api_key": ADMIN_KEY,
        "egress_allow": ["127.0.0.0/8", "::1/128"],
        "connect_timeout_seconds": 1.0,
    }
    values.update(overrides)
    return load_settings(environ={}, **values)


class Scripted:
    """A server whose answer to each request is ``answer(request_number, request_bytes)``.

    The answer is bytes to write; ``None`` closes the connection without a word."""

    def __init__(self, answer: Callable[[int, bytes], bytes | None]) -> None:
        self.answer = answer
        self.requests: list[bytes] = []
        self.connections = 0
        self.port = 0
        self.transports: list[asyncio.Transport] = []
        self.asking: asyncio.Transport | None = None  # the connection of the request answered

    def url(self, path: str = "/hook", host: str = "127.0.0.1") -> str:
        return f"http://{host}:{self.port}{path}"

    def protocol(self) -> asyncio.Protocol:
        server = self

        class Conn(asyncio.Protocol):
            buffer = b""

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.transport = cast(asyncio.Transport, transport)
                server.connections += 1
                server.transports.append(transport)

            def data_received(self, data: bytes) -> None:
                self.buffer += data
                while b"\r\n\r\n" in self.buffer:
                    head, rest = self.buffer.split(b"\r\n\r\n", 1)
                    length = int(_header(head, b"content-length") or 0)
                    if len(rest) < length:
                        return
                    request, self.buffer = head + b"\r\n\r\n" + rest[:length], rest[length:]
                    server.requests.append(request)
                    server.asking = self.transport
                    reply = server.answer(len(server.requests), request)
                    if reply is None:
                        self.transport.close()
                        return
                    self.transport.write(reply)

        return Conn()


def _header(head: bytes, name: bytes) -> bytes | None:
    for line in head.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name:
            return value.strip()
    return None


@asynccontextmanager
async def serving(
    answer: Callable[[int, bytes], bytes | None],
    *,
    host: str = "127.0.0.1",
    ssl_context: ssl.SSLContext | None = None,
) -> AsyncIterator[Scripted]:
    scripted = Scripted(answer)
    server = await asyncio.get_running_loop().create_server(
        scripted.protocol, host, 0, ssl=ssl_context
    )
    scripted.port = server.sockets[0].getsockname()[1]
    try:
        yield scripted
    finally:
        server.close()
        for transport in scripted.transports:
            transport.close()


@asynccontextmanager
async def sender(
    tmp_path: Path,
    *,
    dns: Resolve | None = None,
    ssl: ssl.SSLContext | None = None,
    **overrides: Any,
) -> AsyncIterator[Sender]:
    client = Sender(client_settings(tmp_path, **overrides), dns=dns, ssl_context=ssl)
    try:
        yield client
    finally:
        await client.aclose()


async def send(client: Sender, url: str, **headers: str) -> tuple[int, str, dict[str, str]]:
    return await client.post(url, BODY, headers, max_body_bytes=1024)


class TestTargets:
    @pytest.mark.parametrize(
        ("url", "host"),
        [
            ("https://example.com/", "example.com"),
            ("https://example.com:443/x", "example.com"),
            ("http://example.com:8080/x", "example.com:8080"),
            ("http://[2001:db8::1]:8080/x", "[2001:db8::1]:8080"),
            ("https://bücher.example/", "xn--bcher-kva.example"),
        ],
    )
    def test_the_host_header_names_the_url_host(self, url: str, host: str) -> None:
        request = encode_request(parse_target(url), b"", {})
        assert f"\r\nhost: {host}\r\n".encode() in request

    @pytest.mark.parametrize("url", ["ftp://example.com/", "http:///x", "mailto:a@example.com"])
    def test_only_http_urls_with_a_host_are_targets(self, url: str) -> None:
        with pytest.raises(ValueError, match="http"):
            parse_target(url)


class TestRequests:
    async def test_the_request_is_exactly_one_post_with_its_length(self, tmp_path: Path) -> None:
        async with serving(lambda n, r: OK) as server, sender(tmp_path) as client:
            answer = await send(client, server.url("/in/hook?tenant=a%20b"), **{"x-a": "1"})

        assert answer == (200, "ok", {"content-length": "2"})
        (request,) = server.requests
        head, body = request.split(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        assert lines[0] == b"POST /in/hook?tenant=a%20b HTTP/1.1"
        assert f"host: 127.0.0.1:{server.port}".encode() in lines
        assert b"x-a: 1" in lines
        assert b"content-length: %d" % len(BODY) in lines
        assert body == BODY
        assert not any(line.lower().startswith(b"accept-encoding") for line in lines)

    @pytest.mark.parametrize(
        "headers",
        [
            {"x-evil": "a\r\nx-injected: 1"},
            {"x-evil": "a\nb"},
            {"x-evil": "a\rb"},
            {"x-evil": "a\x00b"},
            {"x evil": "a"},
            {"x-evil:": "a"},
            {"": "a"},
        ],
    )
    async def test_a_header_that_would_write_the_request_is_refused(
        self, tmp_path: Path, headers: dict[str, str]
    ) -> None:
        async with serving(lambda n, r: OK) as server, sender(tmp_path) as client:
            with pytest.raises(ValueError, match="header"):
                await client.post(server.url(), BODY, headers, max_body_bytes=1024)
        assert server.connections == 0


class TestAnswers:
    async def test_a_kept_alive_connection_carries_the_next_post(self, tmp_path: Path) -> None:
        async with serving(lambda n, r: OK) as server, sender(tmp_path) as client:
            for _ in range(5):
                assert (await send(client, server.url()))[0] == 200
        assert (server.connections, len(server.requests)) == (1, 5)

    async def test_connection_close_is_honoured(self, tmp_path: Path) -> None:
        closing = b"HTTP/1.1 200 OK\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
        async with serving(lambda n, r: closing) as server, sender(tmp_path) as client:
            for _ in range(3):
                assert (await send(client, server.url()))[0] == 200
        assert server.connections == 3

    async def test_a_chunked_answer_is_read_whole(self, tmp_path: Path) -> None:
        chunked = (
            b"HTTP/1.1 202 Accepted\r\ntransfer-encoding: chunked\r\n\r\n"
            b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        )
        async with serving(lambda n, r: chunked) as server, sender(tmp_path) as client:
            assert await send(client, server.url()) == (
                202,
                "hello world",
                {"transfer-encoding": "chunked"},
            )
            assert (await send(client, server.url()))[1] == "hello world"
        assert server.connections == 1

    async def test_an_answer_without_a_length_ends_at_the_close(self, tmp_path: Path) -> None:
        def answer(n: int, request: bytes) -> bytes:
            asyncio.get_running_loop().call_later(0.05, server.transports[-1].close)
            return b"HTTP/1.0 200 OK\r\n\r\nuntil the end"

        async with serving(answer) as server, sender(tmp_path) as client:
            assert (await send(client, server.url()))[:2] == (200, "until the end")
            assert (await send(client, server.url()))[:2] == (200, "until the end")
        assert server.connections == 2

    async def test_interim_answers_are_skipped(self, tmp_path: Path) -> None:
        early = b"HTTP/1.1 103 Early Hints\r\nlink: </a.css>\r\n\r\n" + OK
        async with serving(lambda n, r: early) as server, sender(tmp_path) as client:
            assert await send(client, server.url()) == (200, "ok", {"content-length": "2"})
            assert (await send(client, server.url()))[0] == 200
        assert server.connections == 1

    async def test_the_body_is_kept_up_to_the_limit_and_a_huge_one_is_not_drained(
        self, tmp_path: Path
    ) -> None:
        # The receiver promises 10 MB and sends 1 MB: the client stops reading long before.
        huge = b"HTTP/1.1 500 Oops\r\ncontent-length: 10000000\r\n\r\n" + b"x" * 1_000_000
        async with serving(lambda n, r: huge) as server, sender(tmp_path) as client:
            status, text, _ = await asyncio.wait_for(
                client.post(server.url(), BODY, {}, max_body_bytes=100), 5
            )
            assert (status, text) == (500, "x" * 100)
            assert (await send(client, server.url()))[0] == 500
        assert server.connections == 2  # the first was dropped, not reused

    async def test_bytes_past_the_answer_change_nothing_and_end_the_connection(
        self, tmp_path: Path
    ) -> None:
        extra = OK + b"HTTP/1.1 500 Surprise\r\ncontent-length: 0\r\n\r\n"
        async with serving(lambda n, r: extra) as server, sender(tmp_path) as client:
            assert await send(client, server.url()) == (200, "ok", {"content-length": "2"})
            assert (await send(client, server.url()))[0] == 200
        assert server.connections == 2

    async def test_response_headers_are_bounded(self, tmp_path: Path) -> None:
        many = b"".join(b"x-h%d: %s\r\n" % (i, b"v" * 500) for i in range(80))
        many += b"x-long: %s\r\n" % (b"v" * 2000)
        head = b"HTTP/1.1 204 No Content\r\nx-long0: " + b"v" * 2000 + b"\r\n"
        answer = head + b"X-Dup: first\r\nx-dup: second\r\n" + many + b"\r\n"
        async with serving(lambda n, r: answer) as server, sender(tmp_path) as client:
            status, _, headers = await send(client, server.url())
        assert status == 204
        assert len(headers) == MAX_RESPONSE_HEADERS
        assert headers["x-dup"] == "first"
        assert len(headers["x-h0"]) == 500
        assert len(headers["x-long0"]) == 1000
        assert "x-long" not in headers  # past the first 50 names

    async def test_a_head_that_never_ends_is_refused(self, tmp_path: Path) -> None:
        endless = b"HTTP/1.1 200 OK\r\n" + b"x-filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n" * 20_000
        async with serving(lambda n, r: endless) as server, sender(tmp_path) as client:
            with pytest.raises(ConnectionError, match="64 KiB"):
                await send(client, server.url())

    async def test_an_answer_that_is_not_http_is_a_connection_error(self, tmp_path: Path) -> None:
        async with (
            serving(lambda n, r: b"SSH-2.0-OpenSSH_9.6\r\n") as server,
            sender(tmp_path) as client,
        ):
            outcome = await post(
                client, server.url(), BODY, {}, timeout_seconds=2, max_body_bytes=10
            )
        assert outcome.error_kind == "connection"
        assert "not valid HTTP" in (outcome.error_detail or "")

    async def test_a_receiver_that_hangs_up_mid_answer_fails_the_try(self, tmp_path: Path) -> None:
        def cut(n: int, request: bytes) -> bytes:
            asyncio.get_running_loop().call_soon(server.transports[-1].close)
            return b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nshort"

        async with serving(cut) as server, sender(tmp_path) as client:
            outcome = await post(
                client, server.url(), BODY, {}, timeout_seconds=2, max_body_bytes=10
            )
        assert outcome.error_kind == "connection"


class TestConnections:
    async def test_a_kept_alive_connection_closed_as_it_is_reused_is_replaced(
        self, tmp_path: Path
    ) -> None:
        # The second request finds the receiver closing the idle connection without a word
        # (a keep-alive timeout racing the reuse): it goes once more, on a new connection.
        async with (
            serving(lambda n, r: None if n == 2 else OK) as server,
            sender(tmp_path) as client,
        ):
            assert (await send(client, server.url()))[0] == 200
            assert (await send(client, server.url()))[0] == 200
        assert (server.connections, len(server.requests)) == (2, 3)

    async def test_a_new_connection_that_closes_unanswered_fails_the_try(
        self, tmp_path: Path
    ) -> None:
        async with serving(lambda n, r: None) as server, sender(tmp_path) as client:
            with pytest.raises(ConnectionError, match="closed"):
                await send(client, server.url())
        assert len(server.requests) == 1

    async def test_a_timed_out_connection_is_never_reused(self, tmp_path: Path) -> None:
        async with (
            serving(lambda n, r: b"" if n == 1 else OK) as server,
            sender(tmp_path) as client,
        ):
            slow = await post(
                client, server.url(), BODY, {}, timeout_seconds=0.2, max_body_bytes=10
            )
            assert slow.error_kind == "timeout"
            assert (await send(client, server.url()))[0] == 200
        assert server.connections == 2

    async def test_idle_connections_beyond_the_cap_are_closed(self, tmp_path: Path) -> None:
        async with (
            serving(lambda n, r: OK) as server,
            sender(tmp_path, worker_connections=2) as client,
        ):
            await asyncio.gather(*(send(client, server.url()) for _ in range(5)))
            await asyncio.gather(*(send(client, server.url()) for _ in range(5)))
        # 5 at once needs 5 connections; only 2 stay for the next 5, which open 3 more.
        assert (server.connections, len(server.requests)) == (8, 10)

    async def test_refused_connection(self, tmp_path: Path) -> None:
        with socket.socket() as unused:
            unused.bind(("127.0.0.1", 0))
            port = unused.getsockname()[1]
        async with sender(tmp_path) as client:
            outcome = await post(
                client, f"http://127.0.0.1:{port}/", BODY, {}, timeout_seconds=2, max_body_bytes=1
            )
        assert outcome.error_kind == "connection"

    async def test_every_checked_address_is_tried_in_turn(self, tmp_path: Path) -> None:
        async def dns(host: str, port: int) -> list[str]:
            return ["127.0.0.3", "127.0.0.1"]  # nothing listens on the first

        async with serving(lambda n, r: OK) as server, sender(tmp_path, dns=dns) as client:
            assert (await send(client, server.url(host="hooks.example.test")))[0] == 200
        assert b"\r\nhost: hooks.example.test:%d\r\n" % server.port in server.requests[0]

    async def test_a_name_that_does_not_resolve_is_a_dns_error(self, tmp_path: Path) -> None:
        async with sender(tmp_path, egress_allow=[]) as client:
            outcome = await post(
                client, "http://nx.invalid/", BODY, {}, timeout_seconds=5, max_body_bytes=1
            )
        assert outcome.error_kind == "dns"

    async def test_ipv6_loopback(self, tmp_path: Path) -> None:
        async with serving(lambda n, r: OK, host="::1") as server, sender(tmp_path) as client:
            assert (await send(client, f"http://[::1]:{server.port}/"))[0] == 200
        assert b"\r\nhost: [::1]:%d\r\n" % server.port in server.requests[0]


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def tls_server_context(authority: trustme.CA, *names: str) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*names).configure_cert(context)
    return context


class TestTls:
    async def test_a_trusted_certificate_for_the_name_is_accepted(
        self, tmp_path: Path, authority: trustme.CA
    ) -> None:
        async def dns(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        trusting = ssl.create_default_context()
        authority.configure_trust(trusting)
        context = tls_server_context(authority, "hooks.example.test")
        async with (
            serving(lambda n, r: OK, ssl_context=context) as server,
            sender(tmp_path, dns=dns, ssl=trusting) as client,
        ):
            url = f"https://hooks.example.test:{server.port}/hook"
            assert (await send(client, url))[0] == 200
            assert (await send(client, url))[0] == 200
        assert server.connections == 1

    @pytest.mark.parametrize("trusted", [True, False])
    async def test_a_certificate_that_does_not_verify_is_a_tls_error(
        self, tmp_path: Path, authority: trustme.CA, trusted: bool
    ) -> None:
        # Trusted but for another name, or for the name but from an unknown authority.
        async def dns(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        trusting = ssl.create_default_context()
        if trusted:
            authority.configure_trust(trusting)
        name = "other.example.test" if trusted else "hooks.example.test"
        context = tls_server_context(authority, name)
        async with (
            serving(lambda n, r: OK, ssl_context=context) as server,
            sender(tmp_path, dns=dns, ssl=trusting) as client,
        ):
            outcome = await post(
                client,
                f"https://hooks.example.test:{server.port}/",
                BODY,
                {},
                timeout_seconds=2,
                max_body_bytes=1,
            )
        assert outcome.error_kind == "tls"
        assert server.requests == []

    async def test_the_default_context_verifies_against_the_system_store(
        self, tmp_path: Path, authority: trustme.CA
    ) -> None:
        context = tls_server_context(authority, "127.0.0.1")
        async with (
            serving(lambda n, r: OK, ssl_context=context) as server,
            sender(tmp_path) as client,
        ):
            outcome = await post(
                client,
                f"https://127.0.0.1:{server.port}/",
                BODY,
                {},
                timeout_seconds=2,
                max_body_bytes=1,
            )
        assert outcome.error_kind == "tls"

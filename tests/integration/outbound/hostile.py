"""Hostile receivers for the outbound client's fuzz tests: generated answers and how they are sent.

An answer is built from parts that a hypothesis strategy draws, each valid or broken (status line,
headers, body framing), then optionally mutated byte by byte; ``Plan`` says how the receiver
sends it (in pieces, dripped, then closing, resetting or keeping the connection open). A plan
knows the answer the client must read when everything about it is well-formed.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import cast

from hypothesis import strategies as st

from tests.integration.outbound.test_http import OK, Scripted, serving

# HYPOTHESIS_PROFILE=fuzz multiplies every example count here (the suite's counts stay small).
FUZZ_FACTOR = 50 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 1

CLOSE, OPEN, RESET = "close", "open", "reset"
AFTER_HEADER = {"x-after-hostile": "1"}  # a request the hostile receiver answers with OK
AFTER = b"\r\nx-after-hostile: 1\r\n"
_TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_VCHARS = "".join(chr(c) for c in range(0x20, 0x7F))


def examples(count: int) -> int:
    return count * FUZZ_FACTOR


@dataclass(frozen=True)
class Expected:
    """The answer a correct client reads from a well-formed plan."""

    status: int
    body: bytes


@dataclass(frozen=True)
class Plan:
    """What the receiver sends after the request, and how."""

    answer: bytes
    cuts: tuple[int, ...] = ()  # the answer goes in pieces split at these offsets
    delay_seconds: float = 0.0  # between pieces
    drip: bool = False  # one byte a piece
    end: str = CLOSE  # after the last piece: close, reset, or keep the connection open
    expected: Expected | None = None  # when the whole plan is well-formed

    def pieces(self) -> Iterator[bytes]:
        if self.drip:
            return (self.answer[i : i + 1] for i in range(len(self.answer)))
        bounds = [0, *sorted({c for c in self.cuts if 0 < c < len(self.answer)}), len(self.answer)]
        return (self.answer[a:b] for a, b in itertools.pairwise(bounds))


@dataclass
class Playing:
    """A plan being sent on one connection, a piece at a time; ``stop()`` sends no more."""

    plan: Plan
    transport: asyncio.Transport
    pieces: Iterator[bytes]
    handle: asyncio.Handle | None = None

    def next(self) -> None:
        piece = next(self.pieces, None)
        if self.transport.is_closing():
            return
        if piece is None:
            if self.plan.end == CLOSE:
                self.transport.close()
            elif self.plan.end == RESET:
                self.transport.abort()
            return
        self.transport.write(piece)
        self.handle = asyncio.get_running_loop().call_later(self.plan.delay_seconds, self.next)

    def stop(self) -> None:
        if self.handle is not None:
            self.handle.cancel()


def play(plan: Plan, transport: asyncio.Transport) -> Playing:
    """Send ``plan`` on ``transport`` from now on; each piece is scheduled as the last one goes,
    so a dripped answer costs one timer at a time."""
    playing = Playing(plan, transport, plan.pieces())
    playing.next()
    return playing


# The parts of an answer: each strategy draws (bytes, well-formed).

Part = tuple[bytes, bool]


def _valid_status_lines() -> st.SearchStrategy[tuple[bytes, int | None]]:
    """A final status line that a body may follow, and its status."""
    reasons = st.text(_VCHARS, max_size=20).map(str.encode)
    return st.builds(
        lambda version, status, reason: (b"HTTP/%s %d %s\r\n" % (version, status, reason), status),
        st.sampled_from([b"1.1", b"1.0"]),
        st.integers(200, 599).filter(lambda s: s != 204 and s != 304),
        reasons,
    )


def _odd_status_lines() -> st.SearchStrategy[tuple[bytes, int | None]]:
    """A status line that is broken, or one that no body (or no end) may follow (status None)."""
    odd = st.builds(lambda status: (b"HTTP/1.1 %03d Odd\r\n" % status, None), st.integers(0, 999))
    broken = st.one_of(
        st.binary(max_size=40).map(lambda b: (b + b"\r\n", None)),
        st.sampled_from(
            [
                b"HTTP/1.1\r\n",
                b"HTTP/1.1 2000 OK\r\n",
                b"HTTP/1.1 20 OK\r\n",
                b"HTTP/2 200 OK\r\n",
                b"HTTP/1.1 200 OK\n",
                b"HTTP/1.1  200 OK\r\n",
                b"ICY 200 OK\r\n",
                b"\r\n",
                b"",
            ]
        ).map(lambda line: (line, None)),
    )
    return st.one_of(odd, broken)


_NAMES = st.text(_TCHARS, min_size=1, max_size=16).map(str.encode)


def _valid_header_lines() -> st.SearchStrategy[Part]:
    values = st.text(_VCHARS, max_size=40).map(lambda v: v.strip().encode())
    return st.builds(lambda n, v: (n + b": " + v + b"\r\n", True), _NAMES, values)


def _bad_header_lines() -> st.SearchStrategy[Part]:
    """Invalid names or values, a value past the head limit, more headers than are kept."""
    bad = st.builds(
        lambda n, v: (n + b":" + v + b"\r\n", False),
        st.one_of(_NAMES, st.binary(max_size=16)),
        st.binary(max_size=40),
    )
    oversized = st.builds(
        lambda n, size: (n + b": " + b"v" * size + b"\r\n", False),
        _NAMES,
        st.sampled_from([1_000, 70_000, 300_000]),
    )
    many = st.integers(60, 5_000).map(
        lambda count: (b"".join(b"x-h%d: v\r\n" % i for i in range(count)), False)
    )
    return st.one_of(bad, oversized, many)


def _chunked(chunks: list[bytes], trailers: bytes) -> bytes:
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c)
    return encoded + b"0\r\n" + trailers + b"\r\n"


Body = tuple[bytes, bytes, bytes | None]
_CONTENT = st.binary(max_size=1500)


def _valid_bodies() -> st.SearchStrategy[Body]:
    """(framing headers, body bytes, the body a client reads); no framing header: a body that
    ends at the close."""
    by_length = _CONTENT.map(lambda b: (b"content-length: %d\r\n" % len(b), b, b))
    chunked = st.builds(
        lambda chunks, trailers: (
            b"transfer-encoding: chunked\r\n",
            _chunked(chunks, trailers),
            b"".join(chunks),
        ),
        st.lists(st.binary(min_size=1, max_size=300), max_size=5),
        st.sampled_from([b"", b"x-trailer: t\r\n"]),
    )
    to_the_close = _CONTENT.map(lambda b: (b"", b, b))
    return st.one_of(by_length, chunked, to_the_close)


def _broken_bodies() -> st.SearchStrategy[Body]:
    """Framing a client cannot read a body by (the body read is None)."""
    content = _CONTENT
    wrong_length = st.builds(
        lambda b, off: (b"content-length: %d\r\n" % max(0, len(b) + off), b, None),
        content,
        st.integers(-5, 5).filter(bool),
    )
    bogus_length = st.sampled_from(
        [b"-1", b"abc", b"1, 2", b"99999999999999999999999", b"", b"0x10", b" 5 5"]
    ).map(lambda v: (b"content-length: " + v + b"\r\n", b"hello", None))
    bad_chunked = st.sampled_from(
        [
            b"zz\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhello0\r\n\r\n",
            b"5\r\nhelloXX0\r\n\r\n",
            b"ffffffffffffffffffff\r\nx\r\n",
            b"5;" + b"e" * 5000 + b"\r\nhello\r\n0\r\n\r\n",
            b"-5\r\nhello\r\n0\r\n\r\n",
            b"5\r\nhello\r\n",
            b"5\r\nhel",
            b"0\r\nx-trailer: \x01\r\n\r\n",
            b"0\r\n" + b"x-t: v\r\n" * 3000 + b"\r\n",
        ]
    ).map(lambda body: (b"transfer-encoding: chunked\r\n", body, None))
    both = content.map(
        lambda b: (
            b"content-length: %d\r\ntransfer-encoding: chunked\r\n" % len(b),
            _chunked([b], b""),
            None,
        )
    )
    return st.one_of(wrong_length, bogus_length, bad_chunked, both)


@st.composite
def answers(draw: st.DrawFn) -> tuple[bytes, Expected | None, bool]:
    """(the answer's bytes, what a client reads when it is well-formed, whether its body ends
    only at the close)."""
    interim = draw(
        st.sampled_from(
            [
                b"",
                b"",
                b"HTTP/1.1 100 Continue\r\n\r\n",
                b"HTTP/1.1 103 Early\r\nlink: </a>\r\n\r\n",
            ]
        )
    )
    # Half are well-formed answers (sent whole or not, as the plan says), half broken somewhere.
    clean = draw(st.booleans())
    line, status = draw(
        _valid_status_lines() if clean else st.one_of(_valid_status_lines(), _odd_status_lines())
    )
    headers = draw(st.lists(_valid_header_lines(), max_size=6))
    if not clean and draw(st.booleans()):
        headers.insert(draw(st.integers(0, len(headers))), draw(_bad_header_lines()))
    bodies = _valid_bodies() if clean else st.one_of(_valid_bodies(), _broken_bodies())
    framing, body, read = draw(bodies)
    answer = interim + line + b"".join(h for h, _ in headers) + framing + b"\r\n" + body
    well_formed = status is not None and read is not None and all(ok for _, ok in headers)
    if not clean and draw(st.booleans()):  # a few bytes flipped, dropped or doubled
        answer = draw(_mutated(answer))
        well_formed = False
    expected = (
        Expected(status, read) if well_formed and status is not None and read is not None else None
    )
    return answer, expected, framing == b""


@st.composite
def _mutated(draw: st.DrawFn, answer: bytes) -> bytes:
    edited = bytearray(answer)
    for _ in range(draw(st.integers(1, 4))):
        if not edited:
            break
        at = draw(st.integers(0, len(edited) - 1))
        match draw(st.sampled_from(["flip", "drop", "double"])):
            case "flip":
                edited[at] = draw(st.integers(0, 255))
            case "drop":
                del edited[at]
            case _:
                edited.insert(at, edited[at])
    return bytes(edited)


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    """A generated answer and how it is sent; ``expected`` is kept only when the client must read
    it whole within a short timeout (sent at once, and ended if its body runs to the close)."""
    answer, expected, to_the_close = draw(answers())
    if answer and draw(st.integers(0, 5)) == 0:  # the receiver hangs up part-way
        answer = answer[: draw(st.integers(0, len(answer) - 1))]
        expected = None
    drip = draw(st.integers(0, 9)) == 0
    delay = draw(st.sampled_from([0.0, 0.0, 0.0, 0.001, 0.02, 1.0]))
    cuts = tuple(draw(st.lists(st.integers(0, max(0, len(answer) - 1)), max_size=4)))
    end = draw(st.sampled_from([CLOSE, CLOSE, OPEN, RESET]))
    readable = not drip and delay == 0.0 and end != RESET and (end == CLOSE or not to_the_close)
    return Plan(
        answer=answer,
        cuts=cuts,
        delay_seconds=delay if not drip else draw(st.sampled_from([0.001, 1.0])),
        drip=drip,
        end=end,
        expected=expected if readable else None,
    )


@asynccontextmanager
async def hostile(
    plan: Plan, *, every: bool = False, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[tuple[Scripted, list[Playing]]]:
    """A receiver (test_http.py's scripted server) that answers with ``plan``, except requests
    carrying the ``AFTER`` header (answered OK) unless ``every``; over TLS with ``ssl_context``."""
    playing: list[Playing] = []

    def answer(n: int, request: bytes) -> bytes:
        # Marked, not counted: a first request cut short (a timeout in the TLS handshake on a
        # busy machine) never arrives, and the next POST would be taken for it.
        if AFTER in request and not every:
            return OK
        assert server.asking is not None
        playing.append(play(plan, server.asking))
        return b""

    async with serving(answer, ssl_context=ssl_context) as server:
        try:
            yield server, playing
        finally:
            for p in playing:
                p.stop()


@asynccontextmanager
async def raw_server(greeting: bytes) -> AsyncIterator[tuple[int, list[asyncio.Transport]]]:
    """A TCP server that writes ``greeting`` to each connection, then reads and says nothing."""
    accepted: list[asyncio.Transport] = []

    class Raw(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            accepted.append(cast(asyncio.Transport, transport))
            if greeting:
                accepted[-1].write(greeting)

    server = await asyncio.get_running_loop().create_server(Raw, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1], accepted
    finally:
        server.close()
        for transport in accepted:
            transport.close()

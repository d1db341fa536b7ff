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
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import cast

from hypothesis import strategies as st

from tests.integration.outbound.test_http import OK, Scripted, serving

# HYPOTHESIS_PROFILE=fuzz multiplies every example count here (the suite's counts stay small).
FUZZ_FACTOR = 50 if os.environ.get("HYPOTHESIS_PROFILE") == "fuzz" else 1

CLOSE, OPEN, RESET = "close", "open", "reset"
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

    def pieces(self) -> list[bytes]:
        if self.drip:
            return [self.answer[i : i + 1] for i in range(len(self.answer))]
        bounds = [0, *sorted({c for c in self.cuts if 0 < c < len(self.answer)}), len(self.answer)]
        return [self.answer[a:b] for a, b in itertools.pairwise(bounds)]


@dataclass
class Playing:
    """A plan being sent on one connection; ``stop()`` cancels what is not sent yet."""

    handles: list[asyncio.TimerHandle] = field(default_factory=list)

    def stop(self) -> None:
        for handle in self.handles:
            handle.cancel()


def play(plan: Plan, transport: asyncio.Transport) -> Playing:
    """Send ``plan`` on ``transport`` from now on, on the running loop's timers."""
    loop = asyncio.get_running_loop()
    playing = Playing()

    def write(piece: bytes) -> None:
        if not transport.is_closing():
            transport.write(piece)

    def finish() -> None:
        if plan.end == CLOSE:
            transport.close()
        elif plan.end == RESET:
            transport.abort()

    pieces = plan.pieces()
    for i, piece in enumerate(pieces):
        playing.handles.append(loop.call_later(i * plan.delay_seconds, write, piece))
    playing.handles.append(loop.call_later(len(pieces) * plan.delay_seconds, finish))
    return playing


# The parts of an answer: each strategy draws (bytes, well-formed).

Part = tuple[bytes, bool]


def _status_lines() -> st.SearchStrategy[tuple[bytes, int | None]]:
    """A status line and its status, or None when it is broken."""
    reasons = st.text(_VCHARS, max_size=20).map(str.encode)
    valid = st.builds(
        lambda version, status, reason: (b"HTTP/%s %d %s\r\n" % (version, status, reason), status),
        st.sampled_from([b"1.1", b"1.0"]),
        st.integers(200, 599).filter(lambda s: s != 204 and s != 304),
        reasons,
    )
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
    return st.one_of(valid, valid, odd, broken)


def _header_lines() -> st.SearchStrategy[Part]:
    names = st.text(_TCHARS, min_size=1, max_size=16).map(str.encode)
    values = st.text(_VCHARS, max_size=40).map(lambda v: v.strip().encode())
    valid = st.builds(lambda n, v: (n + b": " + v + b"\r\n", True), names, values)
    bad = st.builds(
        lambda n, v: (n + b":" + v + b"\r\n", False),
        st.one_of(names, st.binary(max_size=16)),
        st.binary(max_size=40),
    )
    oversized = st.builds(
        lambda n, size: (n + b": " + b"v" * size + b"\r\n", False),
        names,
        st.sampled_from([1_000, 70_000, 300_000]),
    )
    many = st.integers(60, 5_000).map(
        lambda count: (b"".join(b"x-h%d: v\r\n" % i for i in range(count)), False)
    )
    return st.one_of(valid, valid, valid, bad, oversized, many)


def _chunked(chunks: list[bytes], trailers: bytes) -> bytes:
    encoded = b"".join(b"%x\r\n%s\r\n" % (len(c), c) for c in chunks if c)
    return encoded + b"0\r\n" + trailers + b"\r\n"


def _bodies() -> st.SearchStrategy[tuple[bytes, bytes, bytes | None]]:
    """(framing headers, body bytes, the body a client reads or None when the framing is broken;
    b"" framing headers and a body mean a body that ends at the close)."""
    content = st.binary(max_size=1500)
    by_length = content.map(lambda b: (b"content-length: %d\r\n" % len(b), b, b))
    wrong_length = st.builds(
        lambda b, off: (b"content-length: %d\r\n" % max(0, len(b) + off), b, None),
        content,
        st.integers(-5, 5).filter(bool),
    )
    bogus_length = st.sampled_from(
        [b"-1", b"abc", b"1, 2", b"99999999999999999999999", b"", b"0x10", b" 5 5"]
    ).map(lambda v: (b"content-length: " + v + b"\r\n", b"hello", None))
    chunked = st.builds(
        lambda chunks, trailers: (
            b"transfer-encoding: chunked\r\n",
            _chunked(chunks, trailers),
            b"".join(chunks),
        ),
        st.lists(st.binary(min_size=1, max_size=300), max_size=5),
        st.sampled_from([b"", b"x-trailer: t\r\n"]),
    )
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
    to_the_close = content.map(lambda b: (b"", b, b))
    return st.one_of(
        by_length,
        by_length,
        chunked,
        chunked,
        wrong_length,
        bogus_length,
        bad_chunked,
        both,
        to_the_close,
    )


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
    line, status = draw(_status_lines())
    headers = draw(st.lists(_header_lines(), max_size=6))
    framing, body, read = draw(_bodies())
    answer = interim + line + b"".join(h for h, _ in headers) + framing + b"\r\n" + body
    well_formed = status is not None and read is not None and all(ok for _, ok in headers)
    if draw(st.integers(0, 4)) == 0:  # a few bytes flipped, dropped or doubled
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
    plan: Plan, *, every: bool = False
) -> AsyncIterator[tuple[Scripted, list[Playing]]]:
    """A receiver (test_http.py's scripted server) that answers its first request with ``plan``
    and every later one with OK, or, with ``every``, every request with ``plan``."""
    playing: list[Playing] = []

    def answer(n: int, request: bytes) -> bytes:
        if n > 1 and not every:
            return OK
        # One try at a time per receiver here, so the newest connection is the one asking.
        playing.append(play(plan, server.transports[-1]))
        return b""

    async with serving(answer) as server:
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

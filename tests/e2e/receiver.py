"""A cheap webhook receiver for end-to-end tests and benchmarks: one process, raw asyncio.

Run it as ``python tests/e2e/receiver.py --port P [--fail-first]``. It speaks just enough HTTP/1.1
(keep-alive, Content-Length bodies) to take webhooks from the service under test without competing
with it for the two cores: no framework, no per-request task, one HMAC per request.

Every webhook is verified with the ``standardwebhooks`` library against the secret registered for
its path, recorded, and answered 204 (401 when it does not verify; 500 on the first try of each
message per path with ``--fail-first``). A small control API, used by the harness, lives under
``/_control/``:

- ``POST /_control/secrets``: body ``{"/ep/0": "whsec_…", …}``, merged into the known secrets;
- ``GET /_control/requests?since=N``: ``{"count": total, "records": [...]}`` from record N on, each
  ``{"path", "webhook_id", "verified", "status", "received_at", "content_type", "body_sha256"}``
  (``received_at``: Unix seconds; the last two let a test check that a body arrived byte-exact);
- ``GET /_control/stats``: ``{"count", "verified", "slow"}``;
- ``POST /_control/slow``: body ``{"/slow/0": 10.0, …}``: requests to these paths are answered
  only after that many seconds (a receiver that sleeps past the sender's timeout); they are counted
  in ``slow``, not recorded.

On SIGTERM it stops listening, drops its connections and, with ``--records-file``, writes every
record there (a JSON list) before it exits, so that a test can stop it and start it again on the
same port without losing what it saw.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import signal
import time
from dataclasses import asdict, dataclass
from urllib.parse import parse_qs, urlsplit

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

MAX_HEAD_BYTES = 64 * 1024
MAX_BODY_BYTES = 2 * 1024 * 1024
REASONS = {200: "OK", 204: "No Content", 400: "Bad Request", 401: "Unauthorized"}
REASONS |= {404: "Not Found", 411: "Length Required", 413: "Payload Too Large"}
REASONS |= {500: "Internal Server Error"}


@dataclass(slots=True)
class Record:
    """One webhook request as the receiver saw it."""

    path: str
    webhook_id: str
    verified: bool
    status: int
    received_at: float
    content_type: str
    body_sha256: str


@dataclass(slots=True)
class Request:
    method: str
    target: str
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


class State:
    """Secrets by path, the records, and the fail-first bookkeeping, shared by all connections."""

    def __init__(self, *, fail_first: bool) -> None:
        self.fail_first = fail_first
        self.verifiers: dict[str, Webhook] = {}
        self.records: list[Record] = []
        self.verified_count = 0
        # (path, webhook-id) pairs already failed once, for --fail-first.
        self.failed_once: set[tuple[str, str]] = set()
        self.connections: set[asyncio.Transport] = set()
        self.slow: dict[str, float] = {}
        self.slow_count = 0

    def add_secrets(self, secrets: dict[str, str]) -> None:
        for path, secret in secrets.items():
            self.verifiers[path] = Webhook(secret)

    def receive(self, request: Request) -> int:
        """Verify and record one webhook; return the status to answer."""
        received_at = time.time()
        path = request.target.split("?", 1)[0]
        webhook_id = request.headers.get("webhook-id", "")
        verified = self._verify(path, request)
        status = 204 if verified else 401
        if verified and self.fail_first and (path, webhook_id) not in self.failed_once:
            self.failed_once.add((path, webhook_id))
            status = 500
        record = Record(
            path,
            webhook_id,
            verified,
            status,
            received_at,
            request.headers.get("content-type", ""),
            hashlib.sha256(request.body).hexdigest(),
        )
        self.records.append(record)
        self.verified_count += verified
        return status

    def _verify(self, path: str, request: Request) -> bool:
        verifier = self.verifiers.get(path)
        if verifier is None:
            return False
        try:
            # json_parse=False: the exact bytes are checked; parsing them would only cost CPU.
            verifier.verify(request.body, request.headers, json_parse=False)
        except (WebhookVerificationError, ValueError):
            return False
        return True


def control(state: State, request: Request) -> tuple[int, bytes]:
    """Answer a request under /_control/ (status, JSON body)."""
    parts = urlsplit(request.target)
    if request.method == "POST" and parts.path == "/_control/secrets":
        try:
            state.add_secrets(json.loads(request.body))
        except (ValueError, TypeError, AttributeError) as exc:
            return 400, json.dumps({"error": str(exc)}).encode()
        return 200, json.dumps({"paths": sorted(state.verifiers)}).encode()
    if request.method == "GET" and parts.path == "/_control/requests":
        since = int(parse_qs(parts.query).get("since", ["0"])[0])
        records = [asdict(r) for r in state.records[since:]]
        return 200, json.dumps({"count": len(state.records), "records": records}).encode()
    if request.method == "POST" and parts.path == "/_control/slow":
        try:
            state.slow |= {str(k): float(v) for k, v in json.loads(request.body).items()}
        except (ValueError, TypeError, AttributeError) as exc:
            return 400, json.dumps({"error": str(exc)}).encode()
        return 200, json.dumps(state.slow).encode()
    if request.method == "GET" and parts.path == "/_control/stats":
        stats = {
            "count": len(state.records),
            "verified": state.verified_count,
            "slow": state.slow_count,
        }
        return 200, json.dumps(stats).encode()
    return 404, b'{"error": "not found"}'


def parse_head(head: bytes) -> tuple[str, str, str, dict[str, str]]:
    """Request line and headers (names lower-cased); raise ValueError when malformed."""
    lines = head.decode("latin-1").split("\r\n")
    method, target, version = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, version, headers


def response(status: int, body: bytes = b"", *, keep_alive: bool) -> bytes:
    head = f"HTTP/1.1 {status} {REASONS.get(status, 'Unknown')}\r\n"
    if status != 204:
        head += f"content-type: application/json\r\ncontent-length: {len(body)}\r\n"
    if not keep_alive:
        head += "connection: close\r\n"
    return head.encode() + b"\r\n" + (body if status != 204 else b"")


class HttpProtocol(asyncio.Protocol):
    """One keep-alive connection: parse requests out of the byte stream and answer in order."""

    def __init__(self, state: State) -> None:
        self.state = state
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport
        self.state.connections.add(transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while self.transport is not None and not self.transport.is_closing():
            request = self._next_request()
            if request is None:
                return
            self._answer(request)

    def _next_request(self) -> Request | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            if len(self.buffer) > MAX_HEAD_BYTES:
                self._fail(400)
            return None
        try:
            method, target, version, headers = parse_head(bytes(self.buffer[:end]))
            length = int(headers.get("content-length", "0"))
        except ValueError:
            self._fail(400)
            return None
        if "chunked" in headers.get("transfer-encoding", ""):
            # Not needed by the clients under test; say so instead of misreading the stream.
            self._fail(411)
            return None
        if length > MAX_BODY_BYTES:
            self._fail(413)
            return None
        start = end + 4
        if len(self.buffer) < start + length:
            return None
        body = bytes(self.buffer[start : start + length])
        del self.buffer[: start + length]
        keep_alive = headers.get("connection", "").lower() != "close" and version == "HTTP/1.1"
        return Request(method, target, headers, body, keep_alive)

    def _answer(self, request: Request) -> None:
        assert self.transport is not None
        delay = self.state.slow.get(request.target.split("?", 1)[0])
        if delay is not None:
            self.state.slow_count += 1
            asyncio.get_running_loop().call_later(delay, self._late, request)
            return
        if request.target.startswith("/_control/"):
            status, body = control(self.state, request)
        else:
            status, body = self.state.receive(request), b""
        self.transport.write(response(status, body, keep_alive=request.keep_alive))
        if not request.keep_alive:
            self.transport.close()

    def _late(self, request: Request) -> None:
        """The answer of a slow path, unless the sender gave up and closed the connection."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(response(204, keep_alive=request.keep_alive))

    def _fail(self, status: int) -> None:
        assert self.transport is not None
        self.transport.write(response(status, keep_alive=False))
        self.transport.close()
        self.buffer.clear()

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.state.connections.discard(self.transport)
        self.transport = None


async def serve(host: str, port: int, state: State) -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HttpProtocol(state), host, port, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    bound = server.sockets[0].getsockname()[1]
    print(f"receiver listening on http://{host}:{bound}", flush=True)
    await stop.wait()
    # Down at once, like a crashed receiver: no new connections, the open ones cut (a try cut
    # short is retried by the service). Not ``async with server``: from Python 3.12 it waits for
    # the service's keep-alive connections to close by themselves.
    server.close()
    for transport in list(state.connections):
        transport.abort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secrets-file", help="JSON {path: secret} to start with")
    parser.add_argument("--records-file", help="where to write every record on SIGTERM")
    parser.add_argument(
        "--fail-first", action="store_true", help="answer 500 to the first try per (path, id)"
    )
    args = parser.parse_args()
    state = State(fail_first=args.fail_first)
    if args.secrets_file:
        with open(args.secrets_file) as file:
            state.add_secrets(json.load(file))
    asyncio.run(serve(args.host, args.port, state))
    if args.records_file:
        with open(args.records_file, "w") as file:
            json.dump([asdict(r) for r in state.records], file)


if __name__ == "__main__":
    main()

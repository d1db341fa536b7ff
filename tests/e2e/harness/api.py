"""The Hookrelay API as the tests use it: set up a tenant, publish concurrently, read attempts."""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx

from tests.e2e.harness.processes import HarnessError, Receiver, Stack, wait_until
from tests.e2e.harness.services import Service


@dataclass(frozen=True)
class Setup:
    """A tenant with endpoints on the receiver, one path each."""

    tenant: str
    endpoint_ids: list[str]
    paths: list[str]

    def path_of(self, endpoint_id: str) -> str:
        return self.paths[self.endpoint_ids.index(endpoint_id)]


def set_up_tenant(
    service: Service,
    receiver: Receiver,
    *,
    endpoints: int,
    event_type: str = "invoice.paid",
    rate_limit_per_second: int | None = None,
) -> Setup:
    """Create a tenant and ``endpoints`` endpoints on the receiver, and hand it their secrets."""
    tenant = "e2e_" + secrets.token_hex(4)
    with service.client() as api:
        answer = api.post("/api/v1/tenants", json={"uid": tenant, "name": "End to end"})
        assert answer.status_code == 201, answer.text
    return add_endpoints(
        service,
        receiver,
        tenant,
        endpoints=endpoints,
        event_type=event_type,
        rate_limit_per_second=rate_limit_per_second,
    )


def add_endpoints(
    service: Service,
    receiver: Receiver,
    tenant: str,
    *,
    endpoints: int,
    event_type: str = "invoice.paid",
    rate_limit_per_second: int | None = None,
) -> Setup:
    """Add ``endpoints`` endpoints on ``receiver`` to ``tenant`` (paths ``/ep/0``, …, numbered
    per receiver), and hand the receiver their secrets."""
    kind = event_type.split(".")[0]
    ids, paths, secrets_by_path = [], [], {}
    with service.client() as api:
        for n in range(endpoints):
            path = f"/ep/{n}"
            body: dict[str, Any] = {"url": receiver.url(path), "event_types": [f"{kind}.*"]}
            if rate_limit_per_second is not None:
                body["rate_limit_per_second"] = rate_limit_per_second
            endpoint_id, secret = create_with_secret(
                api, f"/api/v1/tenants/{tenant}/endpoints", body
            )
            ids.append(endpoint_id)
            paths.append(path)
            secrets_by_path[path] = secret
    receiver.set_secrets(secrets_by_path)
    return Setup(tenant, ids, paths)


def create_with_secret(api: httpx.Client, collection: str, body: dict[str, Any]) -> tuple[str, str]:
    """POST an endpoint (or a destination) to ``collection``; return its id and signing secret."""
    answer = api.post(collection, json=body)
    assert answer.status_code == 201, answer.text
    created_id = str(answer.json()["id"])
    answer = api.get(f"{collection}/{created_id}/secret")
    assert answer.status_code == 200, answer.text
    return created_id, str(answer.json()["secret"])


@dataclass(frozen=True)
class Published:
    message_id: str
    sent_at: float  # Unix seconds, taken just before the publish request went out
    answered_at: float


async def _publish_many(
    service: Service,
    tenant: str,
    count: int,
    *,
    concurrency: int,
    event_type: str,
    rate: float | None = None,
) -> list[Published]:
    url = f"{service.base_url}/api/v1/tenants/{tenant}/messages"
    started = time.monotonic()

    async def on_schedule(n: int) -> None:
        """With ``rate``, message n leaves at n / rate seconds after the start, no sooner."""
        if rate:
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)

    headers = {"authorization": f"Bearer {service.admin_key}"}
    published: list[Published] = []
    numbers = iter(range(count))

    async def publisher(session: aiohttp.ClientSession) -> None:
        for n in numbers:
            await on_schedule(n)
            body = {"event_type": event_type, "payload": {"n": n, "invoice": f"in_{n}"}}
            sent_at = time.time()
            async with session.post(url, json=body, headers=headers) as answer:
                text = await answer.text()
            if answer.status != 202:
                raise HarnessError(f"publish {n} answered {answer.status}: {text}")
            published.append(Published(json.loads(text)["id"], sent_at, time.time()))

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(publisher(session) for _ in range(concurrency)))
    return published


def publish_many(
    service: Service,
    tenant: str,
    count: int,
    *,
    concurrency: int = 16,
    event_type: str = "invoice.paid",
    batch: int = 1,
    rate: float | None = None,
) -> list[Published]:
    """Publish ``count`` messages from ``concurrency`` concurrent publishers (``batch`` > 1: that
    many per request, through ``publish_batches``; ``rate``: at most that many messages a second); all must be 202."""
    if batch > 1:
        return publish_batches(
            service,
            tenant,
            count,
            batch_size=batch,
            concurrency=concurrency,
            event_type=event_type,
            rate=rate,
        )
    return asyncio.run(
        _publish_many(
            service, tenant, count, concurrency=concurrency, event_type=event_type, rate=rate
        )
    )


async def _publish_batches(
    service: Service,
    tenant: str,
    count: int,
    *,
    batch_size: int,
    concurrency: int,
    event_type: str,
    first: int,
    rate: float | None = None,
    seconds: float | None = None,
    gate: Callable[[int], Awaitable[None]] | None = None,
) -> list[Published]:
    url = f"{service.base_url}/api/v1/tenants/{tenant}/messages/batch"
    headers = {"authorization": f"Bearer {service.admin_key}"}
    published: list[Published] = []
    starts = iter(range(first, first + count, batch_size))
    began = time.monotonic()

    async def publisher(session: aiohttp.ClientSession) -> None:
        for start in starts:
            if seconds is not None and time.monotonic() - began >= seconds:
                return
            if rate:  # the batch holding message n leaves n / rate seconds after the start
                delay = began + (start - first) / rate - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
            if gate is not None:  # e.g. hold back while the service is too far behind
                await gate(len(published))
            numbers = range(start, min(start + batch_size, first + count))
            body = {
                "messages": [
                    {"event_type": event_type, "payload": {"n": n, "invoice": f"in_{n}"}}
                    for n in numbers
                ]
            }
            sent_at = time.time()
            async with session.post(url, json=body, headers=headers) as answer:
                text = await answer.text()
            if answer.status != 202:
                raise HarnessError(f"batch from {start} answered {answer.status}: {text}")
            answered_at = time.time()
            ids = [m["id"] for m in json.loads(text)["data"]]
            if len(ids) != len(numbers):
                raise HarnessError(f"batch from {start}: {len(ids)} ids for {len(numbers)}")
            published.extend(Published(i, sent_at, answered_at) for i in ids)

    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        await asyncio.gather(*(publisher(session) for _ in range(concurrency)))
    return published


def publish_batches(
    service: Service,
    tenant: str,
    count: int,
    *,
    batch_size: int = 100,
    concurrency: int = 4,
    event_type: str = "invoice.paid",
    first: int = 0,
    rate: float | None = None,
    seconds: float | None = None,
    gate: Callable[[int], Awaitable[None]] | None = None,
) -> list[Published]:
    """Publish ``count`` messages through the batch API (``batch_size`` per request, from
    ``concurrency`` concurrent publishers, at most ``rate`` messages a second); every batch must be
    202. Payloads number the messages from ``first``. With ``seconds``, no batch starts after that
    many seconds: a run by time (``count`` is then only a cap). ``gate``, if given, is awaited
    before each batch with the number of messages published so far."""
    return asyncio.run(
        _publish_batches(
            service,
            tenant,
            count,
            batch_size=batch_size,
            concurrency=concurrency,
            event_type=event_type,
            first=first,
            rate=rate,
            seconds=seconds,
            gate=gate,
        )
    )


async def _attempts_of(
    service: Service, tenant: str, message_ids: Sequence[str], concurrency: int
) -> dict[str, list[dict[str, Any]]]:
    headers = {"authorization": f"Bearer {service.admin_key}"}
    found: dict[str, list[dict[str, Any]]] = {}
    pending = iter(message_ids)

    async def reader(client: httpx.AsyncClient) -> None:
        for message_id in pending:
            found[message_id] = await _all_pages(
                client, f"/api/v1/tenants/{tenant}/messages/{message_id}/attempts"
            )

    async with httpx.AsyncClient(base_url=service.base_url, headers=headers, timeout=30) as client:
        await asyncio.gather(*(reader(client) for _ in range(concurrency)))
    return found


async def _all_pages(client: httpx.AsyncClient, path: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        answer = await client.get(path, params={"cursor": cursor} if cursor else None)
        assert answer.status_code == 200, answer.text
        page = answer.json()
        items.extend(page["data"])
        cursor = page.get("next_cursor")
        if not cursor:
            return items


def attempts_of(
    service: Service, tenant: str, message_ids: Sequence[str], *, concurrency: int = 8
) -> dict[str, list[dict[str, Any]]]:
    """The attempts API's answer for each message id (every page)."""
    return asyncio.run(_attempts_of(service, tenant, message_ids, concurrency))


def wait_for_attempts(
    service: Service,
    tenant: str,
    message_ids: Sequence[str],
    *,
    per_message: int,
    stack: Stack,
    timeout_seconds: float = 30.0,
) -> dict[str, list[dict[str, Any]]]:
    """Attempts are written after the tries finish; wait until each message has ``per_message``."""
    latest: dict[str, list[dict[str, Any]]] = {}

    def complete() -> bool:
        missing = [m for m in message_ids if len(latest.get(m, [])) < per_message]
        latest.update(attempts_of(service, tenant, missing))
        return all(len(latest[m]) >= per_message for m in message_ids)

    wait_until(
        complete,
        timeout_seconds=timeout_seconds,
        stack=stack,
        what=f"{per_message} attempts per message in the attempts API",
        interval=0.5,
    )
    return latest


@dataclass(frozen=True)
class PublishTry:
    """One batch request of a publish stream, as its publisher saw it."""

    first: int  # number of the batch's first event
    sent_at: float  # Unix seconds
    answered_at: float
    status: int | None  # None: no HTTP answer (refused, reset, cut off mid-request)


@dataclass
class PublishStream:
    """What a publish stream did: every request, and the message id of each event answered 2xx.

    Filled in while the stream runs, so that a test can watch its progress from another thread.
    """

    events: int  # how many events the stream publishes
    prefix: str = field(default_factory=lambda: "ev_" + secrets.token_hex(4))
    tries: list[PublishTry] = field(default_factory=list)
    ids_by_event: dict[str, str] = field(default_factory=dict)
    # One per event answered 2xx (sent_at: when the answering request went out).
    published: list[Published] = field(default_factory=list)
    # The requests waiting for an answer now: batch start -> when it went out (Unix seconds).
    in_flight: dict[int, float] = field(default_factory=dict)

    def event_id(self, n: int) -> str:
        return f"{self.prefix}-{n}"


def wait_mid_stream(stream: PublishStream, *, stack: Stack, what: str) -> None:
    """Until a quarter of the stream's events were answered 2xx and a request has been out for
    20 ms (read by the API by then: in flight; 3 ms on a machine that answers faster), the
    moment a fault test strikes."""
    wait_until(
        lambda: len(stream.ids_by_event) >= stream.events // 4,
        timeout_seconds=60,
        stack=stack,
        what=f"a quarter of the events {what}",
    )
    # Out for 20 ms is surely read by the API. On a quiet machine every answer may come sooner
    # (make test-latest once waited 30 s in vain, past the stream's end): after half a second,
    # while the stream still runs, one out for 3 ms will do.
    patient_until = time.monotonic() + 0.5

    def out_for(seconds: float) -> bool:
        return any(time.time() - t >= seconds for t in list(stream.in_flight.values()))

    wait_until(
        lambda: out_for(0.02) or (time.monotonic() > patient_until and out_for(0.003)),
        timeout_seconds=30,
        stack=stack,
        what="a request in flight",
        interval=0.001,
    )


async def post_once(
    session: aiohttp.ClientSession,
    url: str,
    headers: dict[str, str],
    *,
    json_body: Any = None,
    data: bytes | None = None,
) -> tuple[int | None, str]:
    """POST once; (None, "") when no HTTP answer came (refused, reset, cut off mid-request)."""
    try:
        async with session.post(url, json=json_body, data=data, headers=headers) as answer:
            return answer.status, await answer.text()
    except (aiohttp.ClientError, TimeoutError):
        return None, ""


async def send_until_2xx(
    stream: PublishStream,
    start: int,
    send: Callable[[], Awaitable[tuple[int | None, str]]],
    *,
    retry: bool,
    give_up_seconds: float,
) -> tuple[Published, str] | None:
    """``send()`` until it answers 2xx (or once, without ``retry``), keeping every try in
    ``stream``; return the answering request's times (``message_id`` left empty) and body."""
    deadline = time.monotonic() + give_up_seconds
    while True:
        sent_at = stream.in_flight[start] = time.time()
        status, text = await send()
        answered_at = time.time()
        del stream.in_flight[start]
        stream.tries.append(PublishTry(start, sent_at, answered_at, status))
        if status is not None and 200 <= status < 300:
            return Published("", sent_at, answered_at), text
        if not retry:
            return None
        if time.monotonic() > deadline:
            raise HarnessError(f"request from {start} not accepted within {give_up_seconds} s")
        await asyncio.sleep(0.1)  # a sender's back-off: the API may be restarting


async def run_stream(
    stream: PublishStream,
    job: Callable[[aiohttp.ClientSession, int], Awaitable[None]],
    *,
    batch_size: int,
    concurrency: int,
    rate: float,
) -> None:
    """``job(session, start)`` for each batch of the stream, batch ``start`` leaving no sooner
    than ``start / rate`` seconds after the beginning, from ``concurrency`` senders."""
    starts = iter(range(0, stream.events, batch_size))
    began = time.monotonic()

    async def sender(session: aiohttp.ClientSession) -> None:
        for start in starts:
            delay = began + start / rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            await job(session, start)

    # force_close: a new connection per request, as a sender behind a load balancer would see a
    # restarted API; no request is ever sent on a connection the old process is closing.
    timeout = aiohttp.ClientTimeout(total=30)
    connector = aiohttp.TCPConnector(force_close=True)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        await asyncio.gather(*(sender(session) for _ in range(concurrency)))


async def _publish_stream(
    service: Service,
    tenant: str,
    stream: PublishStream,
    *,
    batch_size: int,
    concurrency: int,
    rate: float,
    retry: bool,
    give_up_seconds: float,
) -> None:
    url = f"{service.base_url}/api/v1/tenants/{tenant}/messages/batch"
    headers = {"authorization": f"Bearer {service.admin_key}"}

    async def publish(session: aiohttp.ClientSession, start: int) -> None:
        numbers = range(start, min(start + batch_size, stream.events))
        body = {
            "messages": [
                {
                    "event_type": "invoice.paid",
                    "payload": {"n": n, "invoice": f"in_{n}"},
                    "event_id": stream.event_id(n),
                }
                for n in numbers
            ]
        }
        answered = await send_until_2xx(
            stream,
            start,
            lambda: post_once(session, url, headers, json_body=body),
            retry=retry,
            give_up_seconds=give_up_seconds,
        )
        if answered is None:
            return
        times, text = answered
        ids = [m["id"] for m in json.loads(text)["data"]]
        for n, message_id in zip(numbers, ids, strict=True):
            stream.ids_by_event[stream.event_id(n)] = message_id
            stream.published.append(Published(message_id, times.sent_at, times.answered_at))

    await run_stream(stream, publish, batch_size=batch_size, concurrency=concurrency, rate=rate)


def publish_stream(
    service: Service,
    tenant: str,
    stream: PublishStream,
    *,
    batch_size: int = 10,
    concurrency: int = 4,
    rate: float = 100.0,
    retry: bool = True,
    give_up_seconds: float = 90.0,
) -> PublishStream:
    """Publish ``stream.events`` events at ``rate`` a second, in batches, each with its own
    ``event_id``. With ``retry``, a batch not answered 2xx (no answer, or an error status) is sent
    again, with the same event ids, until it is (a publisher riding out an API restart); without,
    it is given up. Every request is kept in ``stream.tries``."""
    asyncio.run(
        _publish_stream(
            service,
            tenant,
            stream,
            batch_size=batch_size,
            concurrency=concurrency,
            rate=rate,
            retry=retry,
            give_up_seconds=give_up_seconds,
        )
    )
    return stream

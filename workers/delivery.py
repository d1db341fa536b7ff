"""Sending deliveries: lease the rows, sign and POST concurrently, record attempts in bulk.

``send_deliveries`` is the testable core behind the ``delivery.send`` actor. The database decides
who sends: a delivery is sent only by the worker that leased it, so a duplicate task (a broker
redelivery, a scheduler re-enqueue) never causes a second concurrent try.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import aiohttp
import httpx
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.deliveries import repository
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.ids import new_id
from app.kit.signing import signature_headers
from app.models.delivery import FAILED, PENDING, SUCCEEDED
from workers.policy import is_success, retry_delay_seconds

log = structlog.get_logger(__name__)

# The lease outlives the longest try; a worker killed mid-try frees its rows when it expires.
LEASE_MARGIN_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one HTTP try came to."""

    status_code: int | None
    response_body: str
    duration_ms: int
    error_kind: str | None = None
    error_detail: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.error_kind is None and is_success(self.status_code)


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """Per-process resources a worker sends with."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    client: httpx.AsyncClient
    secret_box: SecretBox


# Most specific first. aiohttp's own exception (kept as the cause) decides: httpx-aiohttp maps a
# refused connection to httpx.ConnectTimeout, which would read as a timeout.
_ERROR_KINDS: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("dns", (aiohttp.ClientConnectorDNSError,)),
    ("tls", (ssl.SSLError, aiohttp.ClientSSLError)),
    ("timeout", (TimeoutError, aiohttp.ServerTimeoutError)),
    ("connection", (aiohttp.ClientConnectorError, aiohttp.ClientOSError, ConnectionError)),
    ("connection", (aiohttp.ClientError,)),
    ("timeout", (httpx.TimeoutException,)),
    ("connection", (httpx.TransportError, OSError)),
)


def classify_error(exc: BaseException) -> str:
    """A stable error kind for a failed try: dns, tls, timeout, connection or other."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for kind, types in _ERROR_KINDS:
        if any(isinstance(e, types) for e in chain):
            return kind
    return "other"


async def _read_prefix(response: httpx.Response, max_bytes: int) -> str:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_raw():
        chunks.append(chunk)
        size += len(chunk)
        if size >= max_bytes:
            break
    return b"".join(chunks)[:max_bytes].decode("utf-8", errors="replace")


async def post(
    client: httpx.AsyncClient,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout_seconds: float,
    max_body_bytes: int,
) -> Outcome:
    """POST once, within ``timeout_seconds`` in all, keeping the first ``max_body_bytes`` of the answer."""
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_seconds):
            async with client.stream("POST", url, content=body, headers=headers) as response:
                text = await _read_prefix(response, max_body_bytes)
    except Exception as exc:
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        return Outcome(
            None, "", elapsed_ms, classify_error(exc), f"{type(exc).__name__}: {exc}"[:500]
        )
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    kind = None if is_success(response.status_code) else "http_status"
    return Outcome(response.status_code, text, elapsed_ms, kind)


async def _try(ctx: DeliveryContext, row: Any) -> Outcome:
    if row.body is None:
        return Outcome(None, "", 0, "payload_purged", "the payload was purged by retention")
    secret = ctx.secret_box.decrypt(row.secret_encrypted)
    headers = {
        "content-type": "application/json",
        **signature_headers([secret], msg_id=row.message_id, timestamp=utc_now(), body=row.body),
    }
    return await post(
        ctx.client,
        row.url,
        row.body,
        headers,
        timeout_seconds=ctx.settings.request_timeout_seconds,
        max_body_bytes=ctx.settings.max_response_body_bytes,
    )


def _next_state(settings: Settings, row: Any, outcome: Outcome, now: datetime) -> dict[str, Any]:
    tries = row.attempt_count + 1
    change: dict[str, Any] = {
        "id": row.id,
        "attempt_count": tries,
        "last_attempt_at": now,
        "lease_until": None,
        "enqueued_at": None,
        "updated_at": now,
        "status": PENDING,
        "next_attempt_at": None,
    }
    if outcome.succeeded:
        change["status"] = SUCCEEDED
        return change
    delay = None
    if outcome.error_kind != "payload_purged":
        delay = retry_delay_seconds(settings.retry_schedule, tries, jitter=settings.retry_jitter)
    if delay is None:
        change["status"] = FAILED
    else:
        change["next_attempt_at"] = now + timedelta(seconds=delay)
    return change


def _attempt_row(row: Any, outcome: Outcome, trigger: str, now: datetime) -> dict[str, Any]:
    return {
        "id": new_id("att"),
        "tenant_id": row.tenant_id,
        "delivery_id": row.id,
        "message_id": row.message_id,
        "endpoint_id": row.endpoint_id,
        "attempt_number": row.attempt_count + 1,
        "status": SUCCEEDED if outcome.succeeded else FAILED,
        "status_code": outcome.status_code,
        "response_body": outcome.response_body,
        "duration_ms": outcome.duration_ms,
        "error_kind": outcome.error_kind,
        "error_detail": outcome.error_detail,
        "trigger": trigger,
        "created_at": now,
    }


def _log_outcome(row: Any, outcome: Outcome, change: dict[str, Any]) -> None:
    fields = {
        "message_id": row.message_id,
        "endpoint_id": row.endpoint_id,
        "delivery_id": row.id,
        "attempt": change["attempt_count"],
        "status_code": outcome.status_code,
        "duration_ms": outcome.duration_ms,
    }
    if outcome.succeeded:
        log.debug("delivery_succeeded", **fields)
    elif change["status"] == FAILED:
        log.warning("delivery_failed", error_kind=outcome.error_kind, **fields)
    else:
        log.info(
            "delivery_retry_scheduled",
            error_kind=outcome.error_kind,
            next_attempt_at=change["next_attempt_at"].isoformat(),
            **fields,
        )


async def send_deliveries(
    ctx: DeliveryContext, delivery_ids: Sequence[str], *, trigger: str = "scheduled"
) -> int:
    """Try every due, unleased delivery among ``delivery_ids``; return how many were tried."""
    now = utc_now()
    lease_until = now + timedelta(
        seconds=ctx.settings.request_timeout_seconds + LEASE_MARGIN_SECONDS
    )
    async with ctx.sessions() as session:
        rows = await repository.claim_for_send(
            session, delivery_ids, now=now, lease_until=lease_until
        )
        await repository.park(session, [r.id for r in rows if r.disabled])
        await session.commit()
    rows = [r for r in rows if not r.disabled]
    if not rows:
        return 0
    outcomes = await asyncio.gather(*(_try(ctx, row) for row in rows))
    done_at = utc_now()
    attempts, changes = [], []
    for row, outcome in zip(rows, outcomes, strict=True):
        change = _next_state(ctx.settings, row, outcome, done_at)
        changes.append(change)
        attempts.append(_attempt_row(row, outcome, trigger, done_at))
        _log_outcome(row, outcome, change)
    async with ctx.sessions() as session:
        await repository.record(session, attempts, changes)
        await session.commit()
    return len(rows)

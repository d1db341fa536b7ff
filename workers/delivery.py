"""One try of one delivery: sign, POST, and classify what came back.

``workers.dispatch`` decides which deliveries go and when; ``workers.recording`` stores outcomes.
"""

from __future__ import annotations

import asyncio
import functools
import socket
import ssl
import time
from dataclasses import dataclass

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.config import Settings
from app.deliveries.repository import ClaimedDelivery
from app.endpoints import transformations
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.egress import EgressBlocked
from app.kit.jobs import JobQueue
from app.kit.signing import active_secrets, active_signing_keys, signature_headers
from app.kit.transform import TransformError
from workers.http import Sender
from workers.policy import is_success

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What one HTTP try came to."""

    status_code: int | None
    response_body: str
    duration_ms: int
    error_kind: str | None = None
    error_detail: str | None = None
    retry_after: str | None = None  # the receiver's Retry-After header, as sent
    request_headers: dict[str, str] | None = None  # as sent, secrets redacted
    response_headers: dict[str, str] | None = None  # bounded (workers.http)
    request_body: str | None = None  # the body sent, when a transformation changed it (bounded)

    @property
    def succeeded(self) -> bool:
        return self.error_kind is None and is_success(self.status_code)


@dataclass(frozen=True, slots=True)
class DeliveryContext:
    """Per-process resources a worker sends with."""

    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    client: Sender
    secret_box: SecretBox
    jobs: JobQueue | None = None  # sends the tasks of operational events after commit


# Most specific first; the whole cause chain is searched.
_ERROR_KINDS: tuple[tuple[str, tuple[type[BaseException], ...]], ...] = (
    ("blocked", (EgressBlocked,)),
    ("dns", (socket.gaierror,)),
    ("tls", (ssl.SSLError, ssl.CertificateError)),
    ("timeout", (TimeoutError,)),
    ("connection", (OSError,)),  # refused, reset, unreachable, or an answer that is not HTTP
)


def classify_error(exc: BaseException) -> str:
    """A stable error kind for a failed try: blocked, dns, tls, timeout, connection or other."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for kind, types in _ERROR_KINDS:
        if any(isinstance(e, types) for e in chain):
            return kind
    return "other"


REDACTED = "[redacted]"
# Request headers whose values an attempt never keeps: signatures, credentials, and custom
# headers whose names look like they carry one.
_SECRET_HEADERS = frozenset({"webhook-signature", "authorization", "proxy-authorization", "cookie"})
_SECRET_WORDS = ("secret", "token", "key", "auth", "signature", "password", "credential")


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """The request headers as an attempt records them: secret-looking values replaced."""
    secret = _secret_names(tuple(headers))
    return {name: REDACTED if name in secret else value for name, value in headers.items()}


@functools.lru_cache(maxsize=1024)
def _secret_names(names: tuple[str, ...]) -> frozenset[str]:
    """Which of these header names carry secrets (an endpoint's names repeat on every try)."""
    return frozenset(
        name
        for name in names
        if (lower := name.lower()) in _SECRET_HEADERS or any(w in lower for w in _SECRET_WORDS)
    )


async def post(
    client: Sender,
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    timeout_seconds: float,
    max_body_bytes: int,
    destination: bool = False,
    request_body: str | None = None,
) -> Outcome:
    """POST once, within ``timeout_seconds`` in all, keeping the first ``max_body_bytes`` of the answer."""
    sent_headers = redact_headers(headers)
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout_seconds):
            status, text, response_headers = await client.post(
                url, body, headers, max_body_bytes=max_body_bytes, destination=destination
            )
    except Exception as exc:
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        return Outcome(
            status_code=None,
            response_body="",
            duration_ms=elapsed_ms,
            error_kind=classify_error(exc),
            error_detail=f"{type(exc).__name__}: {exc}"[:500],
            request_headers=sent_headers,
            request_body=request_body,
        )
    elapsed_ms = int((time.perf_counter() - started) * 1000)
    return Outcome(
        status_code=status,
        response_body=text,
        duration_ms=elapsed_ms,
        error_kind=None if is_success(status) else "http_status",
        retry_after=response_headers.get("retry-after"),
        request_headers=sent_headers,
        response_headers=response_headers,
        request_body=request_body,
    )


async def try_delivery(ctx: DeliveryContext, row: ClaimedDelivery) -> Outcome:
    """Sign and POST one claimed delivery."""
    if row.body is None:
        return Outcome(
            status_code=None,
            response_body="",
            duration_ms=0,
            error_kind="payload_purged",
            error_detail="the payload was purged by retention",
        )
    body, extra_headers = row.body, None
    if row.transformation is not None:
        try:
            body, extra_headers = transformations.apply(row.transformation, body)
        except TransformError as exc:
            return Outcome(
                status_code=None,
                response_body="",
                duration_ms=0,
                error_kind="transformation",
                error_detail=f"the transformation failed: {exc.message}"[:500],
            )
    now = utc_now()
    decrypt = ctx.secret_box.decrypt
    scheme = row.signature_scheme
    secrets = (
        active_secrets(row.secret_encrypted, row.old_secrets, now=now, decrypt=decrypt)
        if scheme != "v1a"
        else ()
    )
    # HMAC-only endpoints (the default) skip this: ed25519 is far dearer (tests/bench/RESULTS.md).
    keys = active_signing_keys(row.signing_keys, now=now, decrypt=decrypt) if scheme != "v1" else ()
    headers = {
        **(row.headers or {}),  # the endpoint's custom headers (reserved names are refused)
        **(extra_headers or {}),  # the transformation's (the same rules)
        # An inbound message carries the provider's content type and forwarded headers; a
        # transformed body is always JSON.
        **(_JSON if extra_headers is not None else row.payload_headers or _JSON),
        # The signature covers the bytes actually sent, transformed or not.
        **signature_headers(
            secrets, msg_id=row.message_id, timestamp=now, body=body, signing_keys=keys
        ),
    }
    return await post(
        ctx.client,
        row.url,
        body,
        headers,
        timeout_seconds=ctx.settings.request_timeout_seconds,
        max_body_bytes=ctx.settings.max_response_body_bytes,
        destination=row.destination,
        # The log shows what was sent (its first bytes, as of a response), not the payload.
        request_body=None
        if extra_headers is None
        else body[: ctx.settings.max_response_body_bytes].decode("utf-8", "replace"),
    )


_JSON = {"content-type": "application/json"}

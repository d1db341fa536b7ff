"""The ingest path: verify, deduplicate, store, and only then acknowledge (guarantee 9).

``receive`` runs inside the request's unit of work and returns the ``Answer``; the controller
sends it only after that unit of work has committed, so a 2xx always follows a commit (a commit
that fails is a 5xx and the provider retries). Per request:

1. the source is found by its ingest token (a rotated-out one works until its expiry);
2. a handshake (Slack, Zoom, Meta) is answered inline and nothing is stored;
3. the provider's verifier checks the raw bytes; a refusal stores only a bounded "rejected"
   record (``repository.REJECTED_KEPT`` per source, ``REJECTED_MAX_AGE``) and is never delivered;
4. each event (HubSpot batches several) claims its dedup key; a duplicate is recorded and goes
   nowhere; an accepted event becomes a message of the source's hidden tenant (body byte-exact,
   with the headers its destinations receive) and one delivery per destination that selects it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qsl

import msgspec

from app.deliveries.repository import new_delivery_row
from app.endpoints import repository as endpoints
from app.kit.crypto import SecretBox
from app.kit.ids import new_id
from app.kit.jobs import enqueue
from app.kit.matching import Subscription, matches
from app.metrics import INBOUND_EVENTS, INBOUND_REJECTED
from app.models import InboundEvent, Message, Source
from app.models.source import ACCEPTED, DUPLICATE, REJECTED
from app.sources import providers, repository
from app.sources.providers import InboundRequest, Rejected, SourceSecret
from workers.contracts import SendDeliveries

# Options the ingest path reads itself; the rest are the provider's.
DEDUP_WINDOW_OPTION = "dedup_window_seconds"
DEFAULT_DEDUP_WINDOW_SECONDS = 7 * 86_400
REJECTED_BODY_KEPT_BYTES = 4096
JSON = "application/json"
# Request headers an inbound record never keeps: credentials (basic_auth, api_key) and lookalikes.
_SECRET_WORDS = ("authorization", "cookie", "secret", "token", "key", "password", "credential")


@dataclass(frozen=True, slots=True)
class Answer:
    """What the ingest URL answers, sent once the unit of work has committed."""

    status: int
    body: bytes
    content_type: str = JSON

    @classmethod
    def problem(cls, status: int, code: str, detail: str) -> Answer:
        body = msgspec.json.encode({"status": status, "code": code, "detail": detail})
        return cls(status, body, "application/problem+json")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def provider_options(options: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in options.items() if k != DEDUP_WINDOW_OPTION}


def source_secrets(source: Source, box: SecretBox) -> list[SourceSecret]:
    return [
        SourceSecret(value=box.decrypt(item["secret_encrypted"]), expires_at=expiry(item))
        for item in source.secrets
    ]


def expiry(stored_secret: Mapping[str, Any]) -> datetime | None:
    expires_at = stored_secret.get("expires_at")
    return datetime.fromisoformat(expires_at) if expires_at else None


class Received(msgspec.Struct):
    """The acknowledgement body: each event of the request and its outcome."""

    events: list[dict[str, str]]


async def receive(
    session: Any,
    request: InboundRequest,
    token: str,
    *,
    box: SecretBox,
    now: datetime,
    too_large: bool = False,
) -> Answer:
    source = await repository.by_token_hash(session, token_hash(token), now=now)
    if source is None:
        INBOUND_REJECTED.labels("unknown", "source_unknown").inc()
        return Answer.problem(404, "source_not_found", "no source has this ingest URL")
    refusal = _refusal(source, request, too_large=too_large)
    if refusal is not None:
        return await _reject(session, source, request, *refusal, now=now)
    preset = providers.provider(source.provider)
    secrets = source_secrets(source, box)
    options = provider_options(source.options)
    try:
        handshake = preset.handshake(request, secrets, options, now=now)
        if handshake is not None:
            return Answer(handshake.status, handshake.body, handshake.content_type)
        if request.method != "POST":
            return await _reject(
                session, source, request, 405, "method_invalid", "only POST is received", now=now
            )
        preset.verify(request, secrets, options, now=now)
        events = preset.events(request, options)
    except Rejected as rejected:
        status = 400 if rejected.cause == "body_invalid" else 401
        return await _reject(
            session, source, request, status, rejected.cause, rejected.detail, now=now
        )
    outcomes = [await _store(session, source, request, event, now=now) for event in events]
    return Answer(200, msgspec.json.encode(Received(events=outcomes)))


def _refusal(
    source: Source, request: InboundRequest, *, too_large: bool
) -> tuple[int, str, str] | None:
    if too_large:
        return 413, "body_too_large", "the request body is larger than the ingest limit"
    if source.disabled:
        return 403, "source_disabled", "this source is disabled"
    return None


async def _reject(
    session: Any,
    source: Source,
    request: InboundRequest,
    status: int,
    cause: str,
    detail: str,
    *,
    now: datetime,
) -> Answer:
    """Keep a bounded record of why, count it, and refuse; nothing is delivered."""
    INBOUND_REJECTED.labels(source.id, cause).inc()
    record = _record(source, request, outcome=REJECTED, now=now)
    record.cause = cause
    record.body = request.body[:REJECTED_BODY_KEPT_BYTES]
    await repository.add_event(session, record)
    await repository.trim_rejected(session, source.id)
    return Answer.problem(status, cause, detail or cause)


def _record(
    source: Source, request: InboundRequest, *, outcome: str, now: datetime
) -> InboundEvent:
    return InboundEvent(
        id=new_id("iev"),
        source_id=source.id,
        outcome=outcome,
        method=request.method,
        url=request.url,
        headers=kept_headers(request.headers),
        content_type=request.headers.get("content-type", ""),
        created_at=now,
    )


def kept_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """The request headers as the inbound log keeps them: credentials replaced."""
    return {
        name: "[redacted]" if any(word in name for word in _SECRET_WORDS) else value
        for name, value in headers.items()
    }


async def _store(
    session: Any,
    source: Source,
    request: InboundRequest,
    event: providers.InboundEvent,
    *,
    now: datetime,
) -> dict[str, str]:
    record = _record(source, request, outcome=ACCEPTED, now=now)
    record.event_type = event.event_type[:256]
    record.dedup_key = None if event.dedup_key is None else event.dedup_key[:256]
    record.content_type = event.content_type
    if record.dedup_key is not None:
        holder = await repository.claim_dedup_key(
            session,
            source.id,
            record.dedup_key,
            event_id=record.id,
            now=now,
            window=dedup_window(source),
        )
        if holder is not None:
            record.outcome, record.duplicate_of = DUPLICATE, holder or None
    if record.outcome == ACCEPTED:
        record.message_id = await _publish(session, source, request, event, record, now=now)
    await repository.add_event(session, record)
    INBOUND_EVENTS.labels(source.id, record.outcome).inc()
    return {"id": record.id, "outcome": record.outcome}


def dedup_window(source: Source) -> timedelta:
    seconds = source.options.get(DEDUP_WINDOW_OPTION, DEFAULT_DEDUP_WINDOW_SECONDS)
    return timedelta(seconds=int(seconds))


async def _publish(
    session: Any,
    source: Source,
    request: InboundRequest,
    event: providers.InboundEvent,
    record: InboundEvent,
    *,
    now: datetime,
) -> str:
    """The event as a message of the source's tenant, with one delivery per selecting destination."""
    message = Message(
        id=new_id("msg"), tenant_id=source.tenant_id, event_type=record.event_type, created_at=now
    )
    headers = forwarded_headers(source, request, event, record.id)
    await repository.add_message(session, message, event.body, headers)
    subscribed = await endpoints.subscriptions(session, source.tenant_id)
    document = document_of(event)
    rows = [
        new_delivery_row(message, endpoint_id)
        for endpoint_id, subscription in subscribed
        if selects(subscription, event.event_type, document)
    ]
    await repository.add_deliveries(session, rows)
    if rows:
        enqueue(session, SendDeliveries(delivery_ids=[row["id"] for row in rows]))
    return message.id


def forwarded_headers(
    source: Source, request: InboundRequest, event: providers.InboundEvent, event_id: str
) -> dict[str, str]:
    """What a destination receives besides Hookrelay's signature: the provider's content type,
    where the event came from, and the provider's identifying headers as
    ``x-hookrelay-forwarded-<name>``."""
    return forwarded_to(source.provider, source.id, request, event, event_id)


def forwarded_to(
    provider: str,
    source_id: str,
    request: InboundRequest,
    event: providers.InboundEvent,
    event_id: str,
) -> dict[str, str]:
    """``forwarded_headers`` from the source's provider and id."""
    preset = providers.provider(provider)
    headers = {
        "content-type": event.content_type,
        "x-hookrelay-source": source_id,
        "x-hookrelay-provider": provider,
        "x-hookrelay-event-type": event.event_type,
        "x-hookrelay-inbound-event": event_id,
    }
    for name in preset.forwarded_headers:
        value = request.headers.get(name)
        if value is not None:
            headers[f"x-hookrelay-forwarded-{name}"] = value
    return headers


_NOT_A_DOCUMENT = object()


def document_of(event: providers.InboundEvent) -> Any:
    """What payload filters read: the JSON body, or a form body's fields (first value each);
    any other body has none, and destinations then select it on the event type alone."""
    media = event.content_type.split(";", 1)[0].strip().lower()
    if media == "application/x-www-form-urlencoded":
        try:
            return dict(reversed(parse_qsl(event.body.decode(), keep_blank_values=True)))
        except UnicodeDecodeError:
            return _NOT_A_DOCUMENT
    try:
        return msgspec.json.decode(event.body)
    except msgspec.DecodeError:
        return _NOT_A_DOCUMENT


def selects(subscription: Subscription, event_type: str, document: Any) -> bool:
    if not matches(subscription.event_types, event_type):
        return False
    if subscription.predicate is None or document is _NOT_A_DOCUMENT:
        return True
    return subscription.predicate(document)

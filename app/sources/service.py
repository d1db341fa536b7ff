"""Sources and their destinations (admin only), the inbound log, and replays.

A source may be created without a secret, because some providers (Stripe among them) show the
signing secret only once the ingest URL is registered with them; until one is added every
request is refused (``secret_missing``, fail-closed) unless the provider is the explicit
``none``. Destinations are endpoints of the source's hidden tenant, so every endpoint rule
applies to them; they are created under the destination egress policy, not the tenants' one.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import service as deliveries
from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointCreate, EndpointUpdate
from app.errors import Conflict, InvalidRequest, NotFound
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.egress import EgressPolicy
from app.kit.ids import new_id
from app.models import Delivery, Endpoint, InboundEvent, Message, Source, Tenant
from app.models.source import ACCEPTED, OUTCOMES
from app.sources import cache, ingest, providers, repository
from app.sources import replay as replays
from app.sources.schemas import SourceCreate, SourceSecretIn, SourceUpdate

SOURCE_TENANT = "source"  # Tenant.kind of a source's hidden tenant
MAX_DEDUP_WINDOW_SECONDS = 90 * 86_400


def new_token() -> str:
    return secrets.token_urlsafe(24)


def ingest_url(source: Source, box: SecretBox, base_url: str) -> str:
    return f"{base_url}/in/{box.decrypt(source.token_encrypted)}"


async def create(session: AsyncSession, data: SourceCreate, box: SecretBox) -> Source:
    preset = _preset(data.provider)
    given = list(data.secrets or [])
    if data.secret is not None:
        given.insert(0, SourceSecretIn(value=data.secret))
    source_id = new_id("src")
    tenant = Tenant(id=new_id("tnt"), uid=source_id, name=data.name, kind=SOURCE_TENANT)
    session.add(tenant)
    await session.flush()
    token = new_token()
    source = Source(
        id=source_id,
        tenant_id=tenant.id,
        name=data.name,
        provider=preset.name,
        secrets=_stored_secrets(preset, given, box),
        options=check_options(preset, data.options),
        disabled=False,
        token_encrypted=box.encrypt(token),
        token_hash=ingest.token_hash(token),
    )
    session.add(source)
    await session.flush()
    return source


def _preset(name: str) -> providers.Provider:
    try:
        return providers.provider(name)
    except KeyError:
        known = ", ".join(sorted(providers.PROVIDERS))
        raise InvalidRequest(
            f"unknown provider {name!r}; one of {known}", code="unknown_provider", status_code=400
        ) from None


def _stored_secrets(
    preset: providers.Provider, given: list[SourceSecretIn], box: SecretBox
) -> list[dict[str, Any]]:
    stored = []
    for index, secret in enumerate(given):
        try:
            value = preset.check_secret(secret.value)
        except ValueError as exc:
            raise InvalidRequest(
                f"secrets[{index}]: {exc}", code="invalid_secret", status_code=400
            ) from None
        expires_at = secret.expires_at.isoformat() if secret.expires_at else None
        stored.append({"secret_encrypted": box.encrypt(value), "expires_at": expires_at})
    if len(stored) > 10:
        raise InvalidRequest("a source holds at most 10 secrets", code="invalid_secret")
    return stored


def check_options(preset: providers.Provider, options: dict[str, Any]) -> dict[str, Any]:
    """The provider's options normalised, plus the ingest path's own ``dedup_window_seconds``."""
    own = {}
    if ingest.DEDUP_WINDOW_OPTION in options:
        window = options[ingest.DEDUP_WINDOW_OPTION]
        if isinstance(window, bool) or not isinstance(window, int):
            raise _bad_options(f"{ingest.DEDUP_WINDOW_OPTION} is an integer")
        if not 1 <= window <= MAX_DEDUP_WINDOW_SECONDS:
            raise _bad_options(f"{ingest.DEDUP_WINDOW_OPTION} is 1 to {MAX_DEDUP_WINDOW_SECONDS}")
        own[ingest.DEDUP_WINDOW_OPTION] = window
    try:
        checked = preset.check_options(ingest.provider_options(options))
    except ValueError as exc:
        raise _bad_options(str(exc)) from None
    return checked | own


def _bad_options(detail: str) -> InvalidRequest:
    return InvalidRequest(f"options: {detail}", code="invalid_options", status_code=400)


async def get(session: AsyncSession, source_id: str) -> Source:
    found = await repository.get(session, source_id)
    if found is None:
        raise NotFound(f"source {source_id!r} not found", code="source_not_found")
    return found


async def update(
    session: AsyncSession, source_id: str, data: SourceUpdate, box: SecretBox
) -> Source:
    source = await get(session, source_id)
    preset = _preset(source.provider)
    if data.secrets is not msgspec.UNSET:
        source.secrets = _stored_secrets(preset, data.secrets, box)
    if data.options is not msgspec.UNSET:
        source.options = check_options(preset, data.options)
    if data.name is not msgspec.UNSET:
        source.name = data.name
    if data.disabled is not msgspec.UNSET:
        source.disabled = data.disabled
    source.updated_at = utc_now()
    await session.flush()
    cache.forget_all()  # this process's ingest fast path; others within cache.CACHE_SECONDS
    return source


async def rotate_token(
    session: AsyncSession, source_id: str, box: SecretBox, *, overlap_seconds: int
) -> Source:
    """A new ingest URL; the current one keeps working for ``overlap_seconds``."""
    source = await get(session, source_id)
    token = new_token()
    source.old_token_hash = source.token_hash
    source.old_token_expires_at = utc_now() + timedelta(seconds=overlap_seconds)
    source.token_hash = ingest.token_hash(token)
    source.token_encrypted = box.encrypt(token)
    source.updated_at = utc_now()
    await session.flush()
    cache.forget_all()  # this process's ingest fast path; others within cache.CACHE_SECONDS
    return source


async def delete(session: AsyncSession, source_id: str) -> None:
    """Delete a source in constant time, whatever its history: it is gone at once (404 on every
    route and its ingest URL), its destinations are deleted like endpoints (never sent to
    again), and retention purges its log, messages and hidden tenant later, in short batches."""
    source = await get(session, source_id)
    await repository.mark_deleted(
        session, source, now=utc_now(), disabled_reason=endpoints.ENDPOINT_DELETED
    )
    cache.forget_all()


# -- destinations ------------------------------------------------------------------------------


async def create_destination(
    session: AsyncSession,
    source_id: str,
    data: EndpointCreate,
    box: SecretBox,
    *,
    egress: EgressPolicy,
) -> Endpoint:
    tenant = await repository.tenant_of(session, await get(session, source_id))
    endpoint = await endpoints.create(session, tenant, data, box, egress=egress)
    endpoint.destination = True
    await session.flush()
    return endpoint


async def destination(session: AsyncSession, source_id: str, destination_id: str) -> Endpoint:
    tenant = await tenant_of(session, source_id)
    try:
        return await endpoints.get(session, tenant, destination_id)
    except NotFound:
        raise NotFound(
            f"destination {destination_id!r} not found", code="destination_not_found"
        ) from None


async def tenant_of(session: AsyncSession, source_id: str) -> Tenant:
    return await repository.tenant_of(session, await get(session, source_id))


async def update_destination(
    session: AsyncSession,
    source_id: str,
    destination_id: str,
    data: EndpointUpdate,
    *,
    egress: EgressPolicy,
) -> Endpoint:
    found = await destination(session, source_id, destination_id)
    tenant = await tenant_of(session, source_id)
    return await endpoints.update(session, tenant, found.id, data, egress=egress)


# -- the inbound log ---------------------------------------------------------------------------


def check_outcome(outcome: str | None) -> str | None:
    if outcome is not None and outcome not in OUTCOMES:
        raise InvalidRequest(f"outcome must be one of {', '.join(OUTCOMES)}", code="invalid_filter")
    return outcome


async def event(session: AsyncSession, source_id: str, event_id: str) -> InboundEvent:
    await get(session, source_id)
    found = await repository.event(session, source_id, event_id)
    if found is None:
        raise NotFound(f"inbound event {event_id!r} not found", code="inbound_event_not_found")
    return found


async def replay(session: AsyncSession, source_id: str, event_id: str) -> list[Delivery]:
    """Deliver an accepted event again, now: to each enabled destination it went to, and to each
    added since that selects it (``replay``); deleted and disabled ones are passed by."""
    found = await event(session, source_id, event_id)
    if found.outcome != ACCEPTED or found.message_id is None:
        raise Conflict(
            f"only accepted events are replayed; this one is {found.outcome}",
            code="event_not_accepted",
        )
    tenant = await tenant_of(session, source_id)
    message = await session.get_one(Message, found.message_id)
    resent = await replays.replay_event(session, tenant, message, found.content_type)
    if not resent:
        raise Conflict("no enabled destination takes this event", code="nothing_to_replay")
    return resent


async def recover(
    session: AsyncSession,
    source_id: str,
    destination_id: str,
    *,
    since: datetime,
    until: datetime | None,
) -> Any:
    """Replay a time range to a destination: the outbound recovery, with its progress."""
    tenant = await tenant_of(session, source_id)
    found = await destination(session, source_id, destination_id)
    return await deliveries.start_recovery(session, tenant, found.id, since=since, until=until)

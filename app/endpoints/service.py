"""Endpoints of a tenant: create, read, change, enable/disable, delete; signing secrets."""

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.deliveries import ordering, planning
from app.endpoints import repository, transformations
from app.endpoints.schemas import EndpointCreate, EndpointUpdate, Transformation
from app.errors import InvalidRequest, NotFound
from app.kit.clock import utc_now
from app.kit.crypto import SecretBox
from app.kit.egress import EgressPolicy
from app.kit.filters import FilterError, compile_filter
from app.kit.ids import new_id
from app.kit.signing import check_secret, generate_secret, rotated_out
from app.kit.urls import check_endpoint_url
from app.models import Endpoint, Tenant
from app.signing_keys.service import ensure_key

DISABLED_THROUGH_API = "disabled through the API"
ENDPOINT_DELETED = "endpoint deleted"

# Headers that Hookrelay sets itself or that belong to the connection: a customer may not set them.
RESERVED_HEADERS = frozenset(
    {
        "host",
        "content-type",
        "content-length",
        "content-encoding",
        "transfer-encoding",
        "connection",
        "keep-alive",
        "upgrade",
        "te",
        "trailer",
        "expect",
        "user-agent",
        "proxy-authorization",
        "proxy-connection",
    }
)
RESERVED_HEADER_PREFIXES = ("webhook-", "hookrelay-", "proxy-", "sec-")
_HEADER_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,64}$")
_HEADER_VALUE = re.compile(r"^[\x20-\x7e\t]{0,1024}$")


def check_headers(headers: dict[str, str]) -> dict[str, str]:
    """Custom request headers, if their syntax is valid and none is reserved."""
    seen: set[str] = set()
    for name, value in headers.items():
        lower = name.lower()
        if not _HEADER_NAME.fullmatch(name):
            raise InvalidRequest(
                f"header name {name!r} is not a valid token", code="invalid_header"
            )
        if lower in RESERVED_HEADERS or lower.startswith(RESERVED_HEADER_PREFIXES):
            raise InvalidRequest(f"header {name!r} is set by Hookrelay", code="reserved_header")
        if lower in seen:
            raise InvalidRequest(f"header {name!r} is given twice", code="invalid_header")
        if not _HEADER_VALUE.fullmatch(value) or value != value.strip():
            raise InvalidRequest(
                f"header {name!r} has an invalid value (printable ASCII, at most 1024 characters)",
                code="invalid_header",
            )
        seen.add(lower)
    return headers


def check_filter(payload_filter: dict[str, Any] | None) -> dict[str, Any] | None:
    if payload_filter is not None:
        try:
            compile_filter(payload_filter)
        except FilterError as exc:
            where = "payload_filter" + exc.where[1:]
            raise InvalidRequest(f"{where}: {exc.message}", code="invalid_filter") from None
    return payload_filter


def check_transformation(transformation: Transformation | None) -> dict[str, Any] | None:
    """The transformation as stored, if it compiles and its headers pass (422 otherwise)."""
    return transformations.check(transformation, check_headers)


def _without_repeats(values: list[str] | None) -> list[str] | None:
    return None if values is None else list(dict.fromkeys(values))


async def create(
    session: AsyncSession,
    tenant: Tenant,
    data: EndpointCreate,
    box: SecretBox,
    *,
    egress: EgressPolicy | None = None,
) -> Endpoint:
    endpoint = Endpoint(
        id=new_id("ep"),
        tenant_id=tenant.id,
        url=check_endpoint_url(data.url, policy=egress),
        event_types=_without_repeats(data.event_types),
        channels=_without_repeats(data.channels),
        payload_filter=check_filter(data.payload_filter),
        headers=check_headers(data.headers),
        metadata_=data.metadata_,
        rate_limit_per_second=data.rate_limit_per_second,
        description=data.description,
        secret_encrypted=box.encrypt(generate_secret()),
        old_secrets=[],
        signature_scheme=data.signature_scheme,
        ordered=data.ordered,
        ordering_failure_policy=data.ordering_failure_policy,
        transformation=check_transformation(data.transformation),
    )
    ensure_key(endpoint, box, scheme=data.signature_scheme)
    session.add(endpoint)
    await session.flush()
    return endpoint


async def get(session: AsyncSession, tenant: Tenant, endpoint_id: str) -> Endpoint:
    found = await repository.get(session, tenant.id, endpoint_id)
    if found is None:
        raise NotFound(f"endpoint {endpoint_id!r} not found", code="endpoint_not_found")
    return found


async def list_(
    session: AsyncSession, tenant: Tenant, *, cursor: str | None, limit: int
) -> list[Endpoint]:
    return await repository.page(session, tenant.id, cursor=cursor, limit=limit)


_CHECK_ON_UPDATE: dict[str, Callable[[Any], Any]] = {
    "event_types": _without_repeats,
    "channels": _without_repeats,
    "payload_filter": check_filter,
    "headers": check_headers,
    "transformation": check_transformation,
}


async def update(
    session: AsyncSession,
    tenant: Tenant,
    endpoint_id: str,
    data: EndpointUpdate,
    *,
    egress: EgressPolicy | None = None,
    box: SecretBox | None = None,
) -> Endpoint:
    """Apply ``data``; ``box`` is needed to switch to v1a (the endpoint's first key is made)."""
    endpoint = await get(session, tenant, endpoint_id)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    disabled = changes.pop("disabled", None)
    scheme = changes.get("signature_scheme", "v1")
    if scheme != "v1" and not endpoint.signing_keys:
        if box is None:
            raise InvalidRequest(
                "signature_scheme cannot be changed here", code="signature_scheme_unsupported"
            )
        ensure_key(endpoint, box, scheme=scheme)  # before the scheme: never a v1a without a key
    if "url" in changes:
        changes["url"] = check_endpoint_url(changes["url"], policy=egress)
    for field, check in _CHECK_ON_UPDATE.items():
        if field in changes:
            changes[field] = check(changes[field])
    if endpoint.ordered and changes.get("ordered") is False:
        # No longer ordered: what waited behind its keys' heads goes at once, unordered.
        await ordering.release_all(session, endpoint.id, now=utc_now())
    for field, value in changes.items():
        setattr(endpoint, field, value)
    if disabled is not None:
        await set_disabled(session, endpoint, disabled)
    await session.flush()
    return endpoint


async def set_disabled(
    session: AsyncSession, endpoint: Endpoint, disabled: bool, *, reason: str | None = None
) -> Endpoint:
    """Disable (with a reason) or enable an endpoint; enabling resumes its parked deliveries."""
    if disabled:
        if not endpoint.disabled or reason is not None:
            endpoint.disabled_reason = reason or DISABLED_THROUGH_API
        endpoint.disabled = True
    elif endpoint.disabled:
        # Enabling is the operator saying "try again": a fresh breaker, and the backlog resumes.
        endpoint.disabled = False
        endpoint.disabled_reason = None
        endpoint.failing_since = None
        endpoint.circuit_state = "closed"
        endpoint.circuit_failures = 0
        endpoint.circuit_next_probe_at = None
        await planning.resume_parked(session, endpoint.id, now=utc_now())
    await session.flush()
    return endpoint


async def rotate_secret(
    session: AsyncSession,
    endpoint: Endpoint,
    box: SecretBox,
    *,
    secret: str | None,
    grace_hours: float,
) -> str:
    """Make ``secret`` (or a generated one) current; the old one keeps signing for the grace."""
    if secret is not None:
        try:
            check_secret(secret)
        except ValueError as exc:
            raise InvalidRequest(str(exc), code="invalid_secret") from None
    new_secret = secret or generate_secret()
    endpoint.old_secrets = rotated_out(
        endpoint.secret_encrypted,
        endpoint.old_secrets or [],
        now=utc_now(),
        grace=timedelta(hours=grace_hours),
    )
    endpoint.secret_encrypted = box.encrypt(new_secret)
    await session.flush()
    return new_secret


async def delete(session: AsyncSession, tenant: Tenant, endpoint_id: str) -> None:
    await soft_delete(session, await get(session, tenant, endpoint_id))


async def soft_delete(session: AsyncSession, endpoint: Endpoint) -> None:
    """Delete an endpoint in constant time, whatever its history: one row is marked. It is gone
    for every reader and for matching at once, and disabled, so no worker sends to it again (a
    claimed delivery parks); retention finishes its pending deliveries as failed, then purges
    its history in short batches with the rest, and finally the row (``app.retention``)."""
    endpoint.deleted_at = utc_now()
    endpoint.disabled = True
    endpoint.disabled_reason = ENDPOINT_DELETED
    await session.flush()

from datetime import datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta

from app.kit.schemas import Description

# One minute to 90 days.
Lifetime = Annotated[int, Meta(ge=60, le=90 * 86_400)]


# A same-origin path or an https URL (its host joins the page's img-src for the session); no
# quotes, spaces or angle brackets, and no protocol-relative ``//host``.
LogoUrl = Annotated[
    str,
    Meta(
        max_length=2048,
        pattern=r"^(/[^/\\\s]|https://[^/\\\s])[^\s\"'<>\\]*$",
        examples=["https://cdn.acme.example/logo.svg"],
    ),
]

ProductName = Annotated[str, Meta(min_length=1, max_length=80, examples=["Acme Webhooks"])]
Colour = Annotated[str, Meta(pattern=r"^#[0-9a-fA-F]{6}$", examples=["#2f5bd3"])]


class PortalBranding(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """The portal page's look for one link, over the operator's ``PORTAL_*`` settings: each field
    left out keeps the operator's."""

    name: ProductName | None = None
    logo_url: LogoUrl | None = None
    primary_color: Colour | None = None
    theme: Literal["auto", "light", "dark"] | None = None


class PortalTokenCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new portal token; ``expires_in_seconds`` defaults to ``HOOKRELAY_PORTAL_TOKEN_TTL_SECONDS``."""

    expires_in_seconds: Lifetime | None = None
    description: Description = ""
    read_only: bool = False  # view everything, change nothing, no secret reveal
    branding: PortalBranding | None = None  # the page's look for this link (white-label)


class PortalTokenOut(msgspec.Struct):
    """A portal token, without its secret value (shown only when it is minted)."""

    id: str
    tenant_id: str
    description: str
    read_only: bool
    branding: PortalBranding | None
    expires_at: datetime
    revoked_at: datetime | None
    link_used_at: datetime | None
    created_at: datetime


class PortalTokenMinted(msgspec.Struct):
    """A freshly minted portal token: ``token`` is a bearer credential for this tenant's routes
    only, shown once; ``magic_link`` hands the same token out once to whoever opens it."""

    id: str
    tenant_id: str
    token: str
    magic_link: str
    read_only: bool
    branding: PortalBranding | None
    expires_at: datetime


class PortalSession(msgspec.Struct):
    """What a magic link yields: the bearer token and the tenant it reaches."""

    token: str
    tenant_id: str
    expires_at: datetime

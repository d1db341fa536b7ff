from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

from app.kit.schemas import Description, EventTypePattern

Patterns = Annotated[list[EventTypePattern], Meta(min_length=1, max_length=100)]
RatePerSecond = Annotated[int, Meta(ge=1, le=100_000)]
Url = Annotated[str, Meta(min_length=1, max_length=2048)]


class EndpointCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new endpoint. ``event_types`` holds names or wildcards (``invoice.*``, ``*``)."""

    url: Url
    event_types: Patterns = msgspec.field(default_factory=lambda: ["*"])
    rate_limit_per_second: RatePerSecond | None = None
    description: Description = ""


class EndpointUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to an endpoint; omitted fields stay as they are."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    event_types: Patterns | msgspec.UnsetType = msgspec.UNSET
    rate_limit_per_second: RatePerSecond | msgspec.UnsetType | None = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    disabled: bool | msgspec.UnsetType = msgspec.UNSET


class EndpointOut(msgspec.Struct):
    """An endpoint of a tenant."""

    id: str
    tenant_id: str
    url: str
    description: str
    event_types: list[str]
    rate_limit_per_second: int | None
    disabled: bool
    disabled_reason: str | None
    circuit_state: str  # closed, open or half_open
    circuit_next_probe_at: datetime | None  # when an open circuit sends its next probe
    failing_since: datetime | None  # first failed try since the last success
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointSecretOut(msgspec.Struct):
    """The endpoint's current signing secret (``whsec_`` + base64)."""

    secret: str

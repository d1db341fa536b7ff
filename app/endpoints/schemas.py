from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta

from app.kit.schemas import Description, EventTypeName, EventTypePattern
from app.messages.schemas import Channel
from app.signing_keys.schemas import SignatureScheme

Patterns = Annotated[list[EventTypePattern], Meta(min_length=1, max_length=100)]
Channels = Annotated[list[Channel], Meta(min_length=1, max_length=50)]
RatePerSecond = Annotated[int, Meta(ge=1, le=100_000)]
Url = Annotated[str, Meta(min_length=1, max_length=2048)]
# Header names and values are checked in full by the service (syntax and reserved names).
Headers = Annotated[dict[str, str], Meta(max_length=20)]
MetadataKey = Annotated[str, Meta(min_length=1, max_length=64)]
MetadataValue = Annotated[str, Meta(max_length=512)]
Metadata = Annotated[dict[MetadataKey, MetadataValue], Meta(max_length=50)]
PayloadFilter = dict[str, Any]  # the language of app.kit.filters, checked by the service
# What an ordered endpoint does when a key's head exhausts its tries: hold the key until a resend
# or a skip, or record the head failed and go on with the key's next message.
OrderingFailurePolicy = Literal["hold", "skip"]
# A JMESPath expression (app.kit.transform); its syntax is checked by the service.
Expression = Annotated[str, Meta(min_length=1, max_length=4096)]
Secret = Annotated[str, Meta(min_length=10, max_length=200, pattern=r"^whsec_[A-Za-z0-9+/=]+$")]


class Transformation(msgspec.Struct, forbid_unknown_fields=True):
    """How the payload is reshaped before it is signed and sent: a JMESPath ``expression`` over
    the payload (its result is the body) and ``headers`` added to the request (the same rules
    as the endpoint's ``headers``)."""

    expression: Expression
    headers: Headers = msgspec.field(default_factory=dict)


class EndpointCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new endpoint.

    ``event_types`` holds names or wildcards (``invoice.*``, ``*``); ``channels`` (null: every
    message) makes it receive only messages that carry one of them; ``payload_filter`` (see the
    README) only messages whose payload passes; ``headers`` are added to every request.
    """

    url: Url
    event_types: Patterns = msgspec.field(default_factory=lambda: ["*"])
    channels: Channels | None = None
    payload_filter: PayloadFilter | None = None
    headers: Headers = msgspec.field(default_factory=dict)
    rate_limit_per_second: RatePerSecond | None = None
    description: Description = ""
    metadata_: Metadata = msgspec.field(default_factory=dict, name="metadata")
    # v1: HMAC (whsec_); v1a: ed25519, public keys published; both: during a receiver's migration.
    signature_scheme: SignatureScheme = "v1"
    # Messages of one ordering_key in publish order, one in flight per key (see the README).
    ordered: bool = False
    ordering_failure_policy: OrderingFailurePolicy = "hold"
    transformation: Transformation | None = None


class EndpointUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to an endpoint; omitted fields stay as they are (``headers`` and ``metadata`` are
    replaced whole)."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    event_types: Patterns | msgspec.UnsetType = msgspec.UNSET
    channels: Channels | msgspec.UnsetType | None = msgspec.UNSET
    payload_filter: PayloadFilter | msgspec.UnsetType | None = msgspec.UNSET
    headers: Headers | msgspec.UnsetType = msgspec.UNSET
    rate_limit_per_second: RatePerSecond | msgspec.UnsetType | None = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    metadata_: Metadata | msgspec.UnsetType = msgspec.field(default=msgspec.UNSET, name="metadata")
    disabled: bool | msgspec.UnsetType = msgspec.UNSET
    signature_scheme: SignatureScheme | msgspec.UnsetType = msgspec.UNSET
    ordered: bool | msgspec.UnsetType = msgspec.UNSET
    ordering_failure_policy: OrderingFailurePolicy | msgspec.UnsetType = msgspec.UNSET
    transformation: Transformation | msgspec.UnsetType | None = msgspec.UNSET


class EndpointDisable(msgspec.Struct, forbid_unknown_fields=True):
    """Why the endpoint is disabled (shown as ``disabled_reason``)."""

    reason: Annotated[str, Meta(min_length=1, max_length=500)] | None = None


class EndpointOut(msgspec.Struct):
    """An endpoint of a tenant."""

    id: str
    tenant_id: str
    url: str
    description: str
    event_types: list[str]
    channels: list[str] | None
    payload_filter: dict[str, Any] | None
    headers: dict[str, str]
    transformation: Transformation | None  # null: the payload is sent as published
    metadata_: dict[str, str] = msgspec.field(name="metadata")
    rate_limit_per_second: int | None
    signature_scheme: str  # v1, v1a or both
    disabled: bool
    disabled_reason: str | None
    circuit_state: str  # closed, open or half_open
    circuit_next_probe_at: datetime | None  # when an open circuit sends its next probe
    failing_since: datetime | None  # first failed try since the last success
    last_success_at: datetime | None
    created_at: datetime
    updated_at: datetime
    ordered: bool = False  # one ordering_key's messages in publish order, one in flight per key
    ordering_failure_policy: str = "hold"  # hold or skip: when a key's head exhausts its tries


class EndpointSecretOut(msgspec.Struct):
    """The endpoint's current signing secret (``whsec_`` + base64)."""

    secret: str


class SecretRotate(msgspec.Struct, forbid_unknown_fields=True):
    """A secret to rotate to (``whsec_`` + base64 of 24 to 64 bytes); omitted: one is generated."""

    secret: Secret | None = None


class EndpointTestEvent(msgspec.Struct, forbid_unknown_fields=True):
    """A test event: the type (default: the endpoint's first exact subscription, else
    ``hookrelay.test``) and the payload (default: the type's example)."""

    event_type: EventTypeName | None = None
    payload: dict[str, Any] | None = None


class TransformationPreview(msgspec.Struct, forbid_unknown_fields=True):
    """A JMESPath ``expression`` (and ``headers``) to try on a sample ``payload``."""

    expression: Expression
    payload: Any
    headers: Headers = msgspec.field(default_factory=dict)


class EndpointTransformationPreview(msgspec.Struct, forbid_unknown_fields=True):
    """What to preview: the endpoint's saved transformation, or ``expression`` (and
    ``headers``) if given, on ``payload`` or on the payload of the past message ``message_id``
    (exactly one of the two)."""

    expression: Expression | None = None
    headers: Headers | None = None
    payload: Any | msgspec.UnsetType = msgspec.UNSET
    message_id: Annotated[str, Meta(min_length=1, max_length=64)] | None = None


class TransformationPreviewOut(msgspec.Struct):
    """What would be sent: the body (as JSON) and the headers the transformation adds."""

    payload: Any
    headers: dict[str, str]

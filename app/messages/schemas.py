from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import Meta

from app.kit.schemas import EventTypeName

EventId = Annotated[str, Meta(min_length=1, max_length=256)]
# Letters, digits and ``_-.:@`` (a customer id, an order id, an email address).
OrderingKey = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-.:@]+$")]
Channel = Annotated[str, Meta(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_\-.:]+$")]


class MessageCreate(msgspec.Struct, forbid_unknown_fields=True):
    """An event to publish. ``event_id`` makes the publish idempotent per tenant;
    ``ordering_key`` puts it in order behind the earlier messages of that key on the endpoints
    with ordered delivery (without one, it is its own key)."""

    event_type: EventTypeName
    payload: dict[str, Any]
    event_id: EventId | None = None
    channels: Annotated[list[Channel], Meta(max_length=10)] | None = None
    ordering_key: OrderingKey | None = None


class MessageBatchCreate(msgspec.Struct, forbid_unknown_fields=True):
    """Up to 100 events to publish in one request: all are accepted, or none."""

    messages: Annotated[list[MessageCreate], Meta(min_length=1, max_length=100)]


class MessageOut(msgspec.Struct):
    """A published message (``payload`` is null once retention has purged it)."""

    id: str
    tenant_id: str
    event_type: str
    event_id: str | None
    channels: list[str] | None
    payload: dict[str, Any] | None
    created_at: datetime
    ordering_key: str | None = None


class DeliveryOut(msgspec.Struct):
    """A message's delivery to one endpoint: its status, tries so far, when the next is due,
    and how the last try ended (``last_status_code``/``last_error_kind``; null before any).
    A delivery still pending when its endpoint was deleted ends ``failed``, unsent, with
    ``endpoint_deleted`` true."""

    id: str
    message_id: str
    endpoint_id: str
    status: str
    attempt_count: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error_kind: str | None
    trigger: str
    created_at: datetime
    updated_at: datetime
    endpoint_deleted: bool = False  # its endpoint was deleted: history kept until retention
    # Ordered endpoints: waits behind an earlier delivery of its ordering key (no due time yet).
    queued: bool = False


class AttemptOut(msgspec.Struct):
    """One HTTP try of a delivery."""

    id: str
    message_id: str
    endpoint_id: str
    delivery_id: str
    attempt_number: int
    status: str
    status_code: int | None
    response_body: str
    duration_ms: int
    error_kind: str | None
    error_detail: str | None
    trigger: str
    created_at: datetime
    request_headers: dict[str, str] | None = None  # as sent, signatures and secrets redacted
    response_headers: dict[str, str] | None = None
    # The body sent (its first bytes) when the endpoint's transformation reshaped the payload;
    # null: the message's payload was sent as published.
    request_body: str | None = None
    endpoint_deleted: bool = False  # its endpoint was deleted: history kept until retention


class MessageFilter(msgspec.Struct, kw_only=True):
    """The delivery log's filters; every one is served by an index (see ``repository.list_query``)."""

    event_type: str | None = None
    status: str | None = None  # a message with a delivery in this status
    endpoint_id: str | None = None  # a message delivered (or to be) to this endpoint
    channel: str | None = None
    event_id: str | None = None
    after: datetime | None = None  # created at or after
    before: datetime | None = None  # created before

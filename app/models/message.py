from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.clock import utc_now
from app.models.base import Base, UTCDateTime, id_column


class Message(Base):
    """One published event for one tenant; immutable. ``event_id`` is the publisher's idempotency key."""

    __tablename__ = "messages"
    __table_args__ = (
        UniqueConstraint("tenant_id", "event_id"),
        Index("ix_messages_tenant_id_id", "tenant_id", "id"),
        Index("ix_messages_tenant_id_event_type_id", "tenant_id", "event_type", "id"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"))
    event_type: Mapped[str] = mapped_column(String(256))
    event_id: Mapped[str | None] = mapped_column(String(256), nullable=True)
    channels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    # Messages with the same key go to an ordered endpoint in publish order, one at a time.
    ordering_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class MessagePayload(Base):
    """The exact body bytes of a message, apart from it so that retention can purge them."""

    __tablename__ = "message_payloads"

    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )
    body: Mapped[bytes] = mapped_column(LargeBinary)
    # The headers the message is sent with besides the signature: an inbound message's provider
    # content type and identifying headers, a test event's mark (``TEST_EVENT_HEADERS``);
    # None: ``content-type: application/json``.
    headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)


class MessageChannel(Base):
    """One channel of a message, so that the delivery log can filter by channel from an index."""

    __tablename__ = "message_channels"

    tenant_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    channel: Mapped[str] = mapped_column(String(128), primary_key=True)
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), primary_key=True
    )

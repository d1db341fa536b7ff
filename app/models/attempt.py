from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime, id_column


class Attempt(Base):
    """One HTTP try of a delivery, as the receiver answered it (or why it could not)."""

    __tablename__ = "attempts"
    __table_args__ = (
        Index("ix_attempts_message_id_id", "message_id", "id"),
        Index("ix_attempts_endpoint_id_created_at", "endpoint_id", "created_at"),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(String(32))
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("deliveries.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[str] = mapped_column(String(32))
    endpoint_id: Mapped[str] = mapped_column(String(32))
    attempt_number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    request_headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    response_headers: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    response_body: Mapped[str] = mapped_column(Text, default="")
    # The body sent when an endpoint's transformation made it differ from the payload (its
    # first MAX_RESPONSE_BODY_BYTES); null: the message's payload was sent as published.
    request_body: Mapped[str | None] = mapped_column(Text, nullable=True)
    duration_ms: Mapped[int] = mapped_column(Integer)
    error_kind: Mapped[str | None] = mapped_column(String(32), nullable=True)
    error_detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    trigger: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

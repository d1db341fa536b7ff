from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UTCDateTime, id_column

PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"
# Delivery.trigger: "manual" marks a finished delivery brought back for one try (resend,
# recovery): if that try fails, the delivery is failed again, with no new retry schedule.
SCHEDULED = "scheduled"
MANUAL = "manual"


class Delivery(TimestampMixin, Base):
    """One message to one endpoint: its state, tries so far and when the next try is due.

    ``enqueued_at`` is when a task for it was last put on the broker (the scheduler re-enqueues a
    pending delivery whose task looks lost); ``lease_until`` is held by the worker sending it.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        Index(
            "ix_deliveries_due",
            "next_attempt_at",
            postgresql_where=text("status = 'pending'"),
            sqlite_where=text("status = 'pending'"),
        ),
        # The delivery log's status filter and the undelivered report, newest first.
        Index("ix_deliveries_tenant_id_status_message_id", "tenant_id", "status", "message_id"),
        # An endpoint's deliveries, newest first (log filter, recovery).
        Index("ix_deliveries_endpoint_id_message_id", "endpoint_id", "message_id"),
        Index(
            "ix_deliveries_parked",
            "endpoint_id",
            postgresql_where=text("status = 'pending' AND next_attempt_at IS NULL"),
            sqlite_where=text("status = 'pending' AND next_attempt_at IS NULL"),
        ),
        # An ordered endpoint's deliveries queued behind their key's head, in publish order
        # (``app.deliveries.ordering``); empty for unordered endpoints, whose claims never read it.
        Index(
            "ix_deliveries_queued",
            "endpoint_id",
            "ordering_key",
            "ordering_seq",
            postgresql_where=text("queued"),
            sqlite_where=text("queued"),
        ),
        # Room in each page for the lease update to stay in place (migration 0004 says why).
        {"postgresql_with": {"fillfactor": 50}},
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(String(32))
    message_id: Mapped[str] = mapped_column(
        ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    endpoint_id: Mapped[str] = mapped_column(ForeignKey("endpoints.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    attempt_count: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    enqueued_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    trigger: Mapped[str] = mapped_column(String(16), default="scheduled")  # of its next try
    # Ordered endpoints only (``app.deliveries.ordering``): the message's ordering key, the
    # delivery's place in its key's sequence, and whether it waits behind the key's head (then
    # pending with no due time, never claimed, until the head before it is done).
    ordering_key: Mapped[str | None] = mapped_column(String(128), nullable=True)
    ordering_seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    queued: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))

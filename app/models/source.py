from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, ForeignKey, Index, LargeBinary, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.clock import utc_now
from app.models.base import Base, TimestampMixin, UTCDateTime, id_column


class Source(TimestampMixin, Base):
    """One provider account posting to Hookrelay: its verifier, secrets, options and ingest token.

    Each source owns a hidden system tenant (``tenants.kind = 'source'``) whose endpoints are the
    source's destinations, so inbound events travel the outbound engine unchanged. The ingest
    token is kept encrypted (to show the URL) and as a SHA-256 (to find the source by it); a
    rotated-out token keeps working until ``old_token_expires_at``.
    """

    __tablename__ = "sources"
    __table_args__ = (
        # Deleted sources waiting for retention (few: each leaves once its history has gone).
        Index(
            "ix_sources_deleted",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
            sqlite_where=text("deleted_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(
        ForeignKey("tenants.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(String(256))
    provider: Mapped[str] = mapped_column(String(64))
    # [{"secret_encrypted": …, "expires_at": ISO-8601 or null}], at most 10.
    secrets: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    token_encrypted: Mapped[str] = mapped_column(Text)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    old_token_hash: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    old_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set by a delete: the source is gone for the API and its ingest URL at once (every lookup
    # goes through ``app.sources.repository.live``); retention purges its history, then the row.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)


ACCEPTED = "accepted"
DUPLICATE = "duplicate"
REJECTED = "rejected"
OUTCOMES = (ACCEPTED, DUPLICATE, REJECTED)


class InboundEvent(Base):
    """One request (or one element of a batched request) received on a source's ingest URL.

    Accepted events point at their message, whose payload holds the body byte-exact; a duplicate
    names the event it repeats and keeps no body; a rejected request keeps its cause and the first
    bytes of its body (bounded per source, ``app.sources.repository.REJECTED_KEPT``).
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        Index("ix_inbound_events_source_id_id", "source_id", "id"),
        Index("ix_inbound_events_source_id_outcome_id", "source_id", "outcome", "id"),
        Index("ix_inbound_events_source_id_event_type_id", "source_id", "event_type", "id"),
    )

    id: Mapped[str] = id_column()
    source_id: Mapped[str] = mapped_column(ForeignKey("sources.id", ondelete="CASCADE"))
    outcome: Mapped[str] = mapped_column(String(16))
    cause: Mapped[str | None] = mapped_column(String(64), nullable=True)
    event_type: Mapped[str | None] = mapped_column(String(256), nullable=True)
    dedup_key: Mapped[str | None] = mapped_column(String(256), nullable=True)
    message_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    duplicate_of: Mapped[str | None] = mapped_column(String(32), nullable=True)
    method: Mapped[str] = mapped_column(String(16))
    url: Mapped[str] = mapped_column(Text)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    content_type: Mapped[str] = mapped_column(String(256), default="")
    body: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)  # rejected only
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class InboundDedup(Base):
    """The dedup keys a source has seen and until when a repeat counts as a duplicate.

    Its primary key is the atomic check: an event claims its key with one
    ``INSERT … ON CONFLICT DO UPDATE … WHERE expires_at <= now`` in the event's own transaction,
    so of concurrent duplicates exactly one claims it; an expired key is taken over in place.
    """

    __tablename__ = "inbound_dedup"

    source_id: Mapped[str] = mapped_column(
        ForeignKey("sources.id", ondelete="CASCADE"), primary_key=True
    )
    dedup_key: Mapped[str] = mapped_column(String(256), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(32))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

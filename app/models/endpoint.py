from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UTCDateTime, id_column


class Endpoint(TimestampMixin, Base):
    """A tenant's URL and what it subscribes to; its signing secret is encrypted at rest.

    Delivery state kept per endpoint: ``send_after`` is the earliest time of its next send (the rate
    limit's next free slot, or a slow-down pause); the circuit fields follow
    ``workers.policy.Circuit``; ``failing_since`` is the first failure after the last success.
    """

    __tablename__ = "endpoints"
    __table_args__ = (
        Index(
            "ix_endpoints_open_circuits",
            "circuit_next_probe_at",
            postgresql_where=text("circuit_state <> 'closed'"),
            sqlite_where=text("circuit_state <> 'closed'"),
        ),
        # Deleted endpoints waiting for retention (few: each leaves once its history has gone).
        Index(
            "ix_endpoints_deleted",
            "deleted_at",
            postgresql_where=text("deleted_at IS NOT NULL"),
            sqlite_where=text("deleted_at IS NOT NULL"),
        ),
    )

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text, default="")
    event_types: Mapped[list[str]] = mapped_column(JSON)
    channels: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)  # None: every channel
    payload_filter: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    headers: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    metadata_: Mapped[dict[str, str]] = mapped_column("metadata", JSON, default=dict)
    rate_limit_per_second: Mapped[int | None] = mapped_column(Integer, nullable=True)
    secret_encrypted: Mapped[str] = mapped_column(Text)
    # Secrets replaced by a rotation that still sign until they expire:
    # [{"secret_encrypted": …, "expires_at": ISO-8601}], newest first, at most 10.
    old_secrets: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # v1 (HMAC, the default), v1a (ed25519) or both (a receiver's migration between them).
    signature_scheme: Mapped[str] = mapped_column(String(8), default="v1", server_default="v1")
    # ed25519 keys, null until the endpoint first signs with v1a: [{"id": "key_…",
    # "secret_encrypted": …, "public_key": "whpk_…", "valid_from": ISO-8601, "expires_at": ISO-8601
    # or null (the current key)}], newest first; see app.kit.signing.rotated_keys.
    signing_keys: Mapped[list[dict[str, Any]] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )
    # {"expression": JMESPath, "headers": {name: value}} applied before signing
    # (app.kit.transform); null: the payload is sent as published.
    transformation: Mapped[dict[str, Any] | None] = mapped_column(
        JSON(none_as_null=True), nullable=True
    )
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    # Ordered delivery (``app.deliveries.ordering``): messages of one ordering key in publish
    # order, one in flight per key; when a key's head exhausts its tries the key is held (until a
    # resend or a skip) or skipped past.
    ordered: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    ordering_failure_policy: Mapped[str] = mapped_column(
        String(8), default="hold", server_default="hold"
    )
    # A source's destination: an internal service, reached under HOOKRELAY_DESTINATION_ALLOW
    # rather than the tenants' EGRESS_ALLOW (only admins create destinations).
    destination: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    circuit_state: Mapped[str] = mapped_column(String(16), default="closed")
    circuit_failures: Mapped[int] = mapped_column(Integer, default=0)
    circuit_cooldown_seconds: Mapped[float] = mapped_column(Float, default=0.0)
    circuit_next_probe_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    send_after: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failing_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_success_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set by a delete: the endpoint is gone for the API, matching and sending at once; its row
    # stays (disabled) so that its history reads on, until retention has purged that history.
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

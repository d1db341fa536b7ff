from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from app.kit.clock import utc_now
from app.models.base import Base, UTCDateTime, id_column


class PortalToken(Base):
    """A tenant-scoped bearer token for the customer portal, stored only as its SHA-256.

    ``link_hash`` is the one-time code of its magic link; ``link_used_at`` is set when it is used.
    ``read_only``: the token may view everything of its tenant and change nothing.
    ``branding``: the page's name, logo, colour and theme for this link (null: the operator's).
    """

    __tablename__ = "portal_tokens"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    link_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    link_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    description: Mapped[str] = mapped_column(Text, default="")
    read_only: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    branding: Mapped[dict[str, str] | None] = mapped_column(JSON, nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

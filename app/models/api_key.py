from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UTCDateTime, id_column


class ApiKey(TimestampMixin, Base):
    """An admin API key, stored only as its SHA-256 (keys are 32 random bytes, so no slow hash)."""

    __tablename__ = "api_keys"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(256))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set when a process looks the key up (so within its cache period of the real last use).
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

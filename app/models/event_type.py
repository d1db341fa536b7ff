from typing import Any

from sqlalchemy import JSON, Boolean, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, id_column


class EventType(TimestampMixin, Base):
    """A dotted event name in the platform's catalog, optionally with a JSON Schema."""

    __tablename__ = "event_types"

    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(256), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    schema: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    example: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)

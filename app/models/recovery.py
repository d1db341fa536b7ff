from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, UTCDateTime, id_column


class Recovery(TimestampMixin, Base):
    """A background request to try again every failed delivery of an endpoint since a time.

    ``status`` is ``running`` or ``done``; ``total`` counts the failed deliveries found,
    ``requeued`` those put back to pending so far.
    """

    __tablename__ = "recoveries"

    id: Mapped[str] = id_column()
    tenant_id: Mapped[str] = mapped_column(String(32))
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("endpoints.id", ondelete="CASCADE"), index=True
    )
    since: Mapped[datetime] = mapped_column(UTCDateTime)
    until: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="running")
    total: Mapped[int] = mapped_column(Integer, default=0)
    requeued: Mapped[int] = mapped_column(Integer, default=0)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

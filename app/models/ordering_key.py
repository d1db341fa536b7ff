from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, UTCDateTime


class OrderingKey(Base):
    """One live ordering key of an ordered endpoint: its head and the length of its sequence.

    A row exists while the key has pending deliveries (or a held head); publish and recording lock
    it, which serializes them per key. ``head_id`` is the one delivery of the key that may be
    tried; ``held_since`` is set when that head exhausted its tries under the "hold" policy.
    """

    __tablename__ = "ordering_keys"

    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("endpoints.id", ondelete="CASCADE"), primary_key=True
    )
    ordering_key: Mapped[str] = mapped_column(String(128), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(String(32))
    last_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    held_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

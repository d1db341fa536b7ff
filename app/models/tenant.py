from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, id_column


class Tenant(TimestampMixin, Base):
    """One customer of the platform; ``uid`` is the platform's own id for it."""

    __tablename__ = "tenants"

    id: Mapped[str] = id_column()
    uid: Mapped[str] = mapped_column(String(256), unique=True)
    name: Mapped[str] = mapped_column(String(256))

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.models.base import Base, TimestampMixin, id_column


class Tenant(TimestampMixin, Base):
    """One customer of the platform; ``uid`` is the platform's own id for it."""

    __tablename__ = "tenants"

    id: Mapped[str] = id_column()
    uid: Mapped[str] = mapped_column(String(256), unique=True)
    name: Mapped[str] = mapped_column(String(256))
    # "customer", or "source": a source's hidden tenant, which owns its destinations and inbound
    # messages and is never reachable through tenant routes or portal tokens.
    kind: Mapped[str] = mapped_column(String(16), default="customer")
    # Bumped by database triggers on every change to what the tenant's endpoints subscribe
    # (migration 0007); publish's subscription cache is valid while it stays the same.
    endpoints_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

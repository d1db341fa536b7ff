from datetime import datetime

import msgspec

from app.kit.schemas import Name


class TenantCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new tenant; ``uid`` is the platform's own id for this customer."""

    uid: Name
    name: Name


class TenantOut(msgspec.Struct):
    """A tenant."""

    id: str
    uid: str
    name: str
    created_at: datetime
    updated_at: datetime

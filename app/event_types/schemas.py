from datetime import datetime
from typing import Any

import msgspec

from app.kit.schemas import Description, EventTypeName


class EventTypeCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new event type in the catalog."""

    name: EventTypeName
    description: Description = ""
    schema: dict[str, Any] | None = None


class EventTypeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to an event type; omitted fields stay as they are."""

    description: Description | msgspec.UnsetType = msgspec.UNSET
    schema: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class EventTypeOut(msgspec.Struct):
    """An event type."""

    id: str
    name: str
    description: str
    schema: dict[str, Any] | None
    archived: bool
    created_at: datetime
    updated_at: datetime

from datetime import datetime
from typing import Any

import msgspec

from app.kit.schemas import Description, EventTypeName


class EventTypeCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new event type in the catalog: ``schema`` is a JSON Schema (draft 2020-12) that every
    published payload must match; ``example`` is a payload (it must match the schema)."""

    name: EventTypeName
    description: Description = ""
    schema: dict[str, Any] | None = None
    example: dict[str, Any] | None = None


class EventTypeUpdate(msgspec.Struct, forbid_unknown_fields=True):
    """Changes to an event type; omitted fields stay as they are."""

    description: Description | msgspec.UnsetType = msgspec.UNSET
    schema: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    example: dict[str, Any] | msgspec.UnsetType | None = msgspec.UNSET
    archived: bool | msgspec.UnsetType = msgspec.UNSET


class EventTypeOut(msgspec.Struct):
    """An event type: an archived type refuses new publishes."""

    id: str
    name: str
    description: str
    schema: dict[str, Any] | None
    example: dict[str, Any] | None
    archived: bool
    created_at: datetime
    updated_at: datetime

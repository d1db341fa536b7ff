from datetime import datetime
from typing import Annotated

import msgspec
from msgspec import Meta

KeyName = Annotated[str, Meta(min_length=1, max_length=256)]


class ApiKeyCreate(msgspec.Struct, forbid_unknown_fields=True):
    """A new admin API key; ``name`` says who or what uses it."""

    name: KeyName


class ApiKeyOut(msgspec.Struct):
    """An admin API key, without its value (shown only when it is created). ``last_used_at`` is
    within a minute of the key's real last use (processes cache a key for 30 s)."""

    id: str
    name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiKeyCreated(msgspec.Struct):
    """A freshly created admin API key: ``key`` is shown this once."""

    id: str
    name: str
    key: str
    created_at: datetime

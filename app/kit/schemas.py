"""Shared field constraints for request bodies."""

from typing import Annotated

from msgspec import Meta

Name = Annotated[str, Meta(min_length=1, max_length=256)]
Description = Annotated[str, Meta(max_length=4096)]
EventTypeName = Annotated[
    str, Meta(min_length=1, max_length=256, pattern=r"^[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*$")
]
EventTypePattern = Annotated[
    str,
    Meta(
        min_length=1, max_length=256, pattern=r"^(\*|[A-Za-z0-9_\-]+(\.[A-Za-z0-9_\-]+)*(\.\*)?)$"
    ),
]

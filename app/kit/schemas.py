"""Shared field constraints for request bodies, and the one way rows become response schemas."""

from typing import Annotated, Any, TypeVar

import msgspec
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

Out = TypeVar("Out", bound=msgspec.Struct)


def present(schema: type[Out], row: object, **extra: Any) -> Out:
    """The response ``schema`` filled from ``row``'s attributes (an ORM object or a result row),
    with ``extra`` for the fields the row does not hold under that name.

    Built with the struct's constructor, unchecked like a hand-written presenter: measured ~9 µs
    for a MessageOut (~4.5 µs written out by hand), ~22 µs with ``msgspec.convert(...,
    from_attributes=True)``, which the publish path answers with for every message.
    """
    values = {
        name: extra[name] if name in extra else getattr(row, name, _ABSENT)
        for name in schema.__struct_fields__
    }
    # A field the row lacks takes the schema's default (a required one still fails, loudly).
    return schema(**{name: value for name, value in values.items() if value is not _ABSENT})


_ABSENT: Any = object()

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


class _With:
    """A row seen with some attributes added or replaced (``present``'s ``extra``)."""

    __slots__ = ("_extra", "_row")

    def __init__(self, row: object, extra: dict[str, Any]) -> None:
        self._row = row
        self._extra = extra

    def __getattr__(self, name: str) -> Any:
        if name in self._extra:
            return self._extra[name]
        return getattr(self._row, name)


def present(schema: type[Out], row: object, **extra: Any) -> Out:
    """The response ``schema`` filled from ``row``'s attributes (an ORM object or a result row),
    with ``extra`` for the fields the row does not hold under that name."""
    source = _With(row, extra) if extra else row
    return msgspec.convert(source, schema, from_attributes=True)

"""Keyset pagination over time-ordered ids: newest first, ``cursor`` is the last id of a page."""

from typing import Any, Generic, TypeVar

import msgspec
from sqlalchemy import Select

T = TypeVar("T")


class Page(msgspec.Struct, Generic[T]):
    """A page of results; pass ``next_cursor`` back as ``cursor`` for the next page."""

    data: list[T]
    next_cursor: str | None


def paginate(query: Select[Any], id_column: Any, *, cursor: str | None, limit: int) -> Select[Any]:
    if cursor:
        query = query.where(id_column < cursor)
    return query.order_by(id_column.desc()).limit(limit + 1)


def page_of(items: list[T], rows_ids: list[str], limit: int) -> Page[T]:
    if len(items) > limit:
        return Page(data=items[:limit], next_cursor=rows_ids[limit - 1])
    return Page(data=items, next_cursor=None)

"""Keyset pagination over time-ordered ids: newest first, ``cursor`` is the last id of a page."""

from typing import Any, Generic, TypeVar, TypeVarTuple

import msgspec
from sqlalchemy import Select, and_, or_

from app.errors import InvalidRequest

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


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


def paginate_pair(
    query: Select[*Ts],
    first: Any,
    second: Any,
    *,
    after: tuple[Any, str] | None,
    limit: int,
) -> Select[*Ts]:
    """Keyset pages ordered by two columns, newest first (for an index on ``first`` whose ties
    ``second`` breaks); ``after`` is the last row's pair (see ``pair_cursor``)."""
    if after is not None:
        query = query.where(or_(first < after[0], and_(first == after[0], second < after[1])))
    return query.order_by(first.desc(), second.desc()).limit(limit + 1)


def pair_cursor(first: str, second: str) -> str:
    return f"{first}~{second}"


def split_cursor(cursor: str | None) -> tuple[str, str] | None:
    """The pair in a ``pair_cursor``; a malformed one is a 422."""
    if not cursor:
        return None
    first, sep, second = cursor.partition("~")
    if not sep or not first or not second:
        raise InvalidRequest("cursor is not one this list handed out", code="invalid_cursor")
    return first, second

"""Bulk writes on PostgreSQL: a whole batch of rows in one statement, over one JSON document.

Three slower ways were measured first (``pg_stat_statements`` and the delivery benchmark): an
executemany runs one statement per row on the server, even pipelined (~0.09 ms of database time a
delivery row, ~40 % of the database's work per delivery); arrays (``unnest``) are dumped by
psycopg in Python element by element (~12 % of a worker's CPU); a multi-row ``VALUES`` sends one
parameter per cell. Here msgspec encodes the batch in C and ``json_to_recordset`` reads it back
into typed columns on the server. Values must be JSON-encodable by msgspec (str, int, None,
timezone-aware datetimes, dicts for ``json`` columns); SQLite keeps the executemany path.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import msgspec
from sqlalchemy import TextClause, text


def insert_sql(table: str, types: Mapping[str, str], *, param: str = "rows") -> str:
    """``INSERT INTO table (columns)`` from the rows of the ``:param`` JSON array (column: type),
    read as ``r`` (so that a caller may add ``JOIN … ON … r.column`` or ``WHERE``)."""
    columns = ", ".join(f'"{name}"' for name in types)
    selected = ", ".join(f'r."{name}"' for name in types)
    record = ", ".join(f'"{name}" {kind}' for name, kind in types.items())
    return (
        f"INSERT INTO {table} ({columns}) SELECT {selected} "
        f"FROM json_to_recordset(CAST(:{param} AS json)) AS r({record})"
    )


def insert_from_json(table: str, types: Mapping[str, str]) -> TextClause:
    """``INSERT INTO table (columns)`` from the rows of the ``:rows`` JSON array (column: type)."""
    return text(insert_sql(table, types))


def rows_json(rows: Sequence[Mapping[str, object]]) -> str:
    """The ``:rows`` parameter: the batch as one JSON array of objects keyed by column."""
    return msgspec.json.encode(rows).decode()

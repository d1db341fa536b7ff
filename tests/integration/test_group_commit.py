"""The group-commit writer (app/kit/group_commit.py) on a real PostgreSQL connection.

PostgreSQL only: the writer is the fast paths' and holds a psycopg connection (SQLite never
uses it). Its tables are this module's own, in the session's test database.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence

import psycopg
import pytest

from app.kit.group_commit import CommitFailed, GroupCommit, WriteFailed
from app.messages.fast_path import connector


@pytest.fixture
async def table(postgres_database: str) -> AsyncIterator[str]:
    """A fresh table whose unique key is checked at COMMIT (DEFERRABLE INITIALLY DEFERRED)."""
    async with await psycopg.AsyncConnection.connect(_conninfo(postgres_database)) as conn:
        await conn.execute("DROP TABLE IF EXISTS group_commit_test")
        await conn.execute(
            "CREATE TABLE group_commit_test (n integer, kind text, "
            "UNIQUE (n) DEFERRABLE INITIALLY DEFERRED, CHECK (kind <> 'bad'))"
        )
        await conn.commit()
    yield postgres_database
    async with await psycopg.AsyncConnection.connect(_conninfo(postgres_database)) as conn:
        await conn.execute("DROP TABLE group_commit_test")
        await conn.commit()


def _conninfo(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


async def _write(
    conn: psycopg.AsyncConnection[object], group: Sequence[tuple[int, str]]
) -> list[int]:
    for n, kind in group:
        await conn.execute("INSERT INTO group_commit_test (n, kind) VALUES (%s, %s)", (n, kind))
    return [n for n, _ in group]


async def _stored(url: str) -> list[int]:
    async with await psycopg.AsyncConnection.connect(_conninfo(url)) as conn:
        cursor = await conn.execute("SELECT n FROM group_commit_test ORDER BY n")
        return [row[0] for row in await cursor.fetchall()]


class TestGroupCommit:
    async def test_concurrent_items_share_commits_and_each_waiter_gets_its_result(
        self, table: str
    ) -> None:
        writer: GroupCommit[tuple[int, str], int] = GroupCommit(connector(table), _write)
        try:
            results = await asyncio.gather(*(writer.submit((n, "ok")) for n in range(50)))
        finally:
            await writer.close()
        assert results == list(range(50))
        assert await _stored(table) == list(range(50))
        assert 1 <= writer.groups < 50

    async def test_a_failed_statement_fails_its_group_with_nothing_stored(self, table: str) -> None:
        writer: GroupCommit[tuple[int, str], int] = GroupCommit(connector(table), _write)
        try:
            answers = await asyncio.gather(
                *(writer.submit((n, "bad" if n == 3 else "ok")) for n in range(10)),
                return_exceptions=True,
            )
            after = await writer.submit((100, "ok"))  # the connection was rolled back, reused
        finally:
            await writer.close()
        # The ten were submitted before the writer first ran: one group, failed as one.
        assert all(isinstance(a, WriteFailed) for a in answers)
        assert after == 100
        assert await _stored(table) == [100]

    async def test_a_failed_commit_fails_every_waiter_of_its_group(self, table: str) -> None:
        # The unique key is checked at COMMIT: two items with one key fail their group there.
        writer: GroupCommit[tuple[int, str], int] = GroupCommit(connector(table), _write)
        try:
            answers = await asyncio.gather(
                *(writer.submit((7 if n in (0, 1) else n, "ok")) for n in range(10)),
                return_exceptions=True,
            )
            after = await writer.submit((200, "ok"))  # a new connection after the failed one
        finally:
            await writer.close()
        # One group (as above): its COMMIT failed, so all ten waiters fail and none is stored.
        assert all(isinstance(a, CommitFailed) for a in answers)
        assert after == 200
        assert await _stored(table) == [200]

"""Re-encrypting every stored secret with the first of ``HOOKRELAY_SECRET_KEY``'s keys.

Each encrypted column is listed once in ``ENCRYPTED``: a table, its key column, and how to rotate
one row's value (a single token, or the ``secret_encrypted`` entries of a JSON list). Rows are
walked in key order, ``batch_size`` per transaction; a row already on the first key is left alone,
so a run that stops part-way is resumed by running it again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import InstrumentedAttribute

from app.kit.crypto import SecretBox
from app.models import Base, Endpoint

Rotate = Callable[[SecretBox, Any], Any]


def _token(box: SecretBox, value: str) -> str | None:
    return None if box.is_current(value) else box.rotate(value)


def _token_list(box: SecretBox, value: list[dict[str, str]] | None) -> list[dict[str, str]] | None:
    """``[{"secret_encrypted": …, …}]`` with every entry on the first key (None: none changed)."""
    changed = False
    rotated = []
    for entry in value or []:
        token = _token(box, entry["secret_encrypted"])
        changed = changed or token is not None
        rotated.append(entry if token is None else entry | {"secret_encrypted": token})
    return rotated if changed else None


@dataclass(frozen=True, slots=True)
class Encrypted:
    """One column that holds secrets encrypted with ``SecretBox``."""

    model: type[Base]
    key: InstrumentedAttribute[str]
    column: InstrumentedAttribute[Any]
    rotate: Rotate

    @property
    def name(self) -> str:
        return f"{self.model.__tablename__}.{self.column.key}"


ENCRYPTED: list[Encrypted] = [
    Encrypted(Endpoint, Endpoint.id, Endpoint.secret_encrypted, _token),
    Encrypted(Endpoint, Endpoint.id, Endpoint.old_secrets, _token_list),
    Encrypted(Endpoint, Endpoint.id, Endpoint.signing_keys, _token_list),
]


async def stored_secrets(session: AsyncSession) -> list[str]:
    """Every encrypted value stored, in a stable order (what rotation must cover)."""
    tokens: list[str] = []
    for item in ENCRYPTED:
        for (value,) in await session.execute(select(item.column).order_by(item.key)):
            if isinstance(value, str):
                tokens.append(value)
            else:
                tokens.extend(entry["secret_encrypted"] for entry in value or [])
    return tokens


async def rotate_secrets(
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    *,
    batch_size: int = 500,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, int]:
    """Re-encrypt every stored secret with the first key; return how many values changed per
    column. ``progress(column, rows_done, rows_total)`` is called after each batch."""
    changed: dict[str, int] = {}
    for item in ENCRYPTED:
        changed[item.name] = await _rotate_column(
            sessions, box, item, batch_size=batch_size, progress=progress
        )
    return changed


async def _rotate_column(
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    item: Encrypted,
    *,
    batch_size: int,
    progress: Callable[[str, int, int], None] | None,
) -> int:
    async with sessions() as session:
        total = await session.scalar(select(func.count(item.key))) or 0
    done = changed = 0
    after = ""
    while True:
        async with sessions() as session, session.begin():
            rows = (
                await session.execute(
                    select(item.key, item.column)
                    .where(item.key > after)
                    .order_by(item.key)
                    .limit(batch_size)
                    .with_for_update()
                )
            ).all()
            if not rows:
                return changed
            for key, value in rows:
                rotated = None if value is None else item.rotate(box, value)
                if rotated is not None:
                    await session.execute(
                        update(item.model).where(item.key == key).values({item.column: rotated})
                    )
                    changed += 1
            after = rows[-1][0]
        done += len(rows)
        if progress is not None:
            progress(item.name, done, total)

"""The event catalog as the pages show it: grouped by prefix, and the test event's choices."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from litestar.datastructures import FormMultiDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints.examples import TEST_EVENT_TYPE
from app.event_types import service as event_types
from app.event_types.schemas import EventTypeOut
from app.kit.matching import matches
from app.kit.schemas import present
from app.portal_web.forms import FormError

CATALOG_PAGE = 250


async def active(session: AsyncSession) -> list[EventTypeOut]:
    """Every event type that is not archived, by name (the API's list, page after page)."""
    found: list[EventTypeOut] = []
    cursor: str | None = None
    while True:
        rows = await event_types.list_(session, cursor=cursor, limit=CATALOG_PAGE)
        found += [present(EventTypeOut, r) for r in rows]
        if len(rows) < CATALOG_PAGE:
            break
        cursor = rows[-1].id
    return sorted((t for t in found if not t.archived), key=lambda t: t.name)


def prefix_of(name: str) -> str:
    return name.split(".", 1)[0] if "." in name else ""


def grouped(types: list[EventTypeOut]) -> list[tuple[str, list[EventTypeOut]]]:
    """Types under their first dotted part (``invoice.paid`` under ``invoice``)."""
    return [
        (prefix, list(group)) for prefix, group in groupby(types, key=lambda t: prefix_of(t.name))
    ]


def test_choices(types: list[EventTypeOut], patterns: list[str]) -> list[tuple[str, str]]:
    """Types the endpoint subscribes to, each with its example payload as JSON text."""
    choices = [
        (t.name, json.dumps(t.example, indent=2) if t.example is not None else "")
        for t in types
        if matches(patterns, t.name)
    ]
    return choices or [(TEST_EVENT_TYPE, "")]


def test_fields(form: FormMultiDict) -> dict[str, Any]:
    text = str(form.get("payload", "")).strip()
    payload = None
    if text:
        try:
            payload = json.loads(text)
        except ValueError as exc:
            raise FormError(f"the payload is not valid JSON: {exc}", "payload") from None
    return {"event_type": str(form.get("event_type", "")) or None, "payload": payload}

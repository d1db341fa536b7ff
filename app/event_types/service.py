"""The event type catalog, and the rules it sets for publishing: archived types refuse new
messages, and a type's JSON Schema (draft 2020-12) checks every payload."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import msgspec
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError, ValidationError, best_match
from referencing import Registry
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012
from sqlalchemy.ext.asyncio import AsyncSession

from app.errors import Conflict, InvalidRequest, NotFound
from app.event_types import repository
from app.event_types.schemas import EventTypeCreate, EventTypeUpdate
from app.kit.ids import new_id
from app.kit.ttl_cache import TTLCache
from app.models import EventType

MAX_REPORTED_ERRORS = 10


async def create(session: AsyncSession, data: EventTypeCreate) -> EventType:
    if await repository.name_taken(session, data.name):
        raise Conflict(f"event type {data.name!r} exists", code="event_type_exists")
    check_schema_and_example(data.schema, data.example)
    event_type = EventType(
        id=new_id("et"),
        name=data.name,
        description=data.description,
        schema=data.schema,
        example=data.example,
    )
    session.add(event_type)
    await session.flush()
    return event_type


async def get(session: AsyncSession, name: str) -> EventType:
    found = await find(session, name)
    if found is None:
        raise NotFound(f"event type {name!r} not found", code="event_type_not_found")
    return found


async def find(session: AsyncSession, name: str) -> EventType | None:
    return await repository.by_name(session, name)


async def update(session: AsyncSession, name: str, data: EventTypeUpdate) -> EventType:
    event_type = await get(session, name)
    changes = {k: v for k, v in msgspec.structs.asdict(data).items() if v is not msgspec.UNSET}
    check_schema_and_example(
        changes.get("schema", event_type.schema), changes.get("example", event_type.example)
    )
    _rules.pop(name)
    for field, value in changes.items():
        setattr(event_type, field, value)
    await session.flush()
    return event_type


async def list_(session: AsyncSession, *, cursor: str | None, limit: int) -> list[EventType]:
    return await repository.page(session, cursor=cursor, limit=limit)


def _references_in(node: Any, found: list[str], *, depth: int = 0) -> list[str]:
    """Every ``$ref``/``$dynamicRef`` string in a schema (422 past 64 levels of nesting)."""
    if depth > 64:
        raise InvalidRequest("the schema nests more than 64 deep", code="invalid_schema")
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                found.append(value)
            else:
                _references_in(value, found, depth=depth + 1)
    elif isinstance(node, list):
        for item in node:
            _references_in(item, found, depth=depth + 1)
    return found


def check_schema(schema: dict[str, Any]) -> None:
    """A valid draft 2020-12 schema whose references all point inside it; else 422."""
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise InvalidRequest(
            f"schema is not valid JSON Schema at {exc.json_path}: {exc.message}",
            code="invalid_schema",
            errors=[{"path": exc.json_path, "message": exc.message}],
        ) from None
    resolver = Registry().with_resource("", DRAFT202012.create_resource(schema)).crawl().resolver()
    for ref in _references_in(schema, []):
        # Only references inside the schema: nothing is ever fetched while publishing.
        try:
            if not ref.startswith("#"):
                raise Unresolvable(ref)
            resolver.lookup(ref)
        except Unresolvable:
            raise InvalidRequest(
                f"schema reference {ref!r} does not point inside the schema", code="invalid_schema"
            ) from None
    try:
        next(_validator(msgspec.json.encode(schema)).iter_errors({}), None)
    except RecursionError:
        raise InvalidRequest("schema refers to itself endlessly", code="invalid_schema") from None


def check_schema_and_example(schema: dict[str, Any] | None, example: dict[str, Any] | None) -> None:
    if schema is None:
        return
    check_schema(schema)
    if example is not None:
        error = best_match(_validator(msgspec.json.encode(schema)).iter_errors(example))
        if error is not None:
            raise InvalidRequest(
                f"example does not match the schema at {error.json_path}: {_at_most_300_chars(error)}",
                code="invalid_example",
                errors=[{"path": error.json_path, "message": _at_most_300_chars(error)}],
            )


@lru_cache(maxsize=1024)
def _validator(schema_json: bytes) -> Draft202012Validator:
    return Draft202012Validator(msgspec.json.decode(schema_json))


def _at_most_300_chars(error: ValidationError) -> str:
    return error.message if len(error.message) <= 300 else error.message[:297] + "..."


@dataclass(frozen=True, slots=True)
class Rules:
    """What the catalog asks of a message of one event type."""

    name: str
    archived: bool = False
    validator: Draft202012Validator | None = None

    def check(self, payload: dict[str, Any], *, index: int | None = None) -> None:
        """Refuse (422) a publish to an archived type, or a payload that fails the schema."""
        where = "" if index is None else f"messages[{index}]: "
        if self.archived:
            raise InvalidRequest(
                f"{where}event type {self.name!r} is archived", code="event_type_archived"
            )
        if self.validator is None:
            return
        try:
            errors = list(
                itertools.islice(self.validator.iter_errors(payload), MAX_REPORTED_ERRORS)
            )
        except (Unresolvable, RecursionError):
            errors = [ValidationError("the payload cannot be checked against the schema")]
        if errors:
            raise _payload_invalid(self.name, errors, where, index)


def _payload_invalid(
    name: str, errors: list[ValidationError], where: str, index: int | None
) -> InvalidRequest:
    best = best_match(errors) or errors[0]
    found = [{"path": e.json_path, "message": _at_most_300_chars(e)} for e in errors]
    if index is not None:
        found = [e | {"message_index": str(index)} for e in found]
    return InvalidRequest(
        f"{where}payload does not match the schema of {name!r} at {best.json_path}: {_at_most_300_chars(best)}",
        code="payload_invalid",
        errors=found,
    )


# Publish asks this for every message; the answer may lag a change made in another process by at
# most RULES_CACHE_SECONDS (this process forgets at once). Compiled validators are cached by schema.
RULES_CACHE_SECONDS = 5.0
_rules: TTLCache[str, Rules] = TTLCache(ttl_seconds=RULES_CACHE_SECONDS)


def forget_cached() -> None:
    _rules.clear()


def cached_rules(name: str) -> Rules | None:
    """The event type's rules if this process holds them (the publish fast path reads no row)."""
    return _rules.get(name)


async def rules(session: AsyncSession, name: str) -> Rules:
    cached = _rules.get(name)
    if cached is not None:
        return cached
    row = await repository.rules_of(session, name)
    found = Rules(name)
    if row is not None:
        validator = None if row.schema is None else _validator(msgspec.json.encode(row.schema))
        found = Rules(name, archived=bool(row.archived), validator=validator)
    _rules.put(name, found)
    return found

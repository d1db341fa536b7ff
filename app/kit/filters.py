"""Payload filters: a small JSON language that an endpoint uses to pick the messages it receives.

A filter is a JSON object, either a *condition* on one value of the payload::

    {"path": "$.amount", "op": "gt", "value": 100}

or a combination of filters::

    {"and": [f, ...]}      every filter holds (1 to 20 of them)
    {"or": [f, ...]}       at least one holds (1 to 20 of them)
    {"not": f}             f does not hold

``path`` names a value in the payload: ``$`` is the payload itself, ``.name`` a key of an object,
``[n]`` an item of an array (0-based): ``$.customer.id``, ``$.lines[0].sku``. Keys are made of
letters, digits, ``_`` and ``-``; the leading ``$.`` may be left out (``customer.id``).

Operators (``value`` is a JSON value, compared exactly: ``1`` equals ``1.0``, ``true`` is not ``1``):

====== ===========================================================================
eq     the value equals ``value`` (any JSON value, objects and arrays included)
neq    not ``eq`` (also holds when the path is missing)
in     the value equals one of ``value`` (an array of at most 100 items)
nin    not ``in`` (also holds when the path is missing)
gt     greater than ``value``; gte, lt, lte likewise. Numbers compare with numbers and
       strings with strings (so ISO-8601 times in UTC compare as times); anything else is false
prefix the value is a string that starts with ``value`` (a string)
exists ``value`` true (the default): the path is present (even if null); false: it is missing
====== ===========================================================================

A missing path makes every operator false except ``neq``, ``nin`` and ``exists: false``.
Evaluation never raises: a value of another type simply does not match. A filter is checked when
it is stored (:func:`compile_filter` raises :class:`FilterError` naming the faulty place), and is
bounded: at most 50 nodes, nesting depth 8, paths of 32 steps, 8 KB encoded.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import msgspec

MAX_NODES = 50
MAX_DEPTH = 8
MAX_PATH_STEPS = 32
MAX_IN_ITEMS = 100
MAX_ENCODED_BYTES = 8 * 1024
MAX_COMBINED = 20

OPERATORS = ("eq", "neq", "in", "nin", "gt", "gte", "lt", "lte", "exists", "prefix")
_STEP = re.compile(r"\.([A-Za-z0-9_\-]+)|\[(0|[1-9][0-9]{0,8})\]")

Predicate = Callable[[Any], bool]
_MISSING: Any = object()


class FilterError(ValueError):
    """A filter that is not well formed; ``where`` locates the fault inside the filter."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where = where
        self.message = message


def parse_path(path: str) -> tuple[str | int, ...]:
    """``$.a.b[0]`` (or ``a.b[0]``) as its steps ``("a", "b", 0)``; raises ValueError."""
    text = path[1:] if path.startswith("$") else "." + path
    if text == "." or len(path) > 512:
        raise ValueError(f"invalid path {path!r}")
    steps: list[str | int] = []
    position = 0
    while position < len(text):
        found = _STEP.match(text, position)
        if found is None:
            raise ValueError(f"invalid path {path!r} at character {position + 1}")
        key, index = found.groups()
        steps.append(key if key is not None else int(index))
        position = found.end()
    if len(steps) > MAX_PATH_STEPS:
        raise ValueError(f"path {path!r} has more than {MAX_PATH_STEPS} steps")
    return tuple(steps)


def resolve(payload: Any, steps: tuple[str | int, ...]) -> Any:
    """The value at ``steps``, or ``_MISSING``."""
    value = payload
    for step in steps:
        if isinstance(step, str):
            if not isinstance(value, dict) or step not in value:
                return _MISSING
            value = value[step]
        else:
            if not isinstance(value, list) or step >= len(value):
                return _MISSING
            value = value[step]
    return value


def json_equal(a: Any, b: Any) -> bool:
    """Equality of JSON values: booleans are not numbers, ``1 == 1.0``, containers deeply."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, str | None) or isinstance(b, str | None):
        return type(a) is type(b) and a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return False


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _ordered(value: Any, bound: Any, op: str) -> bool:
    if not (
        (_is_number(value) and _is_number(bound))
        or (isinstance(value, str) and isinstance(bound, str))
    ):
        return False
    if op == "gt":
        return bool(value > bound)
    if op == "gte":
        return bool(value >= bound)
    if op == "lt":
        return bool(value < bound)
    return bool(value <= bound)


def _condition(steps: tuple[str | int, ...], op: str, bound: Any) -> Predicate:
    def check(payload: Any) -> bool:
        value = resolve(payload, steps)
        if op == "exists":
            return (value is not _MISSING) is bound
        if value is _MISSING:
            return op in ("neq", "nin")
        if op in ("eq", "neq"):
            return json_equal(value, bound) is (op == "eq")
        if op in ("in", "nin"):
            return any(json_equal(value, item) for item in bound) is (op == "in")
        if op == "prefix":
            return isinstance(value, str) and value.startswith(bound)
        return _ordered(value, bound, op)

    return check


def _check_value(where: str, op: str, node: dict[str, Any]) -> Any:
    if op == "exists":
        bound = node.get("value", True)
        if not isinstance(bound, bool):
            raise FilterError(where, "'exists' takes true or false")
        return bound
    if "value" not in node:
        raise FilterError(where, f"'{op}' needs a 'value'")
    bound = node["value"]
    if op in ("in", "nin") and not (isinstance(bound, list) and len(bound) <= MAX_IN_ITEMS):
        raise FilterError(where, f"'{op}' takes an array of at most {MAX_IN_ITEMS} values")
    if op == "prefix" and not isinstance(bound, str):
        raise FilterError(where, "'prefix' takes a string")
    if op in ("gt", "gte", "lt", "lte") and not (_is_number(bound) or isinstance(bound, str)):
        raise FilterError(where, f"'{op}' takes a number or a string")
    return bound


class _Compiler:
    def __init__(self) -> None:
        self.nodes = 0

    def node(self, node: Any, where: str, depth: int) -> Predicate:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise FilterError(where, f"a filter has at most {MAX_NODES} nodes")
        if depth > MAX_DEPTH:
            raise FilterError(where, f"filters nest at most {MAX_DEPTH} deep")
        if not isinstance(node, dict):
            raise FilterError(where, "expected an object")
        if "path" in node or "op" in node:
            return self.leaf(node, where)
        if len(node) != 1 or next(iter(node)) not in ("and", "or", "not"):
            raise FilterError(where, "expected a condition (path, op, value) or and/or/not")
        ((key, inner),) = node.items()
        if key == "not":
            negated = self.node(inner, f"{where}.not", depth + 1)
            return lambda payload: not negated(payload)
        if not isinstance(inner, list) or not 1 <= len(inner) <= MAX_COMBINED:
            raise FilterError(f"{where}.{key}", f"expected an array of 1 to {MAX_COMBINED} filters")
        parts = [self.node(n, f"{where}.{key}[{i}]", depth + 1) for i, n in enumerate(inner)]
        if key == "and":
            return lambda payload: all(part(payload) for part in parts)
        return lambda payload: any(part(payload) for part in parts)

    def leaf(self, node: dict[str, Any], where: str) -> Predicate:
        unknown = set(node) - {"path", "op", "value"}
        if unknown:
            raise FilterError(where, f"unknown key {sorted(unknown)[0]!r}")
        path, op = node.get("path"), node.get("op")
        if not isinstance(path, str):
            raise FilterError(where, "'path' must be a string such as '$.amount'")
        if op not in OPERATORS:
            raise FilterError(where, f"unknown operator {op!r}; use one of {', '.join(OPERATORS)}")
        try:
            steps = parse_path(path)
        except ValueError as exc:
            raise FilterError(f"{where}.path", str(exc)) from None
        return _condition(steps, op, _check_value(where, op, node))


@lru_cache(maxsize=4096)
def _compile_encoded(encoded: bytes) -> Predicate:
    return _Compiler().node(msgspec.json.decode(encoded), "$", 1)


def compile_filter(payload_filter: Any) -> Predicate:
    """Check a filter and turn it into a predicate on payloads; raises FilterError."""
    try:
        encoded = msgspec.json.encode(payload_filter)
    except (TypeError, msgspec.EncodeError):
        raise FilterError("$", "not a JSON value") from None
    if len(encoded) > MAX_ENCODED_BYTES:
        raise FilterError("$", f"a filter is at most {MAX_ENCODED_BYTES} bytes as JSON")
    return _compile_encoded(encoded)

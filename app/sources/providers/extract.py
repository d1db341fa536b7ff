"""Reading a request: its JSON body, form fields, query, and the configured locators.

A locator names one value of the request: ``{"header": "x-request-id"}``, ``{"json_path":
"$.data.id"}`` (dotted keys, ``[n]`` for a list index) or ``{"query": "id"}``. Sources use them to
override a preset's dedup key (option ``dedup``) or event type (option ``event_type``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from app.sources.providers.base import InboundRequest

LOCATOR_KINDS = ("header", "json_path", "query")
_PATH_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]")


def json_body(body: bytes) -> Any:
    """The parsed JSON body, or None when the body is not JSON."""
    try:
        return json.loads(body)
    except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested past the stack
        return None


def form_fields(body: bytes) -> list[tuple[str, str]]:
    try:
        return parse_qsl(body.decode(), keep_blank_values=True)
    except UnicodeDecodeError:
        return []


def query(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


def first(pairs: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in pairs if key == name), None)


def path_steps(path: str) -> list[str | int]:
    """``$.a.b[0]`` as steps, or ValueError when it is not such a path."""
    if not path.startswith("$"):
        raise ValueError("a JSON path starts with $ (like $.data.id)")
    steps: list[str | int] = []
    rest = path[1:]
    while rest:
        step = _PATH_STEP.match(rest)
        if step is None:
            raise ValueError(f"cannot read the JSON path {path!r} (use $.key.key[0])")
        steps.append(step.group(1) if step.group(1) is not None else int(step.group(2)))
        rest = rest[step.end() :]
    if not steps:
        raise ValueError("a JSON path names at least one key (like $.id)")
    return steps


def at_path(doc: Any, path: str) -> Any:
    for step in path_steps(path):
        if isinstance(step, int) and isinstance(doc, list) and step < len(doc):
            doc = doc[step]
        elif isinstance(step, str) and isinstance(doc, dict):
            doc = doc.get(step)
        else:
            return None
    return doc


def scalar(value: Any) -> str | None:
    """A dedup key or event type from a JSON value: strings and integers, nothing else."""
    if isinstance(value, bool) or value is None or value == "":
        return None
    return str(value) if isinstance(value, str | int) else None


def check_locator(option: str, value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping) or len(value) != 1:
        raise ValueError(f"{option} is one of {{'header': …}}, {{'json_path': …}}, {{'query': …}}")
    ((kind, name),) = value.items()
    if kind not in LOCATOR_KINDS or not isinstance(name, str) or not name:
        raise ValueError(f"{option} is one of {{'header': …}}, {{'json_path': …}}, {{'query': …}}")
    if kind == "json_path":
        path_steps(name)
    return {kind: name.lower() if kind == "header" else name}


def locate(locator: Mapping[str, str], request: InboundRequest, doc: Any) -> str | None:
    """The value a (checked) locator names; ``doc`` is the JSON it reads (a batch's element)."""
    ((kind, name),) = locator.items()
    if kind == "header":
        return request.headers.get(name) or None
    if kind == "query":
        return first(query(request.url), name) or None
    return scalar(at_path(doc, name))


def array_elements(body: bytes) -> list[tuple[bytes, Any]] | None:
    """A JSON array body as (the element's exact bytes, the element parsed); None if not one.

    Decoding valid UTF-8 and encoding it back gives the same bytes, so a slice of the text is a
    slice of the body as received."""
    try:
        text = body.decode()
    except UnicodeDecodeError:
        return None
    decoder = json.JSONDecoder()
    at = _skip_space(text, 0)
    if not text.startswith("[", at):
        return None
    at = _skip_space(text, at + 1)
    found: list[tuple[bytes, Any]] = []
    while not text.startswith("]", at):
        try:
            element, end = decoder.raw_decode(text, at)
        except (ValueError, RecursionError):
            return None
        found.append((text[at:end].encode(), element))
        at = _skip_space(text, end)
        if text.startswith(",", at):
            at = _skip_space(text, at + 1)
        elif not text.startswith("]", at):
            return None
    return found if not text[at + 1 :].strip(_JSON_SPACE) else None


_JSON_SPACE = " \t\n\r"


def _skip_space(text: str, at: int) -> int:
    while at < len(text) and text[at] in _JSON_SPACE:
        at += 1
    return at

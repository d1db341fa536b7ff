"""HTML forms to the API's own request schemas, and the API's refusals back to a form field.

A form is turned into the very ``EndpointCreate``/``EndpointUpdate`` the JSON API decodes, so the
limits and messages are the API's; what only the service checks (blocked URLs, filters, headers)
comes back as its ``AppError`` and is shown next to the field it names.
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import msgspec
from litestar.datastructures import FormMultiDict

from app.errors import AppError

T = TypeVar("T")

# Which form field an API error code belongs to.
FIELD_OF_CODE = {
    "blocked_url": "url",
    "invalid_url": "url",
    "invalid_filter": "payload_filter",
    "invalid_header": "headers",
    "reserved_header": "headers",
    "payload_invalid": "payload",
    "event_type_not_found": "event_type",
    "event_type_archived": "event_type",
    "invalid_transformation": "transformation_expression",
    "transformation_failed": "transformation_sample",
    "signature_scheme_unsupported": "signature_scheme",
}
# An error of the service's naming a place inside the transformation: the field it belongs to.
FIELD_OF_PATH = {
    "$.transformation.expression": "transformation_expression",
    "$.transformation.headers": "transformation_headers",
}


class FormError(Exception):
    """A refused form: the message and the field it belongs to (None: the whole form)."""

    def __init__(self, message: str, field: str | None, *, excerpt: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.excerpt = excerpt  # the faulty line of a text field, with a caret at the place


def as_form_error(error: FormError | AppError, *, form: FormMultiDict | None = None) -> FormError:
    """A refusal of the form or of the service, at the field it names (and at the place inside
    that field's text, when the service names one)."""
    if isinstance(error, FormError):
        return error
    place = (error.errors or [{}])[0]
    field = FIELD_OF_PATH.get(str(place.get("path")), FIELD_OF_CODE.get(error.code))
    message = str(place.get("message", error.detail)) if field in FIELD_OF_PATH.values() else ""
    excerpt = ""
    if form is not None and field is not None and "line" in place and "column" in place:
        message = f"{message} (line {place['line']}, column {place['column']})"
        excerpt = _caret(str(form.get(field, "")), int(place["line"]), int(place["column"]))
    return FormError(message or error.detail, field, excerpt=excerpt)


def _caret(text: str, line: int, column: int) -> str:
    lines = text.replace("\r\n", "\n").split("\n")
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"{shown}\n{' ' * (column - 1)}^"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.replace(",", "\n").splitlines() if line.strip()]


def _json_object(text: str, field: str) -> dict[str, Any] | None:
    if not text.strip():
        return None
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise FormError(f"not valid JSON: {exc}", field) from None
    if not isinstance(value, dict):
        raise FormError("must be a JSON object", field)
    return value


def _headers(text: str, *, field: str = "headers") -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        if not sep:
            raise FormError(f"{line.strip()!r}: write one header a line, as Name: value", field)
        headers[name.strip()] = value.strip()
    return headers


def endpoint_fields(form: FormMultiDict) -> dict[str, Any]:
    """The endpoint's fields as the JSON API takes them."""
    patterns = list(
        dict.fromkeys(form.getall("event_types", []) + _lines(form.get("patterns", "")))
    )
    rate = str(form.get("rate_limit_per_second", "")).strip()
    return {
        "url": str(form.get("url", "")).strip(),
        "description": str(form.get("description", "")),
        "event_types": patterns or ["*"],
        "channels": _lines(form.get("channels", "")) or None,
        "payload_filter": _json_object(form.get("payload_filter", ""), "payload_filter"),
        "rate_limit_per_second": int(rate) if rate.isdigit() else (rate or None),
        "headers": _headers(form.get("headers", "")),
        "ordered": form.get("ordered", "") == "on",
        "ordering_failure_policy": str(form.get("ordering_failure_policy", "hold")),
        "signature_scheme": str(form.get("signature_scheme", "v1")),
        "transformation": _transformation(form),
    }


def preview_fields(form: FormMultiDict) -> tuple[dict[str, Any], Any]:
    """The transformation typed in the form and the sample payload to preview it on."""
    transformation = _transformation(form)
    if transformation is None:
        raise FormError("write an expression to preview", "transformation_expression")
    text = str(form.get("transformation_sample", ""))
    if not text.strip():
        raise FormError("paste a sample payload (JSON) to preview on", "transformation_sample")
    try:
        return transformation, json.loads(text)
    except ValueError as exc:
        raise FormError(f"not valid JSON: {exc}", "transformation_sample") from None


def _transformation(form: FormMultiDict) -> dict[str, Any] | None:
    expression = str(form.get("transformation_expression", "")).replace("\r\n", "\n")
    headers = _headers(form.get("transformation_headers", ""), field="transformation_headers")
    if not expression.strip():
        if headers:
            raise FormError("headers need an expression to go with", "transformation_headers")
        return None
    return {"expression": expression, "headers": headers}


def decode(schema: type[T], fields: dict[str, Any]) -> T:
    """``fields`` as the API's schema, or the API's validation message at its field."""
    try:
        return msgspec.convert(fields, schema)
    except msgspec.ValidationError as exc:
        message = str(exc)
        where = (
            message.rsplit("`$.", 1)[-1].split("`")[0].split("[")[0] if "`$." in message else None
        )
        raise FormError(message.split(" - at ")[0], where) from None


def form_values(form: FormMultiDict) -> dict[str, Any]:
    """What the customer typed, to show the form again as it was."""
    return {
        "url": form.get("url", ""),
        "description": form.get("description", ""),
        "event_types": form.getall("event_types", []),
        "patterns": form.get("patterns", ""),
        "channels": form.get("channels", ""),
        "payload_filter": form.get("payload_filter", ""),
        "rate_limit_per_second": form.get("rate_limit_per_second", ""),
        "headers": form.get("headers", ""),
        "ordered": form.get("ordered", "") == "on",
        "ordering_failure_policy": form.get("ordering_failure_policy", "hold"),
        "signature_scheme": form.get("signature_scheme", "v1"),
        "transformation_expression": form.get("transformation_expression", ""),
        "transformation_headers": form.get("transformation_headers", ""),
        "transformation_sample": form.get("transformation_sample", ""),
    }

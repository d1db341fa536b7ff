"""Endpoint transformations: checked when saved, previewed on a payload or a past message, and
applied to a body before it is signed (``workers.delivery``). The language and its bounds are in
``app.kit.transform``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from app.endpoints.schemas import (
    EndpointTransformationPreview,
    Transformation,
    TransformationPreviewOut,
)
from app.errors import Conflict, InvalidRequest
from app.kit.transform import (
    Program,
    TransformError,
    TransformRuntimeError,
    TransformSyntaxError,
    compile_expression,
)
from app.messages import log as messages
from app.models import Endpoint, Tenant

EXPRESSION_PATH = "$.transformation.expression"
HeaderCheck = Callable[[dict[str, str]], dict[str, str]]


def program_of(expression: str, *, path: str = EXPRESSION_PATH) -> Program:
    """The compiled expression, or a 422 ``invalid_transformation`` naming the place."""
    try:
        return compile_expression(expression)
    except TransformSyntaxError as exc:
        raise InvalidRequest(
            f"{path}: {exc.message}",
            code="invalid_transformation",
            errors=[
                {
                    "path": path,
                    "message": exc.reason,
                    "offset": exc.offset,
                    "line": exc.line,
                    "column": exc.column,
                }
            ],
        ) from None


def check(
    transformation: Transformation | None, check_headers: HeaderCheck
) -> dict[str, Any] | None:
    """The transformation as stored (None: none), if its expression compiles and its headers
    pass ``check_headers`` (the endpoint's own header rules)."""
    if transformation is None:
        return None
    program_of(transformation.expression)
    try:
        headers = check_headers(transformation.headers)
    except InvalidRequest as exc:
        where = "$.transformation.headers"
        exc.errors = [{"path": where, "message": exc.detail}]
        raise
    return {"expression": transformation.expression, "headers": headers}


def apply(transformation: dict[str, Any], body: bytes) -> tuple[bytes, dict[str, str]]:
    """The body to send and the headers to add; raises TransformError (a stored expression that
    no longer compiles, a body that is not JSON, a failure on this payload)."""
    try:
        payload = msgspec.json.decode(body)
    except msgspec.DecodeError:
        raise TransformRuntimeError("the payload is not JSON") from None
    program = compile_expression(transformation["expression"])
    return program.render(payload), transformation.get("headers") or {}


def preview(expression: str, headers: dict[str, str], payload: Any) -> TransformationPreviewOut:
    """What the transformation makes of ``payload``; a failure on it is a 422
    ``transformation_failed`` (the expression is valid, this payload fails it)."""
    program = program_of(expression, path="$.expression")
    try:
        result = program.apply(payload)
    except TransformError as exc:
        raise InvalidRequest(
            f"the transformation fails on this payload: {exc.message}",
            code="transformation_failed",
        ) from None
    if result is None:
        raise InvalidRequest(
            "the transformation fails on this payload: the expression produced null",
            code="transformation_failed",
        )
    return TransformationPreviewOut(payload=result, headers=headers)


async def preview_for_endpoint(
    session: AsyncSession,
    tenant: Tenant,
    endpoint: Endpoint,
    data: EndpointTransformationPreview,
    check_headers: HeaderCheck,
) -> TransformationPreviewOut:
    """Preview the given or the saved transformation on a sample payload or a past message."""
    if (data.payload is msgspec.UNSET) == (data.message_id is None):
        raise InvalidRequest(
            "give exactly one of payload and message_id", code="preview_source_required"
        )
    payload = data.payload
    if data.message_id is not None:
        message = await messages.get(session, tenant, data.message_id)
        payload = await messages.payload_of(session, message)
        if payload is None:
            raise Conflict(
                f"the payload of message {message.id!r} was purged by retention",
                code="payload_purged",
            )
    saved = endpoint.transformation
    if data.expression is not None:
        expression, headers = data.expression, check_headers(data.headers or {})
    elif saved is not None:
        expression, headers = saved["expression"], saved.get("headers") or {}
    else:  # no transformation: the payload goes as published
        return TransformationPreviewOut(payload=payload, headers={})
    return preview(expression, headers, payload)

"""JSON request bodies are decoded strictly: a value of the wrong JSON type is refused, not coerced.

Litestar converts a handler's ``data`` with ``msgspec.convert(..., strict=False)``, the lax mode
that suits query strings and path segments (which are always strings). For a JSON body it means
``0`` is taken for ``false``, ``"true"`` for ``true``, ``"5"`` for ``5`` and a number for a
date-time: a client's type bug is silently stored. Guarantee 8 (bad input: a clear 4xx that
changes nothing) wants it refused, so ``StrictBodies``, the app's ``before_request`` hook, first
decodes the raw body against the handler's ``data`` type with ``strict=True``:

- a value of the wrong type is a ``ValidationException``, rendered by ``app.errors`` as 400
  ``validation_error`` with ``errors: [{"path": "$.disabled", "message": "Expected `bool`, got
  `int`"}]`` and msgspec's whole message as the detail (as in the OpenAPI 400 example);
- a body that passes is handed to Litestar as the request's decoded JSON, so it is decoded once:
  Litestar's lax convert passes a value that already has the ``data`` type through unchanged;
- a string holding NUL (U+0000), anywhere but in a payload, is a 400 ``invalid_character``
  (``app.kit.bad_characters``): PostgreSQL's text cannot hold it;
- an empty or malformed body is left to Litestar, which answers as before (an optional ``data``
  left out, "a JSON request body is required", or 400 ``bad_request``).

The hook runs after the guards (a portal token on another tenant's route still gets only the
guard's answer) and before dependencies, so a refused body never opens a unit of work. Query and
path parameters keep Litestar's lax conversion, and the OpenAPI document does not change. A
``before_request`` set on a router, controller or handler would replace this one (Litestar runs
only the innermost), so none is set there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec
from litestar.enums import RequestEncodingType
from litestar.exceptions import ValidationException
from litestar.utils.scope.state import ScopeState

from app.kit.bad_characters import invalid_character, nul_in

if TYPE_CHECKING:
    from litestar import Request
    from litestar.handlers import HTTPRouteHandler

_AT = " - at `"


class StrictBodies:
    """The ``before_request`` hook (module docstring); keeps one decoder per route handler."""

    def __init__(self) -> None:
        self._decoders: dict[HTTPRouteHandler, msgspec.json.Decoder[Any] | None] = {}

    async def __call__(self, request: Request[Any, Any, Any]) -> None:
        handler = request.route_handler
        if handler not in self._decoders:
            self._decoders[handler] = decoder_for(handler)
        decoder = self._decoders[handler]
        if decoder is None:
            return
        raw = await request.body()
        if not raw:
            return
        try:
            value = decoder.decode(raw)
        except msgspec.ValidationError as exc:
            if not _well_formed(raw):
                return  # a type error seen before the syntax error: still Litestar's 400
            raise refusal(exc) from None
        except msgspec.DecodeError:
            return
        where = nul_in(value)
        if where is not None:
            raise invalid_character(where)
        ScopeState.from_scope(request.scope).json = value  # what request.json() returns


def decoder_for(handler: HTTPRouteHandler) -> msgspec.json.Decoder[Any] | None:
    """A strict decoder of the handler's JSON ``data`` type (None: no such body, or a type
    msgspec does not decode, which Litestar keeps handling)."""
    data = handler.parsed_fn_signature.parameters.get("data")
    if data is None or handler.resolve_data_dto() is not None:
        return None
    media_type = getattr(data.kwarg_definition, "media_type", RequestEncodingType.JSON)
    if media_type != RequestEncodingType.JSON:
        return None
    try:
        return msgspec.json.Decoder(data.annotation, strict=True)
    except (TypeError, ValueError):
        return None


def refusal(exc: msgspec.ValidationError) -> ValidationException:
    """msgspec's ``Expected `bool`, got `int` - at `$.disabled``` as a path and a message."""
    text = str(exc)
    message, at, where = text.rpartition(_AT)
    if not (at and where.startswith("$") and where.endswith("`")):
        message, where = text, "$`"  # msgspec names no path for the top-level value
    error = {"key": where[:-1], "message": message, "source": "body"}
    return ValidationException(detail=text, extra=[error])


def _well_formed(raw: bytes) -> bool:
    try:
        msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return False
    return True


__all__ = ["StrictBodies", "decoder_for", "refusal"]

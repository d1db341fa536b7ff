"""The API contract, applied to every route in one place so that a new route gets it for free.

``ContractPlugin`` sees each route as it is registered and gives every operation in the schema:

- a summary (the first line of the handler's docstring) and a description (the rest);
- bearer security and typed ``application/problem+json`` error responses (``Problem``) for the
  statuses it can answer (``error_statuses``): 400/401/403/503 behind a guard, 400 with any
  input, 503 with a database session, 404 with path parameters, 422 with query parameters,
  409/413/422 with a request body;
  a handler declares any other itself: ``responses={410: problem_response(410)}``;
- an example for its request body and each response, built from the msgspec types (see
  ``example_of``: a field's ``Meta(examples=[...])`` wins, then ``FIELD_EXAMPLES``, then its type).

Request body schemas are msgspec's own (what the server validates with: list item constraints,
``additionalProperties: false``), the rest Litestar's; a body typed ``X | None`` is optional.
Explicit ``responses``, ``summary`` or ``description`` on a handler are kept. Operation ids come
from the handler (``operation_id=``) or, failing that, from ``snake_case_operation_id``.
``tests/unit/test_openapi.py`` holds every operation to this contract.
"""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import date
from typing import TYPE_CHECKING, Any

import msgspec
import msgspec.inspect as mi
from litestar import MediaType, Request, Response, get
from litestar.constants import RESERVED_KWARGS
from litestar.openapi import OpenAPIConfig, ResponseSpec
from litestar.openapi.plugins import JsonRenderPlugin, ScalarRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIType,
    Operation,
    RequestBody,
    SecurityScheme,
)
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import HTTPRoute

from app.errors import PROBLEM_JSON, FieldError, Problem, problem_of

if TYPE_CHECKING:
    from collections.abc import Iterable

    from litestar import Litestar
    from litestar.handlers import HTTPRouteHandler
    from litestar.routes import BaseRoute
    from litestar.types import Method

SECURITY_SCHEME = "bearer"
REF_TEMPLATE = "#/components/schemas/{name}"

# Statuses by when a route can answer them (see the module docstring).
GUARDED_STATUSES = frozenset({400, 401, 403, 503})
BODY_STATUSES = frozenset({409, 413, 422})
DATABASE_DEPENDENCY = "session"  # app/kit/deps.Session: the route may answer 503

_PROBLEM_EXAMPLES: dict[int, tuple[str, str]] = {
    400: ("validation_error", "Expected `str`, got `int` - at `$.url`"),
    401: ("invalid_credentials", "invalid or revoked API key"),
    403: ("forbidden", "this token may not use this route"),
    404: ("not_found", "tenant 'acme' not found"),
    409: ("conflict", "a tenant with uid 'acme' exists"),
    410: ("gone", "this link was used already, has expired or was revoked"),
    413: ("payload_too_large", "payload is 300000 bytes; the limit is 262144"),
    422: ("invalid_request", "url must start with http:// or https://"),
    503: ("unavailable", "the database is unavailable; retry shortly"),
}

EXAMPLE_TIME = "2026-01-15T09:30:00Z"
_ID_BODY = "01kf2r8c6z7n3q5w9x4y2b6d8e"
# Id prefixes (app/kit/ids.new_id) by the struct an ``id`` is in, or by the ``*_id`` field name.
ID_PREFIXES = {
    "tenant": "tnt",
    "event_type": "et",
    "endpoint": "ep",
    "message": "msg",
    "delivery": "dlv",
    "attempt": "att",
    "portal_token": "ptk",
}
FIELD_EXAMPLES: dict[str, Any] = {
    "uid": "acme",
    "name": "Acme Inc.",
    "url": "https://example.com/webhooks/hookrelay",
    "description": "Invoices of the billing service",
    "event_type": "invoice.paid",
    "event_types": ["invoice.*"],
    "event_id": "evt_2q4x9",
    "channels": ["billing"],
    "payload": {"invoice": "in_1", "amount_cents": 4200, "currency": "eur"},
    "schema": {"type": "object", "required": ["invoice"]},
    "metadata": {"team": "billing"},
    "headers": {"x-team": "billing"},
    "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
    "token": "hrp_3Jx8m2T1aXqkQ9vB7nRzLw",
    "magic_link": "https://hookrelay.example.com/portal/login?code=Vq2x7Kp0sLm4Nf8RtY1wZc",
    "status_code": 200,
    "duration_ms": 87,
    "attempt_number": 1,
    "attempt_count": 1,
    "rate_limit_per_second": 10,
    "response_body": '{"ok": true}',
    "disabled_reason": "the endpoint answered 410 Gone",
    "circuit_state": "closed",
    "error_kind": "timeout",
    "error_detail": "no response within 15 s",
    "trigger": "scheduled",
    "next_cursor": f"msg_{_ID_BODY}",
    # Time windows: the end after the start.
    "since": "2026-01-15T09:00:00Z",
    "after": "2026-01-15T09:00:00Z",
    "until": "2026-01-15T10:00:00Z",
    "before": "2026-01-15T10:00:00Z",
    "code": "not_found",
    "detail": "tenant 'acme' not found",
}


class ContractPlugin(ReceiveRoutePlugin):
    """Applies the contract (module docstring) to each route handler that is in the schema, and
    keeps the request body types, whose schemas ``schema_document`` takes from msgspec."""

    def __init__(self) -> None:
        self.request_types: dict[str, Any] = {}
        self.document: dict[str, Any] | None = None  # built on first use (schema_document)

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute):
            return
        for handler in route.route_handlers:
            if handler.resolve_include_in_schema() and "OPTIONS" not in handler.http_methods:
                apply_contract(handler, path_parameters=route.path_parameters)
                if (body := _body_type(handler)) is not None:
                    self.request_types[repr(body)] = body

    def request_schemas(self) -> dict[str, Any]:
        """msgspec's JSON Schemas of the request bodies (and the structs in them), by component
        name: what the server validates with. Litestar's own drop the constraints of list items
        and do not say that a struct refuses unknown fields (``additionalProperties: false``)."""
        schemas: dict[str, Any] = {}
        for key in sorted(self.request_types):
            body = self.request_types[key]
            try:
                found = msgspec.json.schema_components([body], ref_template=REF_TEMPLATE)
            except (TypeError, ValueError):  # not a msgspec type (a file upload): Litestar's stays
                continue
            schemas |= found[1]
        return schemas


def prose(doc: str) -> str:
    """A docstring as the contract states it: each paragraph on one line, blank lines between
    them. Every description taken from a docstring passes here, so how a library strips (or keeps)
    a docstring's indentation cannot change the committed schema or the clients built from it."""
    paragraphs = re.split(r"\n\s*\n", doc.strip())
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _prose_descriptions(value: Any) -> Any:
    """``value`` with every schema ``description`` passed through ``prose`` (examples untouched)."""
    if isinstance(value, dict):
        return {
            k: (
                prose(v)
                if k == "description" and isinstance(v, str)
                else v
                if k in ("example", "examples")
                else _prose_descriptions(v)
            )
            for k, v in value.items()
        }
    return [_prose_descriptions(v) for v in value] if isinstance(value, list) else value


def apply_contract(handler: HTTPRouteHandler, *, path_parameters: Iterable[str] = ()) -> None:
    """Fill in what the handler does not say itself: summary, security, errors, examples."""
    doc = (handler.fn.__doc__ or "").strip()
    summary, _, rest = doc.partition("\n")
    handler.summary = handler.summary or summary.strip() or None
    handler.description = handler.description or prose(rest) or None
    if handler.resolve_guards():
        handler.security = handler.security or [{SECURITY_SCHEME: []}]
    statuses = error_statuses(handler, path_parameters=path_parameters)
    problems = {status: problem_response(status) for status in sorted(statuses)}
    handler.responses = problems | dict(handler.responses or {})
    handler.operation_class = _operation_class(handler)


def error_statuses(handler: HTTPRouteHandler, *, path_parameters: Iterable[str] = ()) -> set[int]:
    """The problem statuses a handler can answer (module docstring)."""
    dependencies = handler.resolve_dependencies()
    inputs = set(handler.parsed_fn_signature.parameters) - RESERVED_KWARGS - set(dependencies)
    has_body = _body_type(handler) is not None
    statuses = set(GUARDED_STATUSES) if handler.resolve_guards() else set()
    statuses |= {400} if inputs or has_body else set()
    statuses |= {404} if path_parameters else set()
    statuses |= {422} if inputs - set(path_parameters) else set()  # a query the rules refuse
    statuses |= BODY_STATUSES if has_body else set()
    return statuses | ({503} if DATABASE_DEPENDENCY in dependencies else set())


def problem_response(status: int) -> ResponseSpec:
    return ResponseSpec(
        data_container=Problem,
        media_type=PROBLEM_JSON,
        description=problem_of(status, "", "").title,
        generate_examples=False,
    )


def problem_example(status: int) -> dict[str, Any]:
    code, detail = _PROBLEM_EXAMPLES.get(status, (f"http_{status}", "the request was refused"))
    errors = (
        [FieldError(path="$.url", message="Expected `str`, got `int`")] if status == 400 else None
    )
    return msgspec.to_builtins(problem_of(status, code, detail, errors))  # type: ignore[no-any-return]


def _body_type(handler: HTTPRouteHandler) -> Any:
    data = handler.parsed_fn_signature.parameters.get("data")
    return None if data is None else data.annotation


def optional_body(body: RequestBody) -> None:
    """``data: X | None = None``: a body that may be left out, rather than one that may be
    ``null`` (generated clients then omit it instead of sending ``null``)."""
    body.required = False
    for media in (body.content or {}).values():
        options = getattr(media.schema, "one_of", None) or []
        kept = [o for o in options if getattr(o, "type", None) != OpenAPIType.NULL]
        if len(kept) == 1:
            media.schema = kept[0]


def _accepts_none(annotation: Any) -> bool:
    try:
        info = mi.type_info(annotation)
    except (TypeError, ValueError):
        return False
    return isinstance(info, mi.UnionType) and any(isinstance(t, mi.NoneType) for t in info.types)


def _return_type(handler: HTTPRouteHandler) -> Any:
    returned = handler.parsed_fn_signature.return_type
    if returned.is_subclass_of(Response):
        return returned.inner_types[0].annotation if returned.inner_types else None
    return returned.annotation


def _operation_class(handler: HTTPRouteHandler) -> type[Operation]:
    """An ``Operation`` that makes a ``X | None`` body optional and puts examples on the media
    types Litestar built for ``handler``."""
    body_type, return_type = _body_type(handler), _return_type(handler)
    success = str(handler.status_code)

    def example_for(status: str | None, media_type: str) -> Any:
        if media_type == PROBLEM_JSON and status is not None:
            return problem_example(int(status))
        typed = body_type if status is None else (return_type if status == success else None)
        return None if typed is None else example_of(typed)

    @dataclasses.dataclass
    class ContractOperation(Operation):
        def __post_init__(self) -> None:
            if isinstance(self.request_body, RequestBody) and _accepts_none(body_type):
                optional_body(self.request_body)
            contents: list[tuple[str | None, Any]] = [
                (None, getattr(self.request_body, "content", None))
            ]
            contents += [
                (s, getattr(r, "content", None)) for s, r in (self.responses or {}).items()
            ]
            for status, content in contents:
                for media_type, media in (content or {}).items():
                    if media.example is None and not media.examples:
                        media.example = example_for(status, media_type)

    return ContractOperation


def example_of(annotation: Any) -> Any:
    """A deterministic, schema-valid example value of a msgspec-describable type (None for any
    other type: the schema is still served, and tests/unit/test_openapi.py points at the gap)."""
    try:
        info = mi.type_info(annotation)
    except (TypeError, ValueError):
        return None
    return _example(info, name="", owner="")


def _example(info: mi.Type, *, name: str, owner: str) -> Any:
    if isinstance(info, mi.Metadata):
        examples = (info.extra_json_schema or {}).get("examples")
        return examples[0] if examples else _example(info.type, name=name, owner=owner)
    if name in FIELD_EXAMPLES and _fits(info, FIELD_EXAMPLES[name]):
        return FIELD_EXAMPLES[name]
    if isinstance(info, mi.StructType | mi.TypedDictType | mi.DataclassType):
        owner = _snake(re.sub(r"(Out|Create|Update|\[.*)$", "", info.cls.__name__))
        return {f.encode_name: _example(f.type, name=f.name, owner=owner) for f in info.fields}
    if isinstance(info, mi.UnionType):
        # Never null: Litestar drops None values from examples, which would lose required keys.
        options = [t for t in info.types if not isinstance(t, mi.NoneType)]
        return _example(options[0], name=name, owner=owner) if options else None
    if isinstance(info, mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType):
        return [_example(info.item_type, name=name.removesuffix("s"), owner=owner)]
    if isinstance(info, mi.DictType):
        return {"key": _example(info.value_type, name="", owner=owner)}
    if isinstance(info, mi.LiteralType):
        return info.values[0]
    if isinstance(info, mi.EnumType):
        return next(iter(info.cls)).value
    if isinstance(info, mi.StrType):
        return _string_example(info, name=name, owner=owner)
    if isinstance(info, mi.BytesType | mi.ByteArrayType | mi.MemoryViewType):
        return "example"
    if isinstance(info, mi.BoolType):
        return False
    if isinstance(info, mi.IntType | mi.FloatType):
        low = info.ge if info.ge is not None else (info.gt + 1 if info.gt is not None else 1)
        return min(low, info.le) if info.le is not None else low
    if isinstance(info, mi.DateTimeType):
        return EXAMPLE_TIME
    if isinstance(info, mi.DateType):
        return date(2026, 1, 15).isoformat()
    return "example" if isinstance(info, mi.AnyType) else None


def _string_example(info: mi.StrType, *, name: str, owner: str) -> str:
    if name == "id" or name.endswith("_id"):
        entity = owner if name == "id" else name.removesuffix("_id")
        return f"{ID_PREFIXES.get(entity, entity or 'id')}_{_ID_BODY}"
    # A pattern here is most likely an event type name or pattern (app/kit/schemas.py).
    candidates = ["invoice.paid", "invoice.*", "acme"] if info.pattern else [name or "example"]
    return next((c for c in candidates if _fits(info, c)), "x" * (info.min_length or 1))


def _fits(info: mi.Type, value: Any) -> bool:
    """Whether ``value`` is valid for ``info`` (so a field-name example never breaks a pattern)."""
    if isinstance(info, mi.Metadata):
        return _fits(info.type, value)
    if isinstance(info, mi.UnionType):
        return any(_fits(t, value) for t in info.types)
    if isinstance(info, mi.StrType):
        return isinstance(value, str) and _sized(info, value) and _matches(info.pattern, value)
    if isinstance(info, mi.IntType):
        return type(value) is int and _in_bounds(info, value)
    if isinstance(info, mi.ListType):
        return (
            isinstance(value, list)
            and _sized(info, value)
            and all(_fits(info.item_type, v) for v in value)
        )
    if isinstance(info, mi.DictType):
        return isinstance(value, dict)
    if isinstance(info, mi.DateTimeType):
        return isinstance(value, str)
    return isinstance(info, mi.AnyType)


def _sized(info: mi.StrType | mi.ListType, value: str | list[Any]) -> bool:
    return (info.min_length or 0) <= len(value) <= (info.max_length or len(value))


def _matches(pattern: str | None, value: str) -> bool:
    return pattern is None or re.search(pattern, value) is not None


def _in_bounds(info: mi.IntType, value: int) -> bool:
    return not (
        (info.ge is not None and value < info.ge)
        or (info.gt is not None and value <= info.gt)
        or (info.le is not None and value > info.le)
        or (info.lt is not None and value >= info.lt)
    )


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def snake_case_operation_id(
    handler: HTTPRouteHandler, method: Method, path_components: list[str | Any]
) -> str:
    """Fallback operation id: ``post_tenants_endpoints`` (method, then the literal path words)."""
    words = [c for c in path_components if isinstance(c, str) and c not in ("api", "v1")]
    return _snake("_".join([method.lower(), *words]).replace("-", "_"))


class ContractJsonPlugin(JsonRenderPlugin):
    """``openapi.json`` under ``/docs`` (the one the UI reads), as ``schema_document`` gives it."""

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        return self.render_json(request, schema_document(request.app))


def openapi_config(version: str) -> OpenAPIConfig:
    """OpenAPI 3.1 with the Scalar UI at ``/docs``; ``openapi_json`` serves ``/openapi.json``."""
    return OpenAPIConfig(
        title="Hookrelay",
        version=version,
        description="Webhook service: publish events, manage endpoints, read the delivery log.",
        path="/docs",
        render_plugins=[ScalarRenderPlugin(path="/"), ContractJsonPlugin()],
        operation_id_creator=snake_case_operation_id,
        components=Components(
            security_schemes={
                SECURITY_SCHEME: SecurityScheme(
                    type="http",
                    scheme="bearer",
                    description="An API key, or a portal token on a tenant's own routes",
                )
            }
        ),
    )


def contract_document(
    raw: dict[str, Any], *, request_schemas: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Litestar's schema with ``request_schemas`` (``ContractPlugin.request_schemas``) in place of
    its own, and generic components named by their parts: ``Page[app.x.TenantOut]``
    (``Page_app.x.TenantOut_``) becomes ``PageTenantOut``, so a module move renames nothing."""
    raw = _prose_descriptions(raw)
    schemas = raw.get("components", {}).get("schemas", {})
    schemas.update(
        {k: _prose_descriptions(v) for k, v in (request_schemas or {}).items() if k in schemas}
    )
    renames = {old: _component_name(old) for old in schemas if "." in old}
    if not renames:
        return raw
    if len(set(renames.values()) | (set(schemas) - set(renames))) != len(schemas):
        raise ValueError(f"generic component names collide: {sorted(renames.values())}")
    refs = {
        REF_TEMPLATE.format(name=old): REF_TEMPLATE.format(name=new) for old, new in renames.items()
    }

    def rename(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                (renames.get(k, k) if value is schemas else k): (
                    refs.get(v, v) if k == "$ref" else rename(v)
                )
                for k, v in value.items()
            }
        return [rename(v) for v in value] if isinstance(value, list) else value

    return rename(raw)  # type: ignore[no-any-return]


def _component_name(key: str) -> str:
    unqualified = re.sub(r"(?<![A-Za-z0-9])(?:[a-z][a-z0-9]*(?:_[a-z0-9]+)*\.)+", "", key)
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"\W|_", unqualified))


def schema_document(app: Litestar) -> dict[str, Any]:
    """The schema served at ``/openapi.json`` and printed by ``hookrelay openapi`` (built once
    per app: the routes do not change once it runs)."""
    plugin = app.plugins.get(ContractPlugin)
    if plugin.document is None:
        raw = app.openapi_schema.to_schema()
        plugin.document = contract_document(raw, request_schemas=plugin.request_schemas())
    return plugin.document


def render_schema(app: Litestar) -> str:
    """The schema as committed in ``clients/openapi.json``: sorted keys, two-space indent."""
    return json.dumps(schema_document(app), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@get("/openapi.json", include_in_schema=False, media_type=MediaType.JSON, sync_to_thread=False)
def openapi_json(request: Request[Any, Any, Any]) -> dict[str, Any]:
    """The OpenAPI 3.1 schema."""
    return schema_document(request.app)


__all__ = [
    "ContractPlugin",
    "example_of",
    "openapi_config",
    "openapi_json",
    "render_schema",
    "schema_document",
]

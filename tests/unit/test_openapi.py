"""The OpenAPI contract, held for every operation, including routes added later: an operation id,
a one-line summary, typed bodies, typed problem+json errors and an example that fits its schema."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import jsonschema
import pytest
from cryptography.fernet import Fernet
from dramatiq.brokers.stub import StubBroker
from litestar import Litestar
from litestar.testing import TestClient

from app.config import Settings
from app.kit.openapi import contract_document, example_of, prose, render_schema, schema_document
from app.main import create_app

METHODS = ("get", "put", "post", "patch", "delete")
PROBLEM_REF = "#/components/schemas/Problem"
SNAKE_CASE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


@pytest.fixture(scope="module")
def app() -> Litestar:
    settings = Settings(database_url="sqlite://", secret_key=Fernet.generate_key().decode())
    return create_app(settings, StubBroker())


@pytest.fixture(scope="module")
def document(app: Litestar) -> dict[str, Any]:
    return schema_document(app)


def operations(document: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method in METHODS:
            if method in item:
                yield f"{method.upper()} {path}", item[method]


def fits(document: dict[str, Any], schema: dict[str, Any], value: Any) -> list[str]:
    """The ways ``value`` breaks ``schema`` (refs resolved against the document's components)."""
    validator = jsonschema.Draft202012Validator({**schema, "components": document["components"]})
    return [error.message for error in validator.iter_errors(value)]


class TestEveryOperation:
    def test_is_openapi_3_1_with_operations(self, document: dict[str, Any]) -> None:
        assert document["openapi"] == "3.1.0"
        assert len(list(operations(document))) >= 10

    def test_has_a_unique_snake_case_operation_id(self, document: dict[str, Any]) -> None:
        ids = [op.get("operationId", "") for _, op in operations(document)]
        assert [i for i in ids if not SNAKE_CASE.match(i)] == []
        assert len(ids) == len(set(ids))

    def test_has_a_one_line_summary_from_its_docstring(self, document: dict[str, Any]) -> None:
        bad = {
            name: op.get("summary")
            for name, op in operations(document)
            if not op.get("summary") or "\n" in op["summary"] or len(op["summary"]) > 120
        }
        assert bad == {}

    def test_has_a_typed_success_response_with_an_example(self, document: dict[str, Any]) -> None:
        for name, op in operations(document):
            successes = {s: r for s, r in op["responses"].items() if s[0] in "23"}
            assert len(successes) == 1, name
            [(status, response)] = successes.items()
            if status == "204" or status.startswith("3"):
                assert "content" not in response, name
                continue
            [media] = response["content"].values()
            assert media["schema"].get("$ref") or media["schema"].get("type"), name
            assert "example" in media, name
            assert fits(document, media["schema"], media["example"]) == [], name

    def test_request_body_is_typed_with_an_example(self, document: dict[str, Any]) -> None:
        for name, op in operations(document):
            if "requestBody" not in op:
                continue
            media = op["requestBody"]["content"]["application/json"]
            assert media["schema"]["$ref"].startswith("#/components/schemas/"), name
            assert fits(document, media["schema"], media["example"]) == [], name

    def test_errors_are_typed_problems_with_examples(self, document: dict[str, Any]) -> None:
        for name, op in operations(document):
            for status, response in op["responses"].items():
                if status[0] in "23":
                    continue
                # The readiness probe answers 503 with its own typed body; the rest are problems.
                media_type, media = next(iter(response["content"].items()))
                if media["schema"].get("$ref") == PROBLEM_REF:
                    assert media_type == "application/problem+json", (name, status)
                    assert media["example"]["status"] == int(status), (name, status)
                assert fits(document, media["schema"], media["example"]) == [], (name, status)

    def test_guarded_operations_declare_their_errors(self, document: dict[str, Any]) -> None:
        for name, op in operations(document):
            if not op.get("security"):
                continue
            expected = {"400", "401", "403", "503"}
            expected |= {"404"} if "{" in name else set()
            expected |= {"409", "413", "422"} if "requestBody" in op else set()
            assert expected <= set(op["responses"]), name

    def test_api_operations_need_a_bearer_token(self, document: dict[str, Any]) -> None:
        unsecured = [
            n for n, op in operations(document) if " /api/" in n and not op.get("security")
        ]
        assert unsecured == []
        assert document["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"


class TestConflicts:
    @pytest.mark.parametrize("operation_id", ["resend_message", "revoke_api_key"])
    def test_operations_that_answer_409_without_a_body_declare_it(
        self, document: dict[str, Any], operation_id: str
    ) -> None:
        """A try in flight (delivery_in_flight) and the last admin key (last_api_key) answer 409
        on routes without a body, whose 409 no rule infers (the fuzzer found the first)."""
        (found,) = [op for _, op in operations(document) if op["operationId"] == operation_id]
        assert "409" in found["responses"]


class TestSchemas:
    def test_problem_is_a_typed_component(self, document: dict[str, Any]) -> None:
        problem = document["components"]["schemas"]["Problem"]
        assert set(problem["required"]) == {"type", "title", "status", "code", "detail"}
        assert problem["properties"]["status"]["type"] == "integer"

    def test_generic_components_are_named_without_module_paths(
        self, document: dict[str, Any]
    ) -> None:
        names = list(document["components"]["schemas"])
        assert [n for n in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", n)] == []
        assert "PageTenantOut" in names

    def test_renaming_leaves_no_dangling_reference(self, document: dict[str, Any]) -> None:
        refs = re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', render_schema_of(document))
        assert set(refs) <= set(document["components"]["schemas"])

    def test_a_body_typed_x_or_none_is_optional(self, document: dict[str, Any]) -> None:
        body = document["paths"]["/api/v1/tenants/{tenant}/portal-tokens"]["post"]["requestBody"]
        assert body["required"] is False
        assert body["content"]["application/json"]["schema"] == {
            "$ref": "#/components/schemas/PortalTokenCreate"
        }

    def test_request_bodies_refuse_unknown_fields(self, document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        for name, op in operations(document):
            if "requestBody" in op:
                ref = op["requestBody"]["content"]["application/json"]["schema"]["$ref"]
                assert schemas[ref.rsplit("/", 1)[1]]["additionalProperties"] is False, name
        assert "additionalProperties" not in schemas["TenantOut"]  # answers may grow

    def test_contract_document_is_idempotent(self, document: dict[str, Any]) -> None:
        assert contract_document(document) == document


class TestDescriptions:
    """Descriptions come from docstrings; how a library strips their indentation (msgspec 0.22
    kept it, 0.23 removes it) must not change the committed contract."""

    INDENTED = "A new thing.\n\n    It holds ``a``; and\n    ``b``.\n\n\n    Last.  "
    STRIPPED = "A new thing.\n\nIt holds ``a``; and\n``b``.\n\nLast."

    def test_indented_and_stripped_docstrings_read_the_same(self) -> None:
        assert prose(self.INDENTED) == prose(self.STRIPPED)
        assert prose(self.STRIPPED) == "A new thing.\n\nIt holds ``a``; and ``b``.\n\nLast."

    def test_schema_descriptions_are_normalised_whatever_the_library_kept(self) -> None:
        raw = {
            "components": {
                "schemas": {
                    "Thing": {
                        "description": self.INDENTED,
                        "properties": {"description": {"type": "string", "description": " x\n y"}},
                        "examples": [{"description": "  kept as written  "}],
                    }
                }
            }
        }
        thing = contract_document(raw)["components"]["schemas"]["Thing"]
        assert thing["description"] == prose(self.STRIPPED)
        assert thing["properties"]["description"]["description"] == "x y"
        assert thing["examples"] == [{"description": "  kept as written  "}]

    def test_every_served_description_is_already_normal(self, document: dict[str, Any]) -> None:
        texts = list(descriptions_in(document))
        assert texts and [t for t in texts if t != prose(t)] == []


def descriptions_in(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "description" and isinstance(item, str):
                yield item
            elif key not in ("example", "examples"):
                yield from descriptions_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from descriptions_in(item)


def render_schema_of(document: dict[str, Any]) -> str:
    import json

    return json.dumps(document)


class TestExamples:
    def test_field_examples_respect_patterns(self) -> None:
        from app.event_types.schemas import EventTypeCreate
        from app.tenants.schemas import TenantCreate

        assert example_of(TenantCreate) == {"uid": "acme", "name": "Acme Inc."}
        assert example_of(EventTypeCreate)["name"] == "invoice.paid"

    def test_ids_carry_the_prefix_of_their_entity(self) -> None:
        from app.messages.schemas import AttemptOut

        example = example_of(AttemptOut)
        assert example["id"].startswith("att_")
        assert example["endpoint_id"].startswith("ep_")
        assert example["message_id"].startswith("msg_")


class TestServed:
    def test_schema_is_served_at_openapi_json_as_the_cli_prints_it(self, app: Litestar) -> None:
        with TestClient(app) as client:
            served = client.get("/openapi.json")
            ui_source = client.get("/docs/openapi.json")
        assert served.status_code == 200
        assert served.headers["content-type"].startswith("application/json")
        assert served.json() == ui_source.json()
        assert render_schema(app) == render_schema_from(served.json())

    def test_interactive_docs_are_served_at_docs(self, app: Litestar) -> None:
        with TestClient(app) as client:
            page = client.get("/docs")
        assert page.status_code == 200
        assert "text/html" in page.headers["content-type"]
        assert "/docs/openapi.json" in page.text


def render_schema_from(document: dict[str, Any]) -> str:
    import json

    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"

"""Property-based API tests: schemathesis generates requests for every operation in the schema
that a running ``hookrelay dev`` serves, and each answer must be no 5xx, a documented status, the
documented content type and a body that fits the schema.

Path parameters are pinned to a seeded tenant, endpoint, message, portal token and event type,
so generated requests reach the code behind the lookups instead of stopping at a 404. Bounded to
stay fast: ``MAX_EXAMPLES`` per operation and phase, no shrinking.
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.e2e.harness import Service, Stack, start_embedded

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

SNAPSHOT = Path(__file__).parents[2] / "clients" / "openapi.json"
# Small by default so CI stays fast; raise it for a deeper run (HOOKRELAY_SCHEMATHESIS_EXAMPLES=200).
MAX_EXAMPLES = int(os.environ.get("HOOKRELAY_SCHEMATHESIS_EXAMPLES", "8"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@dataclass(frozen=True)
class Seeded:
    """A running dev instance and the objects that the path parameters are pinned to."""

    service: Service
    path_parameters: dict[str, str]


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seeded]:
    stack = Stack(tmp_path_factory.mktemp("schemathesis"))
    try:
        # Deliveries go to a closed port: they fail, as some do, and are recorded as attempts.
        service = start_embedded(stack, settings={"HOOKRELAY_RETRY_SCHEDULE": "3600"})
        yield Seeded(service, seed(service))
    finally:
        stack.stop_all()


def seed(service: Service) -> dict[str, str]:
    uid = "st_" + secrets.token_hex(4)
    with service.client() as api:
        for method, path, body in [
            ("POST", "/api/v1/event-types", {"name": "invoice.paid"}),
            ("POST", "/api/v1/tenants", {"uid": uid, "name": "Schemathesis"}),
            ("POST", f"/api/v1/tenants/{uid}/endpoints", {"url": "http://127.0.0.1:9/hook"}),
            (
                "POST",
                f"/api/v1/tenants/{uid}/messages",
                {"event_type": "invoice.paid", "payload": {"invoice": "in_1"}},
            ),
            ("POST", f"/api/v1/tenants/{uid}/portal-tokens", {"description": "schemathesis"}),
        ]:
            answer = api.request(method, path, json=body)
            assert answer.status_code in (201, 202), answer.text
            if "/endpoints" in path:
                endpoint_id = answer.json()["id"]
            if "/messages" in path:
                message_id = answer.json()["id"]
            if "/portal-tokens" in path:
                token_id = answer.json()["id"]
    return {
        "tenant": uid,
        "endpoint": endpoint_id,
        "message": message_id,
        "token_id": token_id,
        "name": "invoice.paid",
    }


# The committed snapshot, which the running server must serve (the last test here) and which
# `make clients-check` holds equal to what the code generates.
schema = schemathesis.openapi.from_dict(
    json.loads(SNAPSHOT.read_text()),
    config=SchemathesisConfig.from_dict(
        {
            "generation": {"max-examples": MAX_EXAMPLES, "no-shrink": True},
            "phases": {"stateful": {"enabled": False}},
            "request-timeout": 10,
        }
    ),
)


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case: schemathesis.Case, seeded: Seeded) -> None:
    for name in case.path_parameters or {}:
        # DELETE gets generated ids, so the seeded endpoint stays for the operations after it.
        if name in seeded.path_parameters and case.method != "DELETE":
            case.path_parameters[name] = seeded.path_parameters[name]
    case.call_and_validate(
        base_url=seeded.service.base_url,
        headers={"Authorization": f"Bearer {seeded.service.admin_key}"},
        checks=CHECKS,
    )


def test_schema_served_is_the_committed_snapshot(seeded: Seeded) -> None:
    served = httpx.get(f"{seeded.service.base_url}/openapi.json", timeout=10)
    assert served.status_code == 200
    assert served.json() == json.loads(SNAPSHOT.read_text())


def test_a_missing_body_is_a_clear_problem(seeded: Seeded) -> None:
    # Found by schemathesis: the error said only "'data'" (a KeyError's text).
    with seeded.service.client() as api:
        answer = api.post("/api/v1/tenants")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["errors"] == [
        {"path": "data", "message": "a JSON request body is required"}
    ]


def test_a_wrong_method_is_a_405_that_says_what_is_allowed(seeded: Seeded) -> None:
    # Found by schemathesis: the problem response dropped the Allow header (RFC 9110).
    with seeded.service.client() as api:
        answer = api.request("TRACE", "/health/live")
    assert answer.status_code == 405
    assert answer.json()["code"] == "method_not_allowed"
    assert "GET" in answer.headers["allow"]

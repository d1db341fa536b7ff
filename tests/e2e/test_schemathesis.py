"""Property-based API tests on both runtime shapes: schemathesis (its CLI, every phase: examples,
coverage, fuzzing and the stateful phase, which chains operations through the links it infers)
against ``hookrelay dev`` (SQLite, in-process broker) and the production shape (migrated ``api``,
``worker`` and ``scheduler`` processes on a fresh PostgreSQL database and a RabbitMQ vhost of
their own). Each answer must be no 5xx, a documented status, the documented content type and a
body that fits the schema.

Path parameters take the seeded tenant, endpoint, message, portal token and event type most of
the time (a schemathesis dictionary), so generated requests reach the code behind the lookups
instead of stopping at a 404; DELETE of an endpoint takes spare endpoints seeded for it.

Bounded for CI (``HOOKRELAY_FUZZ_EXAMPLES``, 3 per operation and phase: under a minute a shape);
``make fuzz`` runs the production shape with 300 (over 5,000 cases) and prints the figures.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.harness import (
    Service,
    Stack,
    fresh_database,
    fresh_rabbitmq_vhost,
    start_embedded,
    start_production,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(1800)]

SNAPSHOT = Path(__file__).parents[2] / "clients" / "openapi.json"
SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"
MAX_EXAMPLES = int(os.environ.get("HOOKRELAY_FUZZ_EXAMPLES", "3"))
SHAPES = os.environ.get("HOOKRELAY_FUZZ_SHAPES", "embedded,production").split(",")
CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]
# Deliveries go to a closed port: they fail, as some do, and are recorded as attempts.
SETTINGS = {"HOOKRELAY_RETRY_SCHEDULE": "3600"}
SPARE_ENDPOINTS = 3


@dataclass(frozen=True)
class Seeded:
    """A running instance of one shape and the objects that path parameters are drawn from."""

    shape: str
    service: Service
    path_parameters: dict[str, list[str]]


@contextlib.contextmanager
def running(shape: str, stack: Stack) -> Iterator[Service]:
    """The service of ``shape``; its processes stop before its database and vhost are dropped."""
    with contextlib.ExitStack() as cleanup:
        if shape == "embedded":
            cleanup.callback(stack.stop_all)
            yield start_embedded(stack, settings=SETTINGS)
            return
        database_url = cleanup.enter_context(fresh_database())
        broker_url = cleanup.enter_context(fresh_rabbitmq_vhost())
        cleanup.callback(stack.stop_all)
        yield start_production(
            stack, database_url=database_url, broker_url=broker_url, settings=SETTINGS
        )


@pytest.fixture(scope="module", params=SHAPES)
def seeded(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    shape: str = request.param
    stack = Stack(tmp_path_factory.mktemp(f"schemathesis-{shape}"))
    with running(shape, stack) as service:
        yield Seeded(shape, service, seed(service))


def seed(service: Service) -> dict[str, list[str]]:
    uid = "st_" + secrets.token_hex(4)
    tenant = f"/api/v1/tenants/{uid}"
    with service.client() as api:

        def create(path: str, body: dict[str, Any]) -> str:
            answer = api.post(path, json=body)
            assert answer.status_code in (201, 202), answer.text
            return str(answer.json()["id"])

        create("/api/v1/event-types", {"name": "invoice.paid"})
        create("/api/v1/tenants", {"uid": uid, "name": "Schemathesis"})
        endpoints = [
            create(f"{tenant}/endpoints", {"url": f"http://127.0.0.1:9/hook/{n}"})
            for n in range(1 + SPARE_ENDPOINTS)
        ]
        message = create(
            f"{tenant}/messages", {"event_type": "invoice.paid", "payload": {"invoice": "in_1"}}
        )
        token = create(f"{tenant}/portal-tokens", {"description": "schemathesis"})
    return {
        "tenant": [uid],
        "endpoint": endpoints[:1],
        "spare_endpoint": endpoints[1:],
        "message": [message],
        "token_id": [token],
        "name": ["invoice.paid"],
    }


def config_toml(seeded: Seeded, *, max_examples: int) -> str:
    """schemathesis.toml for one run: the server, the checks, every phase, the dictionaries."""
    q = json.dumps  # a JSON string of ASCII is a TOML basic string
    lines = [
        f"base-url = {q(seeded.service.base_url)}",
        "request-timeout = 10",
        f"headers = {{ Authorization = {q('Bearer ' + seeded.service.admin_key)} }}",
        "[generation]",
        f"max-examples = {max_examples}",
        "[phases.stateful]",
        "enabled = true",
        "[checks]",
        "enabled = false",
        *(f"{check}.enabled = true" for check in CHECKS),
        "[parameters]",
        *(
            f'"path.{name}" = {{ dictionary = {q(name)}, probability = 0.8 }}'
            for name in seeded.path_parameters
            if name != "spare_endpoint"
        ),
        *(
            f"[dictionaries.{name}]\nvalues = {q(values)}"
            for name, values in seeded.path_parameters.items()
        ),
        "[[operations]]",
        'include-name = "DELETE /api/v1/tenants/{tenant}/endpoints/{endpoint}"',
        "[operations.parameters]",
        '"path.endpoint" = { dictionary = "spare_endpoint", probability = 0.5 }',
    ]
    return "\n".join(lines) + "\n"


def run_schemathesis(seeded: Seeded, workdir: Path, *, max_examples: int) -> dict[str, Any]:
    """One ``schemathesis run`` of the committed snapshot; its JSON report (figures, failures)."""
    config = workdir / "schemathesis.toml"
    config.write_text(config_toml(seeded, max_examples=max_examples))
    report = workdir / "report.json"
    command = [str(SCHEMATHESIS), "--config-file", str(config), "--no-color", "run"]
    command += [str(SNAPSHOT), "--report", "json", "--report-json-path", str(report)]
    done = subprocess.run(command, cwd=workdir, capture_output=True, text=True, timeout=1700)
    (workdir / "schemathesis.log").write_text(done.stdout + done.stderr)
    assert report.exists(), done.stdout[-4000:] + done.stderr[-4000:]
    result: dict[str, Any] = json.loads(report.read_text())
    result["output"] = done.stdout
    return result


def test_every_operation_keeps_its_contract(
    seeded: Seeded, tmp_path: Path, summary: Callable[[str, object], None]
) -> None:
    report = run_schemathesis(seeded, tmp_path, max_examples=MAX_EXAMPLES)

    cases, operations = report["test_cases"], report["operations"]
    summary(
        f"{seeded.shape} shape",
        f"{cases['generated']} cases, {operations['tested']}/{operations['total']} operations, "
        f"{cases['with_failures']} failing, {len(report['errors'])} errors, "
        f"{report['running_time']:.0f} s ({MAX_EXAMPLES} examples per operation and phase)",
    )
    assert report["failures"] == [], report["output"][-8000:]
    assert report["errors"] == [], report["output"][-8000:]
    assert operations["tested"] == operations["total"]
    assert all(phase["status"] == "success" for phase in report["phases"].values())


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

"""Fixtures for end-to-end tests: a stack of real processes, stopped after each test, whose logs
are attached to the report of a test that failed."""

from __future__ import annotations

from collections.abc import Generator, Iterator
from pathlib import Path

import pytest

# The checks in the harness are plain asserts; rewritten, their failures show the values.
pytest.register_assert_rewrite("tests.e2e.harness")

from tests.e2e.harness import Stack  # noqa: E402

STACK_KEY = pytest.StashKey[Stack]()


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """The processes of this test, started in ``tmp_path`` and stopped (terminate, then kill)."""
    stack = Stack(tmp_path)
    request.node.stash[STACK_KEY] = stack
    try:
        yield stack
    finally:
        stack.stop_all()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    report: pytest.TestReport = yield
    stack = item.stash.get(STACK_KEY, None)
    if report.failed and stack is not None and call.when in ("setup", "call"):
        # Read before teardown stops the processes, so the logs show them as they were.
        report.sections.append(("process logs", stack.logs(50)))
    return report

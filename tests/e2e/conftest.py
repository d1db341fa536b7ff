"""Fixtures for end-to-end tests: a stack of real processes, stopped after each test, whose logs
are attached to the report of a test that failed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Generator, Iterator
from pathlib import Path

import pytest

# The checks in the harness are plain asserts; rewritten, their failures show the values.
pytest.register_assert_rewrite("tests.e2e.harness")

from playwright.async_api import Browser, async_playwright  # noqa: E402

from tests.e2e.harness import Stack, fresh_database, fresh_rabbitmq_vhost  # noqa: E402
from tests.e2e.portal_browser import ChromiumMissing, chromium_path  # noqa: E402

STACK_KEY = pytest.StashKey[Stack]()
SUMMARY_KEY = pytest.StashKey[list[str]]()


@pytest.fixture
def stack(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Stack]:
    """The processes of this test, started in ``tmp_path`` and stopped (terminate, then kill)."""
    stack = Stack(tmp_path)
    request.node.stash[STACK_KEY] = stack
    try:
        yield stack
    finally:
        stack.stop_all()


@pytest.fixture
def database_url(stack: Stack) -> Iterator[str]:
    """A fresh PostgreSQL database for a production-shape test, dropped after the test's
    processes have stopped (overrides the SQLite/PostgreSQL ``database_url`` of the other suites)."""
    with fresh_database() as url:
        try:
            yield url
        finally:
            stack.stop_all()


@pytest.fixture
def broker_url(stack: Stack) -> Iterator[str]:
    """A fresh RabbitMQ vhost, deleted after the test's processes have stopped."""
    with fresh_rabbitmq_vhost() as url:
        try:
            yield url
        finally:
            stack.stop_all()


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    """One headless Debian chromium for the whole run (each test opens its own context); a
    missing chromium fails the test that needs it."""
    try:
        path = chromium_path()
    except ChromiumMissing as exc:
        pytest.fail(f"{exc} (see .ci/run)")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path)
        yield launched
        await launched.close()


@pytest.fixture
def summary(
    request: pytest.FixtureRequest, record_property: Callable[[str, object], None]
) -> Callable[[str, object], None]:
    """``summary(name, value)``: a figure of this test (counts of a run), shown in pytest's
    terminal summary even under ``-q`` and without ``-s``, and kept in the JUnit XML report."""
    lines = request.config.stash.setdefault(SUMMARY_KEY, [])

    def add(name: str, value: object) -> None:
        record_property(name, value)
        lines.append(f"{request.node.name}: {name}: {value}")

    return add


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    lines = config.stash.get(SUMMARY_KEY, [])
    if lines:
        terminalreporter.write_sep("=", "end-to-end figures")
        for line in lines:
            terminalreporter.write_line(line)


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

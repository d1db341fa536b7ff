"""Subprocesses with logs, stopped together; polling waits; the test receiver's handle."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

RECEIVER_SCRIPT = Path(__file__).parents[1] / "receiver.py"


class HarnessError(AssertionError):
    """A process did not start, died, or a wait ran out (an AssertionError so pytest shows it)."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Process:
    """A subprocess whose stdout and stderr go to one log file."""

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def tail(self, lines: int = 50) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<no log: {exc}>"
        return "\n".join(text.splitlines()[-lines:])

    def exited(self) -> int | None:
        return self.popen.poll()

    def stop(self, *, timeout_seconds: float = 10.0) -> None:
        """Terminate; kill what is still running after ``timeout_seconds``."""
        if self.popen.poll() is not None:
            return
        self.popen.terminate()
        try:
            self.popen.wait(timeout_seconds)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout_seconds)


class Stack:
    """The processes of one test or bench run: started in a work dir, stopped together."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.processes: list[Process] = []

    def start(self, name: str, argv: Sequence[str], env: dict[str, str]) -> Process:
        log_path = self.workdir / f"{name}.log"
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(argv),
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log_path)
        self.processes.append(process)
        return process

    def check_alive(self) -> None:
        """Raise, with its log, if any process has exited."""
        for process in self.processes:
            code = process.exited()
            if code is not None:
                raise HarnessError(
                    f"{process.name} exited with {code}; its log ends:\n{process.tail()}"
                )

    def logs(self, lines: int = 50) -> str:
        return "\n\n".join(
            f"===== {p.name} (exit {p.exited()}) — last {lines} lines of {p.log_path} =====\n"
            + p.tail(lines)
            for p in self.processes
        )

    def stop_all(self) -> None:
        # Reverse order: the API and workers go before the receiver they send to.
        for process in reversed(self.processes):
            process.stop()


def wait_until(
    condition: Callable[[], Any],
    *,
    timeout_seconds: float,
    stack: Stack,
    what: str | Callable[[], str],
    interval: float = 0.2,
) -> Any:
    """Poll ``condition()`` until it returns something truthy; fail early if a process died.

    ``what`` names the wait in the error; a callable is asked at the time-out, to say how far it got.
    """
    deadline = time.monotonic() + timeout_seconds
    while True:
        stack.check_alive()
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            said = what() if callable(what) else what
            raise HarnessError(f"timed out after {timeout_seconds:.0f} s waiting for {said}")
        time.sleep(interval)


@dataclass
class Receiver:
    """Handle on a running receiver process and its control API."""

    process: Process
    base_url: str
    _records: list[dict[str, Any]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_secrets(self, secrets_by_path: dict[str, str]) -> None:
        answer = httpx.post(self.url("/_control/secrets"), json=secrets_by_path, timeout=10)
        answer.raise_for_status()

    def stats(self) -> dict[str, int]:
        answer = httpx.get(self.url("/_control/stats"), timeout=10)
        answer.raise_for_status()
        return dict(answer.json())

    def records(self) -> list[dict[str, Any]]:
        """All records so far (fetched incrementally)."""
        answer = httpx.get(
            self.url("/_control/requests"), params={"since": len(self._records)}, timeout=30
        )
        answer.raise_for_status()
        self._records.extend(answer.json()["records"])
        return list(self._records)

    def wait_for_requests(
        self, count: int, *, stack: Stack, timeout_seconds: float = 120.0
    ) -> list[dict[str, Any]]:
        """Wait until ``count`` requests arrived; return all records."""
        wait_until(
            lambda: self.stats()["count"] >= count,
            timeout_seconds=timeout_seconds,
            stack=stack,
            what=lambda: f"{count} requests at the receiver (have {self.stats()['count']})",
            interval=0.25,
        )
        return self.records()


def start_receiver(stack: Stack, *, fail_first: bool = False, name: str = "receiver") -> Receiver:
    port = free_port()
    argv = [sys.executable, str(RECEIVER_SCRIPT), "--port", str(port)]
    if fail_first:
        argv.append("--fail-first")
    process = stack.start(name, argv, {**os.environ, "PYTHONUNBUFFERED": "1"})
    receiver = Receiver(process, f"http://127.0.0.1:{port}")

    def answers() -> bool:
        try:
            receiver.stats()
        except httpx.HTTPError:
            return False
        return True

    wait_until(answers, timeout_seconds=15, stack=stack, what=f"{name} to listen", interval=0.05)
    return receiver

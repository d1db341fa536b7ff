"""Subprocesses with logs, stopped together; polling waits; the test receiver's handle."""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

RECEIVER_SCRIPT = Path(__file__).parents[1] / "receiver.py"


class HarnessError(AssertionError):
    """A process did not start, died, or a wait ran out (an AssertionError so pytest shows it)."""


# Ports the machine's own services listen on (epmd, RabbitMQ's management and distribution).
_TAKEN = {4369, 5432, 5672, 6379, 15672, 25672}


def _ephemeral_low() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def free_port() -> int:
    """A free port below the kernel's ephemeral range. A port from that range (what binding port
    0 gives) can be taken, while its server is down for a restart, by any outgoing connection's
    local port, so a broker or receiver started again on it found it in use (eaddrinuse: a
    private RabbitMQ node failed to boot once in a whole-suite run)."""
    low = _ephemeral_low()
    for _ in range(200):
        port = random.randrange(10000, low)
        if port in _TAKEN:
            continue
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise HarnessError("no free port below the ephemeral range")


@dataclass
class Process:
    """A subprocess whose stdout and stderr go to one log file.

    ``argv`` and ``env`` are kept so that ``Stack.start_again`` can start it once more; a process
    stopped or killed on purpose (``stop``, ``kill``) no longer counts as died in ``check_alive``.
    """

    name: str
    popen: subprocess.Popen[bytes]
    log_path: Path
    argv: list[str] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)
    stopped_on_purpose: bool = False

    @property
    def pid(self) -> int:
        return self.popen.pid

    def tail(self, lines: int = 50) -> str:
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError as exc:
            return f"<no log: {exc}>"
        return "\n".join(text.splitlines()[-lines:])

    def exited(self) -> int | None:
        return self.popen.poll()

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def terminate(self) -> None:
        """SIGTERM, without waiting: a deploy's stop, whose exit the caller times."""
        self.stopped_on_purpose = True
        if self.popen.poll() is None:
            self.popen.terminate()

    def kill(self, *, timeout_seconds: float = 10.0) -> None:
        """SIGKILL (a crash: no shutdown code runs) and wait for it to be gone."""
        self.stopped_on_purpose = True
        if self.popen.poll() is None:
            self.popen.kill()
        self.popen.wait(timeout_seconds)

    def stop(self, *, timeout_seconds: float = 10.0) -> None:
        """Terminate; kill what is still running after ``timeout_seconds``."""
        self.stopped_on_purpose = True
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
        """Start ``argv``; a name started before gets a numbered log (``worker.2.log``)."""
        starts = sum(1 for p in self.processes if p.name == name)
        log_path = self.workdir / (f"{name}.log" if not starts else f"{name}.{starts + 1}.log")
        with log_path.open("wb") as log:
            popen = subprocess.Popen(
                list(argv),
                cwd=self.workdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        process = Process(name, popen, log_path, list(argv), dict(env))
        self.processes.append(process)
        return process

    def get(self, name: str) -> Process:
        """The latest process started under ``name``."""
        for process in reversed(self.processes):
            if process.name == name:
                return process
        raise HarnessError(f"no process named {name!r} in this stack")

    def kill(self, name: str) -> Process:
        """SIGKILL the latest ``name`` process (a crash); return it."""
        process = self.get(name)
        process.kill()
        return process

    def stop(self, name: str) -> Process:
        """Terminate the latest ``name`` process (a clean stop); return it."""
        process = self.get(name)
        process.stop()
        return process

    def start_again(self, name: str) -> Process:
        """Start ``name`` once more with the same command and environment; it must be stopped."""
        previous = self.get(name)
        if previous.exited() is None:
            raise HarnessError(f"{name} (pid {previous.pid}) is still running; stop or kill it")
        return self.start(name, previous.argv, previous.env)

    def start_beside(self, name: str, new_name: str) -> Process:
        """Start ``new_name`` with the command and environment of ``name`` (a rolling deploy's
        new process, or one more worker), while ``name`` keeps running."""
        model = self.get(name)
        return self.start(new_name, model.argv, model.env)

    def restart(self, name: str, *, kill: bool = False) -> Process:
        """Stop (or, with ``kill``, SIGKILL) the latest ``name`` process and start it again."""
        if kill:
            self.kill(name)
        else:
            self.stop(name)
        return self.start_again(name)

    def check_alive(self) -> None:
        """Raise, with its log, if any process has exited that was not stopped on purpose."""
        for process in self.processes:
            if process.stopped_on_purpose:
                continue
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
    """Handle on a running receiver process and its control API.

    ``stop`` and ``start_again`` take it down and bring it back on the same port; the records and
    counts it answers with cover every run (the records of a stopped run come from the file the
    receiver writes on SIGTERM), and the secrets are handed to each new run.
    """

    process: Process
    base_url: str
    records_file: Path | None = None
    _records: list[dict[str, Any]] = field(default_factory=list)
    # Records of the runs before this one, and what this one has been told.
    _earlier: list[dict[str, Any]] = field(default_factory=list)
    _secrets: dict[str, str] = field(default_factory=dict)

    def url(self, path: str) -> str:
        return self.base_url + path

    def set_secrets(self, secrets_by_path: dict[str, str]) -> None:
        answer = httpx.post(self.url("/_control/secrets"), json=secrets_by_path, timeout=10)
        answer.raise_for_status()
        self._secrets |= secrets_by_path

    def set_slow(self, seconds_by_path: dict[str, float]) -> None:
        """Make these paths answer only after so many seconds (not recorded; see receiver.py)."""
        answer = httpx.post(self.url("/_control/slow"), json=seconds_by_path, timeout=10)
        answer.raise_for_status()

    def stats(self) -> dict[str, int]:
        """``{"count", "verified"}`` over every run, and ``slow``: requests to slow paths so far.

        Over urllib: polled often (the bench's publishers poll it), and ``httpx.get`` builds a
        client and a TLS context per call, which cost more CPU than the service being measured.
        """
        with urllib.request.urlopen(self.url("/_control/stats"), timeout=10) as answer:
            now = json.load(answer)
        return {
            "count": len(self._earlier) + now["count"],
            "verified": sum(1 for r in self._earlier if r["verified"]) + now["verified"],
            "slow": now.get("slow", 0),
        }

    def records(self) -> list[dict[str, Any]]:
        """All records so far, of every run (fetched incrementally)."""
        answer = httpx.get(
            self.url("/_control/requests"), params={"since": len(self._records)}, timeout=30
        )
        answer.raise_for_status()
        self._records.extend(answer.json()["records"])
        return self._earlier + self._records

    def stop(self) -> None:
        """Take the receiver down (connections refused from now on), keeping what it recorded."""
        if self.records_file is None:
            raise HarnessError("this receiver was started without a records file")
        self.records_file.unlink(missing_ok=True)
        self.process.stop()
        if not self.records_file.exists():
            raise HarnessError(f"receiver wrote no {self.records_file}:\n{self.process.tail()}")
        self._earlier.extend(json.loads(self.records_file.read_text()))
        self._records = []

    def start_again(self, stack: Stack) -> None:
        """Bring a stopped receiver back on the same port, with the secrets it was given.

        The secrets go in through ``--secrets-file``, so the receiver knows them before it
        listens: a webhook arriving in the first milliseconds must verify too.
        """
        secrets_file = self.process.log_path.with_name(f"{self.process.name}.secrets.json")
        secrets_file.write_text(json.dumps(self._secrets))
        argv = list(self.process.argv)
        if "--secrets-file" in argv:  # started again before: replace the earlier file
            del argv[argv.index("--secrets-file") : argv.index("--secrets-file") + 2]
        if self.process.exited() is None:
            raise HarnessError(f"{self.process.name} is still running; stop it first")
        self.process = stack.start(
            self.process.name, [*argv, "--secrets-file", str(secrets_file)], self.process.env
        )
        self._wait_listening(stack)

    def _wait_listening(self, stack: Stack) -> None:
        def answers() -> bool:
            try:
                httpx.get(self.url("/_control/stats"), timeout=10).raise_for_status()
            except httpx.HTTPError:
                return False
            return True

        wait_until(
            answers,
            timeout_seconds=15,
            stack=stack,
            what=f"{self.process.name} to listen",
            interval=0.05,
        )

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
    records_file = stack.workdir / f"{name}.records.json"
    argv = [sys.executable, str(RECEIVER_SCRIPT), "--port", str(port)]
    argv += ["--records-file", str(records_file)]
    if fail_first:
        argv.append("--fail-first")
    process = stack.start(name, argv, {**os.environ, "PYTHONUNBUFFERED": "1"})
    receiver = Receiver(process, f"http://127.0.0.1:{port}", records_file)
    receiver._wait_listening(stack)
    return receiver

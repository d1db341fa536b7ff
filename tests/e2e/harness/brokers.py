"""Private brokers for fault tests: a RabbitMQ node and a Redis server of the test's own, which it
may stop and start again. The machine's RabbitMQ and Redis are shared with other test runs and
are never restarted.

- ``PrivateRabbitmq``: a node named ``hr_fault_<hex>@localhost`` on free AMQP and distribution
  ports, its database, logs, config, plugins list and Erlang cookie in its own directory (the
  machine's ``/etc/rabbitmq`` files name the shared node and port 5672: none of them is read).
  ``stop`` is ``rabbitmqctl stop``; ``start`` boots it again on the same database, so durable
  queues and persistent tasks come back as after a real broker restart.
- ``PrivateRedis``: ``redis-server`` without persistence (``--save "" --appendonly no``) on a free
  port, a process of the test's ``Stack``: stopped and started again it comes back empty.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from tests.e2e.harness.processes import HarnessError, Stack, free_port

RABBITMQ_SBIN = Path("/usr/lib/rabbitmq/bin")  # the scripts themselves, not the su wrappers
BOOT_TIMEOUT_SECONDS = 90.0


class PrivateRabbitmq:
    """A RabbitMQ node of one test; ``url`` is its default vhost as guest."""

    def __init__(self, workdir: Path) -> None:
        self.node = f"hr_fault_{secrets.token_hex(4)}@localhost"
        self.port = free_port()
        self.base = workdir / f"rabbitmq-{self.node.split('@')[0]}"
        self.url = f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"
        self.base.mkdir(parents=True)
        home = self.base / "home"
        home.mkdir()
        cookie = home / ".erlang.cookie"
        cookie.write_text(secrets.token_hex(16))
        cookie.chmod(0o400)
        (self.base / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\nloopback_users = none\n"
        )
        (self.base / "rabbitmq-env.conf").write_text("")
        (self.base / "enabled_plugins").write_text("[].\n")
        self.env = {
            **os.environ,
            "HOME": str(home),  # rabbitmqctl finds the node's cookie here
            "RABBITMQ_NODENAME": self.node,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(self.base / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.base / "log"),
            "RABBITMQ_CONFIG_FILE": str(self.base / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(self.base / "rabbitmq-env.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.base / "enabled_plugins"),
            "RABBITMQ_PID_FILE": str(self.base / "rabbitmq.pid"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
        self.running = False

    def _run(self, script: str, *args: str, timeout_seconds: float = 120.0) -> None:
        done = subprocess.run(
            [str(RABBITMQ_SBIN / script), *args],
            env=self.env,
            cwd=self.base,
            capture_output=True,
            timeout=timeout_seconds,
        )
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")
            raise HarnessError(
                f"{script} {' '.join(args)} exited with {done.returncode}:\n{output}"
            )

    def answers(self) -> bool:
        """True when an AMQP connection opens (the listener starts last in a node's boot)."""
        import pika
        from pika.exceptions import AMQPError

        try:
            pika.BlockingConnection(pika.URLParameters(self.url + "?connection_attempts=1")).close()
        except (AMQPError, OSError):
            return False
        return True

    def start(self) -> float:
        """Boot the node and wait until it has started; return the ``time.monotonic()`` at which
        it first took an AMQP connection."""
        self._run("rabbitmq-server", "-detached")
        self.running = True
        deadline = time.monotonic() + BOOT_TIMEOUT_SECONDS
        while not self.answers():
            if time.monotonic() > deadline:
                raise HarnessError(f"{self.node} did not boot within {BOOT_TIMEOUT_SECONDS:.0f} s")
            time.sleep(0.1)
        answered_at = time.monotonic()
        self._run("rabbitmqctl", "-n", self.node, "await_startup")
        return answered_at

    def stop(self) -> None:
        """``rabbitmqctl stop``: the node closes every connection and halts."""
        if self.running:
            self._run("rabbitmqctl", "-n", self.node, "stop")
            self.running = False

    def halt(self) -> None:
        """End the node at once (SIGKILL, by the pid it wrote): a test's clean-up, which
        ``stop``'s ten seconds or so would only slow down."""
        pid_file = Path(self.env["RABBITMQ_PID_FILE"])
        if self.running and pid_file.exists():
            with contextlib.suppress(ProcessLookupError, ValueError):
                os.kill(int(pid_file.read_text().strip()), signal.SIGKILL)
            self.running = False


@contextlib.contextmanager
def private_rabbitmq(workdir: Path) -> Iterator[PrivateRabbitmq]:
    """A booted private RabbitMQ node, ended afterwards."""
    broker = PrivateRabbitmq(workdir)
    try:
        broker.start()
        yield broker
    finally:
        broker.halt()


class PrivateRedis:
    """A Redis server of one test, without persistence, run as the stack process ``name``."""

    def __init__(self, stack: Stack, *, name: str = "redis") -> None:
        self.stack = stack
        self.name = name
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        directory = stack.workdir / name
        directory.mkdir()
        argv = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1"]
        argv += ["--save", "", "--appendonly", "no", "--dir", str(directory)]
        stack.start(name, argv, dict(os.environ))
        self._wait_answering()

    def answers(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()

    def _wait_answering(self) -> None:
        deadline = time.monotonic() + 30
        while not self.answers():
            self.stack.check_alive()
            if time.monotonic() > deadline:
                raise HarnessError(f"redis on port {self.port} did not answer within 30 s")
            time.sleep(0.05)

    def stop(self) -> None:
        """SIGTERM: without persistence, whatever it held is gone."""
        self.stack.stop(self.name)

    def start(self) -> float:
        """Start it again on the same port (empty); return the ``time.monotonic()`` at which it
        answered."""
        self.stack.start_again(self.name)
        self._wait_answering()
        return time.monotonic()

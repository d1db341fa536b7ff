"""The console script as an operator meets it: bad configuration stops start-up, naming the
variable; the schema prints."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HOOKRELAY = str(Path(sys.executable).with_name("hookrelay"))


def run(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("HOOKRELAY_")}
    return subprocess.run(
        [HOOKRELAY, *args], env=clean | env, cwd=cwd, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("command", ["api", "worker", "scheduler", "dev", "migrate"])
def test_bad_configuration_stops_start_up_naming_the_variable(command: str, tmp_path: Path) -> None:
    result = run(command, env={"HOOKRELAY_PORT": "eighty"}, cwd=tmp_path)
    assert result.returncode == 2
    assert "HOOKRELAY_PORT" in result.stderr


def test_production_without_secret_key_stops(tmp_path: Path) -> None:
    result = run(
        "api", env={"HOOKRELAY_DATABASE_URL": "postgresql://postgres@127.0.0.1/x"}, cwd=tmp_path
    )
    assert result.returncode == 2
    assert "HOOKRELAY_SECRET_KEY" in result.stderr


def test_openapi_prints_the_schema(tmp_path: Path) -> None:
    result = run("openapi", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["info"]["title"] == "Hookrelay"
    assert "/api/v1/tenants/{tenant}/messages" in schema["paths"]

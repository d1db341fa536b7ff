"""The console script as an operator meets it: bad configuration stops start-up, naming the
variable; the schema prints."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

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


@pytest.mark.parametrize("command", ["api", "worker", "scheduler"])
def test_processes_without_a_broker_stop_at_start_up(command: str, tmp_path: Path) -> None:
    """The image started as documented must not answer 202 into a queue no process reads."""
    from cryptography.fernet import Fernet

    env = {
        "HOOKRELAY_DATABASE_URL": "postgresql://postgres@127.0.0.1/x",
        "HOOKRELAY_SECRET_KEY": Fernet.generate_key().decode(),
    }
    result = run(command, env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "HOOKRELAY_BROKER_URL: required" in result.stderr


def test_openapi_prints_the_schema(tmp_path: Path) -> None:
    result = run("openapi", env={}, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    schema = json.loads(result.stdout)
    assert schema["info"]["title"] == "Hookrelay"
    assert "/api/v1/tenants/{tenant}/messages" in schema["paths"]


def test_portal_link_mints_a_token_for_a_tenant(tmp_path: Path) -> None:
    import asyncio
    import hashlib

    from cryptography.fernet import Fernet
    from sqlalchemy import select

    from app.db import create_engine, migrate, session_factory
    from app.models import PortalToken
    from tests.factories import create_tenant

    url = f"sqlite:///{tmp_path / 'hookrelay.db'}"
    migrate(url)

    async def tenant_then(check: bool, code: str = "") -> tuple[str, Any] | None:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                if not check:
                    await create_tenant(session, uid="acme")
                    await session.commit()
                    return None
                digest = hashlib.sha256(code.encode()).hexdigest()
                row = await session.scalar(
                    select(PortalToken).where(PortalToken.link_hash == digest)
                )
                return None if row is None else (row.tenant_id, row.branding)
        finally:
            await engine.dispose()

    asyncio.run(tenant_then(False))
    env = {
        "HOOKRELAY_DATABASE_URL": url,
        "HOOKRELAY_SECRET_KEY": Fernet.generate_key().decode(),
        "HOOKRELAY_PUBLIC_URL": "https://hooks.example.com",
    }
    result = run("portal-link", "acme", "--ttl", "600", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip()
    assert link.startswith("https://hooks.example.com/portal/login?code=")
    assert asyncio.run(tenant_then(True, link.split("code=")[1])) is not None

    branded = run("portal-link", "acme", "--branding", '{"name": "Globex"}', env=env, cwd=tmp_path)
    assert branded.returncode == 0, branded.stderr
    found = asyncio.run(tenant_then(True, branded.stdout.strip().split("code=")[1]))
    assert found is not None and found[1] == {"name": "Globex"}
    refused = run("portal-link", "acme", "--branding", '{"theme": "neon"}', env=env, cwd=tmp_path)
    assert refused.returncode != 0 and "--branding" in refused.stderr

    missing = run("portal-link", "nobody", env=env, cwd=tmp_path)
    assert missing.returncode == 1
    assert "tenant 'nobody' not found" in missing.stderr


def test_rotate_secrets_re_encrypts_with_a_progress_bar(tmp_path: Path) -> None:
    import asyncio

    from cryptography.fernet import Fernet

    from app.db import create_engine, migrate, session_factory
    from app.kit.crypto import SecretBox
    from app.ops.secrets import stored_secrets
    from tests.factories import create_endpoint, create_tenant

    url = f"sqlite:///{tmp_path / 'hookrelay.db'}"
    migrate(url)

    async def read() -> list[str]:
        engine = create_engine(url)
        try:
            async with session_factory(engine)() as session:
                if not await stored_secrets(session):
                    tenant = await create_tenant(session)
                    for _ in range(3):
                        await create_endpoint(session, tenant)
                    await session.commit()
                return await stored_secrets(session)
        finally:
            await engine.dispose()

    from tests.conftest import SECRET_KEY

    before = asyncio.run(read())
    new_key = Fernet.generate_key().decode()
    env = {"HOOKRELAY_DATABASE_URL": url, "HOOKRELAY_SECRET_KEY": f"{new_key},{SECRET_KEY}"}
    result = run("rotate-secrets", "--batch-size", "2", env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "3/3" in result.stderr and "endpoints.secret_encrypted: 3 re-encrypted" in result.stderr
    after = asyncio.run(read())
    old, new = SecretBox(SECRET_KEY), SecretBox(new_key)
    assert [new.decrypt(t) for t in after] == [old.decrypt(t) for t in before]


def test_sources_add_list_and_show_print_the_ingest_url(tmp_path: Path) -> None:
    env = {"HOOKRELAY_DATA_DIR": str(tmp_path / "data")}
    assert run("migrate", env=env, cwd=tmp_path).returncode == 0
    added = run("sources", "add", "payments", "--provider", "none", env=env, cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    source = json.loads(added.stdout)
    assert source["ingest_url"].startswith("http://127.0.0.1:8000/in/")
    listed = run("sources", "list", env=env, cwd=tmp_path)
    assert source["ingest_url"] in listed.stdout
    shown = run("sources", "show", source["id"], env=env, cwd=tmp_path)
    assert json.loads(shown.stdout)["ingest_url"] == source["ingest_url"]
    bad = run("sources", "add", "x", "--provider", "nope", env=env, cwd=tmp_path)
    assert bad.returncode == 1
    assert "unknown provider" in bad.stderr


def test_api_keys_create_list_revoke(tmp_path: Path) -> None:
    from cryptography.fernet import Fernet

    from app.db import migrate

    url = f"sqlite:///{tmp_path / 'hookrelay.db'}"
    migrate(url)
    env = {"HOOKRELAY_DATABASE_URL": url, "HOOKRELAY_SECRET_KEY": Fernet.generate_key().decode()}
    first = run("api-keys", "create", "deploy bot", env=env, cwd=tmp_path)
    second = run("api-keys", "create", "billing", env=env, cwd=tmp_path)
    assert first.returncode == second.returncode == 0, first.stderr
    first_id, first_key = first.stdout.strip().split("\t")
    assert first_key.startswith("hr_")

    listed = run("api-keys", "list", env=env, cwd=tmp_path)
    assert "deploy bot" in listed.stdout and "billing" in listed.stdout
    assert first_key not in listed.stdout

    revoked = run("api-keys", "revoke", first_id, env=env, cwd=tmp_path)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    last_id = second.stdout.split("\t")[0]
    refused = run("api-keys", "revoke", last_id, env=env, cwd=tmp_path)
    assert refused.returncode == 1 and "last active API key" in refused.stderr
    missing = run("api-keys", "create", env=env, cwd=tmp_path)
    assert missing.returncode == 2

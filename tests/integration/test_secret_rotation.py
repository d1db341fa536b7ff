"""Retiring HOOKRELAY_SECRET_KEY: with the new key first, ``rotate-secrets`` re-encrypts every
stored secret; afterwards the database reads with the new key alone and not with the retired one."""

from __future__ import annotations

from typing import Any

import pytest
from cryptography.fernet import Fernet, InvalidToken

from app.endpoints import service as endpoints
from app.endpoints.schemas import EndpointUpdate
from app.kit.crypto import SecretBox
from app.ops.secrets import rotate_secrets, stored_secrets
from tests.conftest import SECRET_KEY
from tests.factories import create_endpoint, create_tenant

OLD_BOX = SecretBox(SECRET_KEY)  # what tests/factories.py encrypts with


async def stored_tokens(sessions: Any) -> list[str]:
    async with sessions() as session:
        return await stored_secrets(session)


@pytest.fixture
async def secrets_before(sessions: Any) -> list[str]:
    """Three endpoints, one rotated (its old secret is still stored), one signing with ed25519
    (its secret key is stored too), all under the old key."""
    async with sessions() as session:
        tenant = await create_tenant(session)
        made = [await create_endpoint(session, tenant) for _ in range(3)]
        await endpoints.rotate_secret(session, made[0], OLD_BOX, secret=None, grace_hours=24)
        scheme = EndpointUpdate(signature_scheme="v1a")
        await endpoints.update(session, tenant, made[1].id, scheme, box=OLD_BOX)
        await session.commit()
    return [OLD_BOX.decrypt(token) for token in await stored_tokens(sessions)]


class TestRotateSecrets:
    async def test_after_rotation_only_the_new_key_reads_the_database(
        self, sessions: Any, secrets_before: list[str]
    ) -> None:
        new_key = Fernet.generate_key().decode()
        progress: list[tuple[str, int, int]] = []

        changed = await rotate_secrets(
            sessions,
            SecretBox(f"{new_key},{SECRET_KEY}"),
            batch_size=2,
            progress=lambda *p: progress.append(p),
        )

        assert changed == {
            "endpoints.secret_encrypted": 3,
            "endpoints.old_secrets": 1,
            "endpoints.signing_keys": 1,
        }
        assert ("endpoints.secret_encrypted", 2, 3) in progress  # batches of two
        tokens = await stored_tokens(sessions)
        assert [SecretBox(new_key).decrypt(t) for t in tokens] == secrets_before
        retired = SecretBox(SECRET_KEY)
        for token in tokens:
            with pytest.raises(InvalidToken):
                retired.decrypt(token)

    async def test_a_second_run_changes_nothing_so_a_stopped_run_resumes(
        self, sessions: Any, secrets_before: list[str]
    ) -> None:
        box = SecretBox(f"{Fernet.generate_key().decode()},{SECRET_KEY}")
        await rotate_secrets(sessions, box, batch_size=1)
        again = await rotate_secrets(sessions, box, batch_size=1)
        assert again == {
            "endpoints.secret_encrypted": 0,
            "endpoints.old_secrets": 0,
            "endpoints.signing_keys": 0,
        }
        assert [box.decrypt(t) for t in await stored_tokens(sessions)] == secrets_before

    def test_the_first_key_encrypts_and_every_key_decrypts(self) -> None:
        new_key = Fernet.generate_key().decode()
        both = SecretBox(f"{new_key},{SECRET_KEY}")
        assert both.decrypt(OLD_BOX.encrypt("whsec_x")) == "whsec_x"
        assert SecretBox(new_key).decrypt(both.encrypt("whsec_y")) == "whsec_y"


class TestMagicLinksAcrossARotation:
    async def test_a_link_minted_under_the_old_key_still_signs_in(
        self, sessions: Any, settings: Any
    ) -> None:
        from app.auth.service import hash_key
        from app.portal import service as portal

        async with sessions() as session:
            tenant = await create_tenant(session)
            minted = await portal.mint(session, tenant, settings)
            await session.commit()
        code = minted.magic_link.split("code=")[1]
        new_key = Fernet.generate_key().decode()
        async with sessions() as session:
            row, token = await portal.redeem_link(session, code, secret_keys=[new_key, SECRET_KEY])
        assert token == minted.token and hash_key(token) == row.token_hash

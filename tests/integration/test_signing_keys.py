"""Asymmetric signatures (v1a, issue 17 part 3): the worker's ed25519 signatures verify with an
independent implementation (PyNaCl, libsodium) against the keys of the public document; rotation
keeps the HMAC overlap; the documents list exactly the right keys; secret keys never leave the API
except through the reveal route, and are encrypted at rest (guarantee 7)."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select, text
from standardwebhooks import Webhook

from app.models import Delivery, Endpoint
from tests.conftest import Clock
from tests.factories import BOX, publish, send_deliveries
from tests.integration.receiver import Receiver
from tests.integration.test_api_portal import bearer, mint
from workers.delivery import DeliveryContext

Client = AsyncTestClient[Any]
API = "/api/v1/tenants"


def verify_v1a(request: Any, public_keys: list[str]) -> set[str]:
    """The public keys (of ``public_keys``) whose v1a signature in the request verifies, by
    PyNaCl; a v1a signature that verifies with none of them fails the test."""
    headers = request.headers
    signed = b"%s.%s.%s" % (
        headers["webhook-id"].encode(),
        headers["webhook-timestamp"].encode(),
        request.body,
    )
    verified: set[str] = set()
    for entry in headers["webhook-signature"].split(" "):
        version, _, signature = entry.partition(",")
        if version != "v1a":
            continue
        matches = {key for key in public_keys if _verifies(key, signed, signature)}
        assert matches, f"no published key verifies {entry}"
        verified |= matches
    return verified


def _verifies(public_key: str, signed: bytes, signature: str) -> bool:
    key = nacl.signing.VerifyKey(base64.b64decode(public_key.removeprefix("whpk_")))
    try:
        key.verify(signed, base64.b64decode(signature))
    except nacl.exceptions.BadSignatureError:
        return False
    return True


def versions(request: Any) -> list[str]:
    return [s.partition(",")[0] for s in request.headers["webhook-signature"].split(" ")]


async def tenant(client: Client, uid: str) -> str:
    made = await client.post(API, json={"uid": uid, "name": uid})
    assert made.status_code == 201, made.text
    tenant_id: str = made.json()["id"]
    return tenant_id


async def endpoint(client: Client, tenant_id: str, url: str, scheme: str) -> dict[str, Any]:
    made = await client.post(
        f"{API}/{tenant_id}/endpoints", json={"url": url, "signature_scheme": scheme}
    )
    assert made.status_code == 201, made.text
    body: dict[str, Any] = made.json()
    return body


async def document(client: Client, tenant_id: str, **headers: str) -> Any:
    return await client.get(f"/.well-known/hookrelay/{tenant_id}/keys.json", headers=headers)


async def published_keys(client: Client, tenant_id: str) -> list[str]:
    answer = await document(client, tenant_id)
    assert answer.status_code == 200, answer.text
    return [key["public_key"] for key in answer.json()["keys"]]


async def deliver_one(sessions: Any, ctx: DeliveryContext, tenant_id: str) -> None:
    async with sessions() as session:
        from app.models import Tenant

        owner = await session.get(Tenant, tenant_id)
        assert owner is not None
        message = await publish(session, owner, payload={"invoice": "in_1"})
        ids = list(
            await session.scalars(select(Delivery.id).where(Delivery.message_id == message.id))
        )
        await session.commit()
    assert await send_deliveries(ctx, ids) == len(ids)


class TestV1aDelivery:
    async def test_v1a_signature_verifies_with_pynacl_against_the_published_key(
        self, client: Client, sessions: Any, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        tenant_id = await tenant(client, "acme")
        await endpoint(client, tenant_id, receiver.url("/hook"), "v1a")

        await deliver_one(sessions, ctx, tenant_id)

        (request,) = receiver.requests
        assert versions(request) == ["v1a"]  # no HMAC signature: the endpoint chose v1a alone
        keys = await published_keys(client, tenant_id)
        assert verify_v1a(request, keys) == set(keys)

    async def test_both_sends_a_v1_and_a_v1a_signature_that_each_verify(
        self, client: Client, sessions: Any, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        tenant_id = await tenant(client, "acme")
        made = await endpoint(client, tenant_id, receiver.url("/hook"), "both")

        await deliver_one(sessions, ctx, tenant_id)

        (request,) = receiver.requests
        assert versions(request) == ["v1", "v1a"]
        secret = (await client.get(f"{API}/{tenant_id}/endpoints/{made['id']}/secret")).json()
        assert Webhook(secret["secret"]).verify(request.body, request.headers)
        assert verify_v1a(request, await published_keys(client, tenant_id))

    async def test_v1_endpoints_are_signed_with_hmac_only(
        self, client: Client, sessions: Any, ctx: DeliveryContext, receiver: Receiver
    ) -> None:
        tenant_id = await tenant(client, "acme")
        await endpoint(client, tenant_id, receiver.url("/hook"), "v1")

        await deliver_one(sessions, ctx, tenant_id)

        assert versions(receiver.requests[0]) == ["v1"]
        assert (await document(client, tenant_id)).status_code == 404


class TestRotation:
    async def test_rotated_key_keeps_signing_for_the_grace_and_is_listed_until_then(
        self,
        client: Client,
        sessions: Any,
        ctx: DeliveryContext,
        receiver: Receiver,
        clock: Clock,
    ) -> None:
        tenant_id = await tenant(client, "acme")
        made = await endpoint(client, tenant_id, receiver.url("/hook"), "v1a")
        (old,) = await published_keys(client, tenant_id)

        rotated = await client.post(f"{API}/{tenant_id}/endpoints/{made['id']}/signing-keys/rotate")
        assert rotated.status_code == 200, rotated.text
        new = rotated.json()["public_key"]
        listed = (await document(client, tenant_id)).json()["keys"]
        assert [(k["public_key"], k["status"]) for k in listed] == [
            (new, "active"),
            (old, "rotating_out"),
        ]
        assert listed[0]["valid_until"] is None and listed[1]["valid_until"] is not None

        # Within the grace both keys sign, so a receiver that knows either one verifies.
        await deliver_one(sessions, ctx, tenant_id)
        assert versions(receiver.requests[0]) == ["v1a", "v1a"]
        assert verify_v1a(receiver.requests[0], [old, new]) == {old, new}

        # After the grace (24 h) only the new key signs and is listed.
        clock.advance(timedelta(hours=24, seconds=1).total_seconds())
        await deliver_one(sessions, ctx, tenant_id)
        assert verify_v1a(receiver.requests[1], [old, new]) == {new}
        assert await published_keys(client, tenant_id) == [new]

    async def test_rotating_to_a_given_seed_publishes_its_public_key(self, client: Client) -> None:
        tenant_id = await tenant(client, "acme")
        made = await endpoint(client, tenant_id, "https://example.com/hook", "v1a")
        seed = nacl.signing.SigningKey.generate()
        given = "whsk_" + base64.b64encode(bytes(seed)).decode()

        rotated = await client.post(
            f"{API}/{tenant_id}/endpoints/{made['id']}/signing-keys/rotate",
            json={"secret_key": given},
        )

        expected = "whpk_" + base64.b64encode(bytes(seed.verify_key)).decode()
        assert rotated.json()["public_key"] == expected
        revealed = await client.get(f"{API}/{tenant_id}/endpoints/{made['id']}/signing-keys/secret")
        # The 64-byte form (seed, then public key), which is libsodium's own secret key.
        assert base64.b64decode(revealed.json()["secret_key"][5:]) == bytes(seed._signing_key)

    @pytest.mark.parametrize(
        ("secret_key", "status"),
        [
            ("whsk_not base64!", 400),  # the schema's pattern
            ("whsk_" + base64.b64encode(b"x" * 40).decode(), 422),  # neither 32 nor 64 bytes
            ("whsk_" + base64.b64encode(b"s" * 32 + b"p" * 32).decode(), 422),  # wrong public half
        ],
    )
    async def test_a_bad_secret_key_is_refused_and_changes_nothing(
        self, client: Client, secret_key: str, status: int
    ) -> None:
        tenant_id = await tenant(client, "acme")
        made = await endpoint(client, tenant_id, "https://example.com/hook", "v1a")
        before = await published_keys(client, tenant_id)

        answer = await client.post(
            f"{API}/{tenant_id}/endpoints/{made['id']}/signing-keys/rotate",
            json={"secret_key": secret_key},
        )

        assert answer.status_code == status, answer.text
        assert answer.json()["code"] in ("validation_error", "invalid_signing_key")
        assert await published_keys(client, tenant_id) == before


class TestKeysDocument:
    async def test_public_cacheable_and_revalidated_with_its_etag(self, client: Client) -> None:
        tenant_id = await tenant(client, "acme")
        await endpoint(client, tenant_id, "https://example.com/hook", "v1a")
        anonymous = {"authorization": ""}

        first = await document(client, tenant_id, **anonymous)
        again = await document(
            client, tenant_id, **anonymous, **{"if-none-match": first.headers["etag"]}
        )

        assert first.status_code == 200
        assert first.headers["cache-control"] == "public, max-age=300"
        assert (again.status_code, again.content) == (304, b"")
        assert again.headers["etag"] == first.headers["etag"]

    async def test_lists_the_tenants_v1a_endpoints_and_no_others(self, client: Client) -> None:
        acme, other = await tenant(client, "acme"), await tenant(client, "other")
        signing = await endpoint(client, acme, "https://example.com/a", "v1a")
        migrating = await endpoint(client, acme, "https://example.com/b", "both")
        await endpoint(client, acme, "https://example.com/c", "v1")
        foreign = await endpoint(client, other, "https://example.com/d", "v1a")

        listed = (await document(client, acme)).json()

        assert listed["tenant_id"] == acme
        assert sorted(k["endpoint_id"] for k in listed["keys"]) == sorted(
            [signing["id"], migrating["id"]]
        )
        assert {k["algorithm"] for k in listed["keys"]} == {"ed25519"}
        foreign_keys = await published_keys(client, other)
        assert not set(foreign_keys) & {k["public_key"] for k in listed["keys"]}
        per_endpoint = await client.get(
            f"/.well-known/hookrelay/{acme}/endpoints/{signing['id']}/keys.json"
        )
        assert [k["endpoint_id"] for k in per_endpoint.json()["keys"]] == [signing["id"]]
        # Another tenant's endpoint under this tenant's id: not found, like anything unknown.
        crossed = await client.get(
            f"/.well-known/hookrelay/{acme}/endpoints/{foreign['id']}/keys.json"
        )
        assert (crossed.status_code, crossed.json()["code"]) == (404, "keys_not_found")

    async def test_unknown_tenants_and_uids_answer_the_same_404(self, client: Client) -> None:
        acme = await tenant(client, "acme")
        await endpoint(client, acme, "https://example.com/a", "v1a")
        unknown = "tnt_01kb0000000000000000000000"
        answers = [await document(client, ref) for ref in ("acme", unknown)]
        assert [(a.status_code, a.json()["code"]) for a in answers] == [(404, "keys_not_found")] * 2

    async def test_switching_back_to_v1_unpublishes_and_switching_on_again_reuses_the_key(
        self, client: Client
    ) -> None:
        acme = await tenant(client, "acme")
        made = await endpoint(client, acme, "https://example.com/a", "v1")
        path = f"{API}/{acme}/endpoints/{made['id']}"

        on = await client.patch(path, json={"signature_scheme": "v1a"})
        assert on.json()["signature_scheme"] == "v1a"
        keys = await published_keys(client, acme)
        await client.patch(path, json={"signature_scheme": "v1"})
        assert (await document(client, acme)).status_code == 404
        await client.patch(path, json={"signature_scheme": "both"})
        assert await published_keys(client, acme) == keys

    async def test_an_unknown_scheme_is_refused(self, client: Client) -> None:
        acme = await tenant(client, "acme")
        answer = await client.post(
            f"{API}/{acme}/endpoints", json={"url": "https://e.x/h", "signature_scheme": "v2"}
        )
        assert (answer.status_code, answer.json()["code"]) == (400, "validation_error")


class TestSecretKeysStaySecret:
    async def test_guarantee_7_secret_keys_encrypted_at_rest_and_only_in_the_reveal_answer(
        self, client: Client, sessions: Any
    ) -> None:
        acme = await tenant(client, "acme")
        made = await endpoint(client, acme, "https://example.com/a", "v1a")
        base = f"{API}/{acme}/endpoints/{made['id']}"
        rotated = await client.post(f"{base}/signing-keys/rotate")
        answers = [
            rotated,
            await client.get(base),
            await client.get(f"{API}/{acme}/endpoints"),
            await client.get(f"{base}/signing-keys"),
            await document(client, acme),
            await client.get(f"/.well-known/hookrelay/{acme}/endpoints/{made['id']}/keys.json"),
        ]
        revealed = (await client.get(f"{base}/signing-keys/secret")).json()
        async with sessions() as session:
            stored = (await session.scalars(select(Endpoint.signing_keys))).one()
            raw = str(await session.scalar(text("SELECT signing_keys FROM endpoints")))
        secret_keys = [BOX.decrypt(entry["secret_encrypted"]) for entry in stored or []]

        assert revealed["secret_key"] == secret_keys[0]
        assert revealed["public_key"] == rotated.json()["public_key"]
        for answer in answers:
            assert answer.status_code == 200, answer.text
            assert "whsk_" not in answer.text
            for secret_key in secret_keys:
                assert secret_key[5:49] not in answer.text  # not even the seed's base64
        # Guarantee 7: encrypted at rest, like the HMAC secrets.
        assert "whsk_" not in raw and not any(s[5:49] in raw for s in secret_keys)

    async def test_a_read_only_token_cannot_reveal_the_secret_key(self, client: Client) -> None:
        acme = await tenant(client, "acme")
        made = await endpoint(client, acme, "https://example.com/a", "v1a")
        token = (await mint(client, "acme", read_only=True))["token"]
        base = f"{API}/{acme}/endpoints/{made['id']}/signing-keys"

        listed = await client.get(base, headers=bearer(token))
        refused = [
            await client.get(f"{base}/secret", headers=bearer(token)),
            await client.post(f"{base}/rotate", headers=bearer(token)),
        ]

        assert listed.status_code == 200
        assert [(a.status_code, a.json()["code"]) for a in refused] == [(403, "read_only")] * 2

    async def test_a_v1_endpoint_has_no_secret_key_to_reveal(self, client: Client) -> None:
        acme = await tenant(client, "acme")
        made = await endpoint(client, acme, "https://example.com/a", "v1")
        answer = await client.get(f"{API}/{acme}/endpoints/{made['id']}/signing-keys/secret")
        assert (answer.status_code, answer.json()["code"]) == (404, "signing_key_not_found")

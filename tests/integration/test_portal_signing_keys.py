"""The portal page's asymmetric signatures: the endpoint form's signature scheme (through the
API's rules), the endpoint page's public keys with their keys.json, and the rotation of the
ed25519 key (CSRF, read-only refusal, the old key rotating out)."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar

from tests.integration.portal_page import Client, browser_client, mint_link, sign_in
from tests.integration.test_portal_page import create_endpoint, post_routes, tenant

ROTATE = "/portal/endpoints/{endpoint_id:str}/signing-keys/rotate"


@asynccontextmanager
async def signed_in(
    app: Litestar, client: Client, *, read_only: bool = False
) -> AsyncIterator[tuple[Client, str]]:
    """A browser signed in to acme's portal (a tenant made first) and its CSRF token."""
    await tenant(client)
    minted = await mint_link(client, "acme", read_only=read_only)
    async with browser_client(app) as browser:
        yield browser, await sign_in(browser, minted["magic_link"])


def checked_scheme(page: str) -> str:
    found = re.findall(r'name="signature_scheme" value="(\w+)" checked', page)
    assert len(found) == 1, page
    return found[0]


async def api_keys(client: Client, endpoint_id: str) -> list[dict[str, Any]]:
    listed = await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}/signing-keys")
    assert listed.status_code == 200, listed.text
    keys: list[dict[str, Any]] = listed.json()["data"]
    return keys


async def scheme_of(client: Client, endpoint_id: str) -> str:
    got = await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}")
    return str(got.json()["signature_scheme"])


class TestSchemeForm:
    async def test_the_form_sets_and_changes_the_scheme(
        self, app: Litestar, client: Client
    ) -> None:
        async with signed_in(app, client) as (browser, csrf):
            new = await browser.get("/portal/endpoints/new")
            assert checked_scheme(new.text) == "v1"
            assert "migrat" in new.text  # the line saying what `both` is for

            # Created with ed25519: the endpoint signs with v1a and has its first key
            endpoint_id = await create_endpoint(browser, csrf, signature_scheme="v1a")
            assert await scheme_of(client, endpoint_id) == "v1a"
            (first,) = await api_keys(client, endpoint_id)
            edit = await browser.get(f"/portal/endpoints/{endpoint_id}/edit")
            assert checked_scheme(edit.text) == "v1a"

            form = {"csrf": csrf, "url": "https://example.com/hook", "event_types": ["*"]}
            path = f"/portal/endpoints/{endpoint_id}/edit"
            for scheme in ("both", "v1", "v1a"):
                saved = await browser.post(path, data=form | {"signature_scheme": scheme})
                assert saved.status_code == 303, saved.text
                assert await scheme_of(client, endpoint_id) == scheme
                edit = await browser.get(path)
                assert checked_scheme(edit.text) == scheme
            # Back on v1a after v1: the key receivers already trust signs again
            assert await api_keys(client, endpoint_id) == [first]

            # An HMAC endpoint switched to v1a in the edit form gets its first key there
            plain = await create_endpoint(browser, csrf)
            assert (await scheme_of(client, plain), await api_keys(client, plain)) == ("v1", [])
            switched = await browser.post(
                f"/portal/endpoints/{plain}/edit", data=form | {"signature_scheme": "both"}
            )
            assert switched.status_code == 303, switched.text
            assert await scheme_of(client, plain) == "both"
            assert len(await api_keys(client, plain)) == 1

    async def test_an_unknown_scheme_is_refused_at_its_field_and_changes_nothing(
        self, app: Litestar, client: Client
    ) -> None:
        async with signed_in(app, client) as (browser, csrf):
            endpoint_id = await create_endpoint(browser, csrf)
            form = {"csrf": csrf, "url": "https://example.com/other", "signature_scheme": "v2"}
            for path in ("/portal/endpoints/new", f"/portal/endpoints/{endpoint_id}/edit"):
                refused = await browser.post(path, data=form)
                assert refused.status_code == 422, refused.text
                error = re.search(
                    r'<p class="field-error" id="signature_scheme-error">([^<]*)</p>', refused.text
                )
                assert error and "'v2'" in html.unescape(error.group(1)), refused.text
                assert 'aria-describedby="signature_scheme-error"' in refused.text
        listed = (await client.get("/api/v1/tenants/acme/endpoints")).json()["data"]
        assert [(e["url"], e["signature_scheme"]) for e in listed] == [
            ("https://example.com/hook", "v1")
        ]


class TestPublicKeys:
    async def test_the_page_lists_public_keys_and_rotation_keeps_the_old_one_rotating_out(
        self, app: Litestar, client: Client
    ) -> None:
        async with signed_in(app, client) as (browser, csrf):
            plain = await create_endpoint(browser, csrf)
            assert "Public keys" not in (await browser.get(f"/portal/endpoints/{plain}")).text

            endpoint_id = await create_endpoint(browser, csrf, signature_scheme="v1a")
            base = f"/portal/endpoints/{endpoint_id}"
            page = await browser.get(base)
            (first,) = await api_keys(client, endpoint_id)
            assert "Public keys" in page.text and "ed25519 (v1a)" in page.text
            assert "signs with ed25519 (<code>v1a</code>) only" in page.text  # no v1 is sent
            assert f'<code id="pk-{first["id"]}" class="secret">{first["public_key"]}</code>' in (
                page.text
            )
            assert f'data-copy="pk-{first["id"]}"' in page.text
            # The link goes to the published document, which lists the same key
            link = re.search(r'<a href="(/\.well-known/hookrelay/[^"]+/keys\.json)">', page.text)
            assert link, page.text
            document = await browser.get(link.group(1))
            assert document.status_code == 200, document.text
            assert [k["public_key"] for k in document.json()["keys"]] == [first["public_key"]]
            # The secret key only on asking
            secret = await client.get(
                f"/api/v1/tenants/acme/endpoints/{endpoint_id}/signing-keys/secret"
            )
            assert secret.json()["secret_key"] not in page.text
            revealed = await browser.get(f"{base}?reveal_key=true")
            assert secret.json()["secret_key"] in revealed.text

            # Rotation: the new key is active, the old one rotates out with an end
            assert f'action="{base}/signing-keys/rotate"' in page.text
            rotated = await browser.post(f"{base}/signing-keys/rotate", data={"csrf": csrf})
            assert rotated.status_code == 303, rotated.text
            after = await browser.get(rotated.headers["location"])
            assert "Signing key rotated" in after.text
            new, old = await api_keys(client, endpoint_id)
            assert old["id"] == first["id"] and new["id"] != first["id"]
            assert (new["status"], old["status"]) == ("active", "rotating_out")
            assert new["valid_until"] is None and old["valid_until"] is not None
            for key in (new, old):
                assert f'<code id="pk-{key["id"]}" class="secret">{key["public_key"]}</code>' in (
                    after.text
                )
            assert after.text.count("rotating out</span>") == 1
            assert after.text.count('badge-ok">active</span>') == 1
            document = await browser.get(link.group(1))
            assert {k["public_key"] for k in document.json()["keys"]} == {
                new["public_key"],
                old["public_key"],
            }


class TestRotationRefusals:
    async def test_rotation_needs_the_csrf_token(self, app: Litestar, client: Client) -> None:
        assert ROTATE in post_routes(app)  # so TestCsrf's walk of every change covers it too
        async with signed_in(app, client) as (browser, csrf):
            endpoint_id = await create_endpoint(browser, csrf, signature_scheme="both")
            before = await api_keys(client, endpoint_id)
            for form in ({}, {"csrf": "forged"}, {"csrf": csrf + "x"}):
                refused = await browser.post(
                    f"/portal/endpoints/{endpoint_id}/signing-keys/rotate", data=form
                )
                assert refused.status_code == 403, refused.text
                assert "another site" in refused.text
        assert await api_keys(client, endpoint_id) == before

    async def test_a_read_only_link_sees_the_public_keys_and_cannot_rotate(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        made = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://example.com/hook", "signature_scheme": "v1a"},
        )
        endpoint_id = made.json()["id"]
        before = await api_keys(client, endpoint_id)
        secret = await client.get(
            f"/api/v1/tenants/acme/endpoints/{endpoint_id}/signing-keys/secret"
        )
        minted = await mint_link(client, "acme", read_only=True)
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            page = await browser.get(f"/portal/endpoints/{endpoint_id}?reveal_key=true")
            assert page.status_code == 200
            assert before[0]["public_key"] in page.text
            assert secret.json()["secret_key"] not in page.text and "whsk_" not in page.text
            assert "Rotate signing key" not in page.text and "signing-keys/rotate" not in page.text
            refused = await browser.post(
                f"/portal/endpoints/{endpoint_id}/signing-keys/rotate", data={"csrf": csrf}
            )
            assert refused.status_code == 403, refused.text
            assert "read-only" in refused.text
        assert await api_keys(client, endpoint_id) == before

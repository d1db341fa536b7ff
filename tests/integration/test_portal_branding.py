"""The portal page's white-label per link (branding minted with the token, over the operator's)
and the embeddable portal's cookies and frame-ancestors, over plain HTTP."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.testing import AsyncTestClient

from app.main import create_app
from app.portal_web.session import COOKIE
from tests.integration.portal_page import (
    BROWSER_ACCEPT,
    Client,
    browser_client,
    hidden,
    sign_in,
)

BRANDING = {
    "name": "Globex <Hooks>",
    "logo_url": "https://cdn.globex.example/logo.png",
    "primary_color": "#aa3300",
    "theme": "dark",
}


async def mint(admin: Client, **body: Any) -> dict[str, Any]:
    await admin.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
    minted = await admin.post("/api/v1/tenants/acme/portal-tokens", json=body)
    assert minted.status_code == 201, minted.text
    found: dict[str, Any] = minted.json()
    return found


class TestBrandingPerLink:
    async def test_a_links_branding_is_stored_with_its_token_and_shown(
        self, app: Any, client: Client
    ) -> None:
        minted = await mint(client, branding=BRANDING)
        assert minted["branding"] == BRANDING
        stored = await client.get(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")
        assert stored.json()["branding"] == BRANDING
        async with browser_client(app) as browser:
            await sign_in(browser, minted["magic_link"])
            shown = await browser.get("/portal/endpoints")
        assert "Globex &lt;Hooks&gt;" in shown.text and "Globex <Hooks>" not in shown.text
        assert 'data-theme="dark"' in shown.text
        assert '<img src="https://cdn.globex.example/logo.png"' in shown.text
        assert 'href="/portal/theme.css?color=aa3300"' in shown.text
        # The link's logo host may serve images to this session's pages, no other host.
        policy = shown.headers["content-security-policy"]
        assert "img-src 'self' data: https://cdn.globex.example;" in policy

    async def test_the_sign_in_page_wears_the_links_branding_and_uses_nothing_up(
        self, app: Any, client: Client, settings: Any
    ) -> None:
        minted = await mint(client, branding=BRANDING)
        landing_path = "/portal/login?code=" + minted["magic_link"].split("code=")[1]
        async with browser_client(app) as browser:
            landing = await browser.get(landing_path, headers={"accept": BROWSER_ACCEPT})
            assert landing.status_code == 200
            assert "Globex &lt;Hooks&gt;" in landing.text and 'data-theme="dark"' in landing.text
            assert '<img src="https://cdn.globex.example/logo.png"' in landing.text
            policy = landing.headers["content-security-policy"]
            assert "img-src 'self' data: https://cdn.globex.example;" in policy
            # ...and the link still works: the page used nothing up
            await sign_in(browser, minted["magic_link"])
            # Once used, the same link's page shows the operator's look again
            used = await browser.get(landing_path, headers={"accept": BROWSER_ACCEPT})
        assert "Globex" not in used.text
        assert f'data-theme="{settings.portal_theme}"' in used.text

    async def test_fields_left_out_keep_the_operators(
        self, app: Any, client: Client, settings: Any
    ) -> None:
        minted = await mint(client, branding={"primary_color": "#112233"})
        assert minted["branding"] == {"primary_color": "#112233"}
        async with browser_client(app) as browser:
            await sign_in(browser, minted["magic_link"])
            shown = await browser.get("/portal/endpoints")
            colour = await browser.get("/portal/theme.css?color=112233")
            operators = await browser.get("/portal/theme.css?color=nope;}")
        assert f"· {settings.portal_product_name}</title>" in shown.text
        assert f'data-theme="{settings.portal_theme}"' in shown.text
        assert "--brand: #112233;" in colour.text
        assert f"--brand: {settings.portal_primary_color};" in operators.text

    async def test_an_unbranded_link_shows_the_operators_look(
        self, app: Any, client: Client, settings: Any
    ) -> None:
        minted = await mint(client)
        assert minted["branding"] is None
        async with browser_client(app) as browser:
            await sign_in(browser, minted["magic_link"])
            shown = await browser.get("/portal/endpoints")
        colour = settings.portal_primary_color.lstrip("#")
        assert f'href="/portal/theme.css?color={colour}"' in shown.text

    async def test_bad_branding_is_refused_with_a_code_and_mints_nothing(
        self, client: Client
    ) -> None:
        for bad in (
            {"primary_color": "red"},
            {"logo_url": "javascript:alert(1)"},
            {"logo_url": "//evil.example/logo.png"},
            {"logo_url": 'https://x.example/a"onerror=alert(1)'},
            {"theme": "neon"},
            {"name": ""},
            {"font": "Comic Sans"},
        ):
            refused = await client.post(
                "/api/v1/tenants/acme/portal-tokens", json={"branding": bad}
            )
            assert refused.status_code in (400, 404, 422), bad
            assert refused.json()["code"], bad
        await client.post("/api/v1/tenants", json={"uid": "acme", "name": "Acme"})
        refused = await client.post(
            "/api/v1/tenants/acme/portal-tokens", json={"branding": {"theme": "neon"}}
        )
        assert refused.status_code == 400, refused.text
        listed = await client.get("/api/v1/tenants/acme/portal-tokens")
        assert listed.json()["data"] == []


def embeddable(settings: Any, broker: Any) -> Any:
    configured = msgspec.structs.replace(
        settings, portal_frame_ancestors=("http://localhost:9999",)
    )
    return create_app(configured, broker)


async def continue_cookies(browser: Client, magic_link: str) -> list[str]:
    browser.follow_redirects = False
    link = magic_link.split("/portal/")[1]
    landing = await browser.get("/portal/" + link, headers={"accept": BROWSER_ACCEPT})
    # A Secure cookie over plain http: a browser sends it back to loopback, httpx would not.
    nonce = landing.cookies[COOKIE + "_login"]
    done = await browser.post(
        "/portal/continue",
        data={"code": hidden(landing.text, "code"), "csrf": hidden(landing.text, "csrf")},
        headers={"cookie": f"{COOKIE}_login={nonce}"},
    )
    assert done.status_code == 303, done.text
    return list(done.headers.get_list("set-cookie"))


class TestEmbedding:
    async def test_embeddable_on_loopback_the_cookie_is_partitioned_samesite_none(
        self, client: Client, settings: Any, broker: Any
    ) -> None:
        """A cross-site iframe gets only SameSite=None (Secure) cookies, and a browser that blocks
        third-party cookies keeps only a Partitioned one: the session cookie is all three."""
        minted = await mint(client)
        app = embeddable(settings, broker)
        async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as browser:
            cookies = await continue_cookies(browser, minted["magic_link"])
        session = next(c for c in cookies if c.startswith(COOKIE + "="))
        for attribute in ("SameSite=none", "Secure", "HttpOnly", "Partitioned", "Path=/portal"):
            assert attribute.lower() in session.lower(), (attribute, session)
        login_gone = next(c for c in cookies if c.startswith(COOKIE + "_login="))
        assert "partitioned" in login_gone.lower()  # cleared with the attributes it was set with

    async def test_frame_ancestors_name_the_allowed_origins(
        self, client: Client, settings: Any, broker: Any
    ) -> None:
        minted = await mint(client)
        link = minted["magic_link"].split("/portal/")[1]
        async with AsyncTestClient(embeddable(settings, broker)) as browser:
            landing = await browser.get("/portal/" + link, headers={"accept": BROWSER_ACCEPT})
        policy = landing.headers["content-security-policy"]
        assert "frame-ancestors http://localhost:9999" in policy

    async def test_not_embeddable_the_cookie_stays_lax_and_unpartitioned(
        self, app: Any, client: Client
    ) -> None:
        minted = await mint(client)
        async with AsyncTestClient(app, base_url="http://127.0.0.1:8000") as browser:
            cookies = await continue_cookies(browser, minted["magic_link"])
        session = next(c for c in cookies if c.startswith(COOKIE + "="))
        assert "samesite=lax" in session.lower() and "partitioned" not in session.lower()

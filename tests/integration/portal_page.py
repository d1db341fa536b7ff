"""Helpers of the portal page tests: a browser-like client signed in through a magic link."""

from __future__ import annotations

import re
from html import unescape
from typing import Any
from urllib.parse import urlsplit

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Any]
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def hidden(html: str, name: str) -> str:
    """The value of the form field ``name`` (the first one) in a page."""
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no field {name!r} in the page"
    return unescape(found.group(1))


async def mint_link(admin: Client, tenant: str, *, read_only: bool = False) -> dict[str, Any]:
    response = await admin.post(
        f"/api/v1/tenants/{tenant}/portal-tokens", json={"read_only": read_only}
    )
    assert response.status_code == 201, response.text
    minted: dict[str, Any] = response.json()
    return minted


async def open_link(browser: Client, magic_link: str) -> str:
    """What a browser sees when it opens the link: the Continue page."""
    link = urlsplit(magic_link)
    page = await browser.get(f"{link.path}?{link.query}", headers={"accept": BROWSER_ACCEPT})
    assert page.status_code == 200, page.text
    return page.text


async def sign_in(browser: Client, magic_link: str) -> str:
    """Open the link and press Continue; the session's CSRF token (from the first page)."""
    landing = await open_link(browser, magic_link)
    done = await browser.post(
        "/portal/continue",
        data={"code": hidden(landing, "code"), "csrf": hidden(landing, "csrf"), "next": ""},
    )
    assert done.status_code == 303, done.text
    assert done.headers["location"] == "/portal/endpoints"
    home = await browser.get("/portal/endpoints")
    assert home.status_code == 200, home.text
    return hidden(home.text, "csrf")


def browser_client(app: Litestar) -> Client:
    browser = AsyncTestClient(app, base_url="http://testserver.local")
    browser.follow_redirects = False  # a test looks at each redirect
    return browser

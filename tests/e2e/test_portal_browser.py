"""The portal page in a real Chromium (Debian's, driven by PyPI's playwright; one browser for
the whole run, see tests/e2e/conftest.py): the journey on both runtime shapes with a real
receiver that verifies every signature, the portal embedded in another site's iframe, and an
accessibility pass over every screen.

A missing chromium FAILS these tests (``.ci/run`` installs it); never ``playwright install``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import ExitStack
from functools import partial
from html import escape
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, expect

from tests.e2e.harness import (
    Stack,
    fresh_database,
    fresh_rabbitmq_vhost,
    start_embedded,
    start_production,
    start_receiver,
)
from tests.e2e.harness.processes import Receiver
from tests.e2e.harness.services import Service
from tests.e2e.portal_browser import journey, magic_link, send_test_event, signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SETTINGS = {"HOOKRELAY_PORTAL_PRODUCT_NAME": "Acme Webhooks"}
expect.set_options(timeout=20_000)


class SiteServer:
    """Another site: a tiny static file server on 127.0.0.1, reached as ``localhost`` so that it
    is cross-site to the portal on ``127.0.0.1`` (ports alone do not make two sites)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        handler = partial(QuietFiles, directory=str(root))
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.origin = f"http://localhost:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def embedding(self, name: str, src: str) -> str:
        """The URL of a page of this site that shows ``src`` in an iframe."""
        page = f'<!doctype html><title>Host</title><iframe title="Webhooks" src="{escape(src)}"'
        (self.root / name).write_text(page + ' width="900" height="700"></iframe>')
        return f"{self.origin}/{name}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class QuietFiles(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def sites(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[SiteServer, SiteServer]]:
    """Two other sites: the first is allowed to embed the portal, the second is not."""
    allowed = SiteServer(tmp_path_factory.mktemp("allowed-site"))
    refused = SiteServer(tmp_path_factory.mktemp("refused-site"))
    yield allowed, refused
    allowed.close()
    refused.close()


@pytest.fixture(scope="module")
def running(
    tmp_path_factory: pytest.TempPathFactory, sites: tuple[SiteServer, SiteServer]
) -> Iterator[tuple[Service, Receiver]]:
    """One ``hookrelay dev`` (embeddable by the first site) and one receiver."""
    stack = Stack(tmp_path_factory.mktemp("portal-browser"))
    settings = SETTINGS | {"HOOKRELAY_PORTAL_FRAME_ANCESTORS": sites[0].origin}
    try:
        yield start_embedded(stack, settings=settings), start_receiver(stack)
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
def production(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Receiver]]:
    """``api``, ``worker`` and ``scheduler`` processes on a fresh PostgreSQL database and
    RabbitMQ vhost (not embeddable: the session cookie stays SameSite=Lax), and a receiver."""
    with ExitStack() as resources:
        database_url = resources.enter_context(fresh_database())
        broker_url = resources.enter_context(fresh_rabbitmq_vhost())
        stack = Stack(tmp_path_factory.mktemp("portal-browser-production"))
        resources.callback(stack.stop_all)  # before the database and vhost go
        service = start_production(
            stack, database_url=database_url, broker_url=broker_url, settings=SETTINGS
        )
        yield service, start_receiver(stack)


@pytest.mark.parametrize("shape", ["running", "production"])
async def test_journey_magic_link_to_sign_out(
    browser: Browser, request: pytest.FixtureRequest, shape: str
) -> None:
    service, receiver = request.getfixturevalue(shape)
    page = await signed_in(browser, magic_link(service, f"journey-{shape}"))
    await expect(page.get_by_text("Acme Webhooks")).to_be_visible()  # the operator's name
    await journey(page, receiver, f"/journey-{shape}")
    await page.context.close()


async def test_embedded_in_an_allowed_sites_iframe_signs_in_and_works(
    browser: Browser, running: tuple[Service, Receiver], sites: tuple[SiteServer, SiteServer]
) -> None:
    """In a cross-site iframe the link signs in (the partitioned SameSite=None session cookie),
    deep-links to one endpoint, wears the link's own branding, and its forms work."""
    service, receiver = running
    link = magic_link(
        service,
        "embedded",
        branding={"name": "Globex Hooks", "theme": "dark", "primary_color": "#aa3300"},
    )
    admin = service.client()
    made = admin.post(
        "/api/v1/tenants/embedded/endpoints",
        json={"url": receiver.url("/embedded"), "event_types": ["invoice.paid"]},
    )
    endpoint_id = made.json()["id"]
    secret = admin.get(f"/api/v1/tenants/embedded/endpoints/{endpoint_id}/secret").json()
    receiver.set_secrets({"/embedded": secret["secret"]})
    host = sites[0].embedding("embed.html", f"{link}&next=/portal/endpoints/{endpoint_id}")
    page = await (await browser.new_context()).new_page()
    page.on("dialog", lambda dialog: dialog.accept())
    await page.goto(host)
    frame = page.frame_locator("iframe")
    # The sign-in page already wears the link's branding (no session yet: read from the link).
    await expect(frame.get_by_role("heading", name="Sign in to Globex Hooks")).to_be_visible()
    await frame.get_by_role("button", name="Continue").click()

    # The deep link: the endpoint's own page, in the link's branding (dark, Globex's name).
    await expect(frame.get_by_role("heading", name=receiver.url("/embedded"))).to_be_visible()
    await expect(frame.get_by_text("Globex Hooks")).to_be_visible()
    await expect(frame.locator("html")).to_have_attribute("data-theme", "dark")
    brand = await frame.locator("body").evaluate(
        "b => getComputedStyle(b).getPropertyValue('--brand').trim()"
    )
    assert brand == "#aa3300"
    cookies = await page.context.cookies()
    session = next(c for c in cookies if c["name"] == "hookrelay_portal")
    assert (session["sameSite"], session["secure"], session["httpOnly"]) == ("None", True, True)

    # A form posts from inside the frame (session cookie and CSRF token both reach the API).
    inner = page.frames[1]
    await send_test_event(inner)
    await frame.get_by_role("button", name="Sign out").click()
    await expect(frame.get_by_role("heading", name="You are signed out")).to_be_visible()
    await page.context.close()


async def test_a_site_not_allowed_cannot_frame_the_portal(
    browser: Browser, running: tuple[Service, Receiver], sites: tuple[SiteServer, SiteServer]
) -> None:
    """The portal's CSP frame-ancestors names the allowed sites only: the browser refuses to
    show it in another site's iframe (and the link stays unused)."""
    service, _ = running
    link = magic_link(service, "refused")
    page = await (await browser.new_context()).new_page()
    refusals: list[str] = []
    page.on("console", lambda message: refusals.append(message.text))
    await page.goto(sites[1].embedding("embed.html", link))
    frame = page.frames[1]
    assert "frame-ancestors" in " ".join(refusals), refusals
    assert await frame.get_by_role("button", name="Continue").count() == 0
    await page.context.close()


AXE_IMPACTS = ("serious", "critical")
# The innermost elements that reach past the viewport's right edge (what makes a page too wide).
WIDER_THAN_VIEWPORT = """() => [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
    && ![...e.children].some(c => c.getBoundingClientRect().right > window.innerWidth + 1))
  .slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : ''))"""


async def axe_violations(page: Page) -> list[str]:
    """axe-core's serious and critical findings on the page (the vendored axe.min.js)."""
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("async () => JSON.stringify(await axe.run(document))")
    found = json.loads(result)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}"
        for v in found
        if v["impact"] in AXE_IMPACTS
    ]


@pytest.mark.parametrize("scheme", ["light", "dark"])
async def test_accessibility_every_screen_axe_and_375px(
    browser: Browser, running: tuple[Service, Receiver], scheme: str
) -> None:
    service, receiver = running
    link = magic_link(service, f"axe-{scheme}")
    # The script tag of axe is inline: this context alone may bypass the page's CSP.
    page = await signed_in(
        browser,
        link,
        bypass_csp=True,
        color_scheme=scheme,
        viewport={"width": 375, "height": 800},
    )
    await page.get_by_role("link", name="Add endpoint").click()
    await page.get_by_label("URL").fill(receiver.url("/axe"))
    # Signing with both schemes: the endpoint page has its public keys section too.
    await page.get_by_role("radio", name="Both", exact=False).check()
    await page.get_by_role("button", name="Create endpoint").click()
    await expect(page.get_by_text("Endpoint created.")).to_be_visible()
    endpoint = page.url.split("?")[0]
    await expect(page.get_by_role("heading", name="Public keys")).to_be_visible()
    await page.get_by_role("button", name="Send test event").click()
    await expect(page.get_by_text("Test event sent")).to_be_visible()
    message = page.url.split("?")[0]
    screens = [
        "/portal/endpoints",
        "/portal/endpoints/new",
        endpoint,
        f"{endpoint}?reveal=true",
        f"{endpoint}?reveal_key=true",
        f"{endpoint}/edit",
        f"{endpoint}/delete",
        "/portal/messages",
        message,
        "/portal/recover",
        "/portal/undelivered",
        "/portal/event-types",
    ]
    problems: dict[str, list[str]] = {}
    for screen in screens:
        await page.goto(screen if screen.startswith("http") else service.base_url + screen)
        found = await axe_violations(page)
        width = await page.evaluate("document.documentElement.scrollWidth")
        if width > 375:
            wide = await page.evaluate(WIDER_THAN_VIEWPORT)
            found.append(f"wider than the 375 px viewport: {width} px, by {wide}")
        if found:
            problems[screen] = found
    await page.context.close()
    assert not problems, json.dumps(problems, indent=2)


async def test_keyboard_reaches_the_actions(
    browser: Browser, running: tuple[Service, Receiver]
) -> None:
    """Tab order reaches the navigation and the main action; no click-only rows."""
    service, _ = running
    page = await signed_in(browser, magic_link(service, "keys"))
    reached = []
    for _ in range(12):
        await page.keyboard.press("Tab")
        reached.append(await page.evaluate("document.activeElement.textContent.trim()"))
    assert "Skip to content" in reached and "Add endpoint" in reached and "Sign out" in reached
    await page.context.close()

"""The portal page in a real Chromium (Debian's, driven by PyPI's playwright), on the embedded
shape (``hookrelay dev``) with a real receiver that verifies every signature.

A missing chromium FAILS these tests: CI installs it (``.ci/run``), and a skipped browser test
would hide a missing install step behind a green run. Never ``playwright install`` (it downloads
browsers from a CDN this machine does not reach)."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.e2e.harness import Stack, start_embedded, start_receiver
from tests.e2e.harness.processes import Receiver
from tests.e2e.harness.services import Service

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
SETTINGS = {"HOOKRELAY_PORTAL_PRODUCT_NAME": "Acme Webhooks"}
expect.set_options(timeout=20_000)


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install -y chromium (see .ci/run)")
    return found


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Service, Receiver]]:
    """One ``hookrelay dev`` and one receiver for the module's browser tests."""
    stack = Stack(tmp_path_factory.mktemp("portal-browser"))
    try:
        yield start_embedded(stack, settings=SETTINGS), start_receiver(stack)
    finally:
        stack.stop_all()


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path)
        yield launched
        await launched.close()


def magic_link(service: Service, tenant: str) -> str:
    admin = service.client()
    if admin.get(f"/api/v1/tenants/{tenant}").status_code == 404:
        assert admin.post("/api/v1/tenants", json={"uid": tenant, "name": tenant}).is_success
    admin.post(
        "/api/v1/event-types",
        json={
            "name": "invoice.paid",
            "description": "An invoice was paid",
            "example": {"amount": 42},
        },
    )
    minted = admin.post(f"/api/v1/tenants/{tenant}/portal-tokens", json={})
    assert minted.status_code == 201, minted.text
    link: str = minted.json()["magic_link"]
    return link


async def signed_in(browser: Browser, link: str, **context: Any) -> Page:
    page = await (await browser.new_context(**context)).new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before a change
    await page.goto(link)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Endpoints")).to_be_visible()
    return page


async def test_journey_magic_link_to_sign_out(
    browser: Browser, running: tuple[Service, Receiver]
) -> None:
    service, receiver = running
    page = await signed_in(browser, magic_link(service, "journey"))
    await expect(page.get_by_text("Acme Webhooks")).to_be_visible()  # the operator's name

    # Create an endpoint on the receiver, with a payload filter.
    await page.get_by_role("link", name="Add endpoint").click()
    await page.get_by_label("URL").fill(receiver.url("/journey"))
    await page.get_by_label("Find event types").fill("invoice")
    await page.get_by_label(re.compile(r"^invoice\.paid")).check()
    await page.get_by_text("Advanced: channels, filter, rate limit, headers").click()
    await page.get_by_label("Payload filter (JSON; empty: every payload)").fill(
        '{"path": "$.amount", "op": "gt", "value": 10}'
    )
    await page.get_by_role("button", name="Create endpoint").click()
    await expect(page.get_by_text("Endpoint created.")).to_be_visible()

    # The receiver learns the secret from the page (Reveal), then verifies what it gets.
    await page.get_by_role("link", name="Reveal").click()
    secret = (await page.locator("#secret").text_content() or "").strip()
    assert secret.startswith("whsec_")
    receiver.set_secrets({"/journey": secret})

    # A test event (the catalog's example passes the filter), followed into the log.
    await expect(page.get_by_label("Payload (JSON; empty: the type's example)")).to_have_value(
        re.compile(r'"amount": 42')
    )
    await page.get_by_role("button", name="Send test event").click()
    await expect(page.get_by_text("Test event sent")).to_be_visible()
    attempt = page.locator("details.attempt summary").first
    await expect(attempt).to_contain_text("succeeded")
    await expect(attempt).to_contain_text("204")
    assert [r["verified"] for r in receiver.records() if r["path"] == "/journey"] == [True]

    # It is in the delivery log.
    message_url = page.url
    await page.get_by_role("link", name="Delivery log").first.click()
    await expect(page.locator("#log-rows")).to_contain_text("invoice.paid")

    # Rotate the secret, then disable the endpoint.
    await page.goto(message_url)
    await page.locator("table a[href^='/portal/endpoints/']").first.click()
    await page.get_by_role("button", name="Rotate secret").click()
    await expect(page.get_by_text("Secret rotated.")).to_be_visible()
    assert (await page.locator("#secret").text_content() or "").strip() not in ("", secret)
    await page.get_by_role("button", name="Disable").click()
    await expect(page.get_by_text("Disabled", exact=True)).to_be_visible()

    # Sign out: the session is over.
    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
    await page.goto(page.url.replace("/portal/signed-out", "/portal/endpoints"))
    await expect(page.get_by_role("heading", name="You are signed out")).to_be_visible()
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
    await page.get_by_role("button", name="Create endpoint").click()
    await expect(page.get_by_text("Endpoint created.")).to_be_visible()
    endpoint = page.url.split("?")[0]
    await page.get_by_role("button", name="Send test event").click()
    await expect(page.get_by_text("Test event sent")).to_be_visible()
    message = page.url.split("?")[0]
    screens = [
        "/portal/endpoints",
        "/portal/endpoints/new",
        endpoint,
        f"{endpoint}?reveal=true",
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

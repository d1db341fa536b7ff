"""Driving the portal page in Debian's chromium through PyPI's playwright: shared by the browser
tests and the screenshot script (``make portal-screenshots``).

A missing chromium FAILS: CI installs it (``.ci/run``), and a skipped browser test would hide a
missing install step behind a green run. Never ``playwright install`` (it downloads browsers from
a CDN this machine does not reach)."""

from __future__ import annotations

import re
import shutil
from typing import Any

from playwright.async_api import Browser, Frame, Page, expect

from tests.e2e.harness.processes import Receiver
from tests.e2e.harness.services import Service

EXAMPLE = {"amount": 42, "currency": "EUR", "invoice_id": "in_1001"}


class ChromiumMissing(RuntimeError):
    """No chromium on PATH (install: ``apt-get install -y chromium``, as ``.ci/run`` does)."""


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found is None:
        raise ChromiumMissing("chromium is not installed: apt-get install -y chromium")
    return found


def magic_link(service: Service, tenant: str, **mint: Any) -> str:
    """A fresh portal link to ``tenant`` (created with the catalog's ``invoice.paid`` if new);
    ``mint`` is the portal token's body (``read_only``, ``branding``)."""
    admin = service.client()
    if admin.get(f"/api/v1/tenants/{tenant}").status_code == 404:
        assert admin.post("/api/v1/tenants", json={"uid": tenant, "name": tenant}).is_success
    admin.post(
        "/api/v1/event-types",
        json={"name": "invoice.paid", "description": "An invoice was paid", "example": EXAMPLE},
    )
    minted = admin.post(f"/api/v1/tenants/{tenant}/portal-tokens", json=mint)
    assert minted.status_code == 201, minted.text
    link: str = minted.json()["magic_link"]
    return link


async def signed_in(browser: Browser, link: str, **context: Any) -> Page:
    """A new browser context signed in through ``link`` (Continue pressed), on the endpoints."""
    page = await (await browser.new_context(**context)).new_page()
    page.on("dialog", lambda dialog: dialog.accept())  # the confirm() before a change
    await page.goto(link)
    await page.get_by_role("button", name="Continue").click()
    await expect(page.get_by_role("heading", name="Endpoints")).to_be_visible()
    return page


async def create_endpoint(page: Page, url: str, *, payload_filter: str = "") -> None:
    """Add an endpoint for ``invoice.paid`` through the form, optionally with a filter."""
    await page.get_by_role("link", name="Add endpoint").click()
    await page.get_by_label("URL").fill(url)
    await page.get_by_label("Find event types").fill("invoice")
    await page.get_by_label(re.compile(r"^invoice\.paid")).check()
    if payload_filter:
        await page.get_by_text("Advanced: channels, filter, rate limit, headers").click()
        await page.get_by_label("Payload filter (JSON; empty: every payload)").fill(payload_filter)
    await page.get_by_role("button", name="Create endpoint").click()
    await expect(page.get_by_text("Endpoint created.")).to_be_visible()


async def send_test_event(page: Page | Frame) -> None:
    """On an endpoint's page: send its test event (the type's example) and see it succeed."""
    await expect(page.get_by_label("Payload (JSON; empty: the type's example)")).to_have_value(
        re.compile(r'"amount": 42')
    )
    await page.get_by_role("button", name="Send test event").click()
    await expect(page.get_by_text("Test event sent")).to_be_visible()
    attempt = page.locator("details.attempt summary").first
    await expect(attempt).to_contain_text("succeeded")
    await expect(attempt).to_contain_text("204")


async def journey(page: Page, receiver: Receiver, path: str) -> None:
    """Magic link (done) → create an endpoint with a filter → test event, verified by the
    receiver → in the log → rotate the secret → disable → sign out."""
    await create_endpoint(page, receiver.url(path), payload_filter=FILTER)

    # The receiver learns the secret from the page (Reveal), then verifies what it gets.
    await page.get_by_role("link", name="Reveal").click()
    secret = (await page.locator("#secret").text_content() or "").strip()
    assert secret.startswith("whsec_")
    receiver.set_secrets({path: secret})
    await send_test_event(page)
    assert [r["verified"] for r in receiver.records() if r["path"] == path] == [True]

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


FILTER = '{"path": "$.amount", "op": "gt", "value": 10}'

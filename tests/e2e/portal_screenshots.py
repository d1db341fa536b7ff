"""Screenshots of every portal screen, light and dark, into docs/portal/ (``make
portal-screenshots``).

    .venv/bin/python tests/e2e/portal_screenshots.py [--out docs/portal]

It starts ``hookrelay dev`` and the test receiver in a scratch folder, seeds a tenant (a catalog
of event types, three endpoints: one healthy, one whose receiver refuses the signature, one
disabled; messages with their deliveries and attempts), signs in through a magic link in Debian's
chromium (playwright with ``executable_path``) and saves one PNG per screen and colour scheme.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

import httpx  # noqa: E402
from playwright.async_api import Browser, async_playwright  # noqa: E402

from tests.e2e.harness import Stack, start_embedded, start_receiver, wait_until  # noqa: E402
from tests.e2e.harness.processes import Receiver  # noqa: E402
from tests.e2e.harness.services import Service  # noqa: E402
from tests.e2e.portal_browser import chromium_path, magic_link, signed_in  # noqa: E402

TENANT = "acme"
CATALOG = [
    ("invoice.created", "An invoice was drafted", {"invoice_id": "in_1001", "amount": 4200}),
    ("invoice.paid", "An invoice was paid in full", {"invoice_id": "in_1001", "amount": 4200}),
    ("invoice.voided", "An invoice was cancelled", {"invoice_id": "in_1001"}),
    ("customer.created", "A customer signed up", {"customer_id": "cus_77", "plan": "pro"}),
    ("customer.updated", "A customer's details changed", {"customer_id": "cus_77"}),
    ("subscription.renewed", "A subscription renewed", {"subscription_id": "sub_9"}),
]
SETTINGS = {
    "HOOKRELAY_PORTAL_PRODUCT_NAME": "Acme Webhooks",
    "HOOKRELAY_RETRY_SCHEDULE": "1,1",  # the refused endpoint's deliveries fail within seconds
    # ... until its circuit opens at the 20th failure in a row (so both show on the screens).
    "HOOKRELAY_CIRCUIT_FAILURE_THRESHOLD": "20",
}


def seed(service: Service, receiver: Receiver, stack: Stack) -> dict[str, str]:
    """The tenant, its endpoints and its traffic; the ids of what the screens show."""
    with service.client() as api:
        api.post("/api/v1/tenants", json={"uid": TENANT, "name": "Acme Corp"})
        for name, description, example in CATALOG:
            api.post(
                "/api/v1/event-types",
                json={"name": name, "description": description, "example": example},
            )
        billing = _endpoint(
            api, receiver.url("/billing"), ["invoice.*"], "Billing service", scheme="both"
        )
        crm = _endpoint(api, receiver.url("/crm"), ["customer.*"], "CRM sync")
        archive = _endpoint(api, receiver.url("/archive"), ["*"], "Data warehouse")
        secret = api.get(f"/api/v1/tenants/{TENANT}/endpoints/{billing}/secret").json()
        receiver.set_secrets({"/billing": secret["secret"]})  # /crm's answers 401: failures
        api.post(
            f"/api/v1/tenants/{TENANT}/endpoints/{archive}/disable",
            json={"reason": "Paused during the warehouse migration"},
        )
        message = ""
        for n in range(24):
            name, _, example = CATALOG[n % 5]
            published = api.post(
                f"/api/v1/tenants/{TENANT}/messages",
                json={"event_type": name, "payload": example | {"n": n}, "event_id": f"evt_{n}"},
            )
            message = message or published.json()["id"]
    expected = 15 + 20  # billing's 15 invoices once each; crm's tries until its circuit opens
    wait_until(
        lambda: len(receiver.records()) >= expected,
        timeout_seconds=90,
        stack=stack,
        what=lambda: f"the seeded deliveries ({len(receiver.records())} of {expected})",
    )
    return {"billing": billing, "crm": crm, "message": message}


def _endpoint(
    api: httpx.Client, url: str, event_types: list[str], description: str, *, scheme: str = "v1"
) -> str:
    """An endpoint; ``scheme`` "both" shows the endpoint page's public keys (v1 still verifies)."""
    made = api.post(
        f"/api/v1/tenants/{TENANT}/endpoints",
        json={
            "url": url,
            "event_types": event_types,
            "description": description,
            "signature_scheme": scheme,
        },
    )
    assert made.status_code == 201, made.text
    found: str = made.json()["id"]
    return found


def screens(ids: dict[str, str]) -> list[tuple[str, str]]:
    endpoint = f"/portal/endpoints/{ids['billing']}"
    return [
        ("endpoints", "/portal/endpoints"),
        ("endpoint-new", "/portal/endpoints/new"),
        ("endpoint", endpoint),
        ("endpoint-failing", f"/portal/endpoints/{ids['crm']}"),
        ("endpoint-edit", f"{endpoint}/edit"),
        ("endpoint-delete", f"{endpoint}/delete"),
        ("messages", "/portal/messages"),
        ("message", f"/portal/messages/{ids['message']}"),
        ("recover", "/portal/recover"),
        ("undelivered", "/portal/undelivered"),
        ("event-types", "/portal/event-types"),
    ]


async def shoot(browser: Browser, service: Service, ids: dict[str, str], out: Path) -> None:
    for scheme in ("light", "dark"):
        link = magic_link(service, TENANT)
        context = {"color_scheme": scheme, "viewport": {"width": 1200, "height": 800}}
        landing = await (await browser.new_context(**context)).new_page()
        await landing.goto(link)
        await landing.screenshot(path=out / f"sign-in-{scheme}.png")
        await landing.context.close()
        page = await signed_in(browser, magic_link(service, TENANT), **context)
        for name, path in screens(ids):
            await page.goto(service.base_url + path)
            await page.screenshot(path=out / f"{name}-{scheme}.png", full_page=True)
            print(f"  {name}-{scheme}.png", flush=True)
        await page.context.close()


async def run(out: Path) -> None:
    with tempfile.TemporaryDirectory() as workdir:
        stack = Stack(Path(workdir))
        try:
            service = start_embedded(stack, settings=SETTINGS)
            ids = seed(service, start_receiver(stack), stack)
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(executable_path=chromium_path())
                await shoot(browser, service, ids, out)
                await browser.close()
        finally:
            stack.stop_all()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO_ROOT / "docs" / "portal")
    out = parser.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    asyncio.run(run(out))


if __name__ == "__main__":
    main()

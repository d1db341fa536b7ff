"""The portal page's transformation section: saved, shown again and cleared through the endpoint
form; the API's 422 at its field and its place in the expression; the body sent in the log."""

from __future__ import annotations

import html
import re
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import Attempt, Delivery
from tests.integration.portal_page import Client, browser_client, mint_link, sign_in
from tests.integration.test_portal_page import MARKUP, create_endpoint, tenant

SLACK = "{text: join(' ', ['Paid:', to_string(amount)])}"


def field_error(page: str, field: str) -> str:
    found = re.search(rf'<p class="field-error" id="{field}-error">([^<]*)</p>', page)
    assert found, page
    return html.unescape(found.group(1))


def textarea(page: str, name: str) -> str:
    found = re.search(rf'<textarea id="{name}"[^>]*>([^<]*)</textarea>', page)
    assert found, page
    return html.unescape(found.group(1))


class TestTransformationForm:
    async def test_saved_shown_again_changed_and_cleared(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(
                browser,
                csrf,
                transformation_expression=SLACK,
                transformation_headers="X-Shape: slack",
            )
            api_path = f"/api/v1/tenants/acme/endpoints/{endpoint_id}"
            saved = (await client.get(api_path)).json()["transformation"]
            assert saved == {"expression": SLACK, "headers": {"X-Shape": "slack"}}

            detail = await browser.get(f"/portal/endpoints/{endpoint_id}")
            shown = re.search(r'<pre class="transformation">([^<]*)</pre>', detail.text)
            assert shown is not None and html.unescape(shown.group(1)) == SLACK
            assert "X-Shape: slack" in detail.text

            edit = await browser.get(f"/portal/endpoints/{endpoint_id}/edit")
            assert textarea(edit.text, "transformation_expression") == SLACK
            assert textarea(edit.text, "transformation_headers") == "X-Shape: slack"

            form = {"csrf": csrf, "url": "https://example.com/hook", "event_types": ["*"]}
            changed = await browser.post(
                f"/portal/endpoints/{endpoint_id}/edit",
                data=form | {"transformation_expression": "amount"},
            )
            assert changed.status_code == 303, changed.text
            after = (await client.get(api_path)).json()["transformation"]
            assert after == {"expression": "amount", "headers": {}}

            cleared = await browser.post(f"/portal/endpoints/{endpoint_id}/edit", data=form)
            assert cleared.status_code == 303
            assert (await client.get(api_path)).json()["transformation"] is None

    async def test_a_bad_expression_is_shown_at_its_place_and_nothing_is_created(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            form = {
                "csrf": csrf,
                "url": "https://example.com/h",
                "transformation_expression": "{text: id,\r\n  n: length(lines, id)}",
            }

            refused = await browser.post("/portal/endpoints/new", data=form)

            assert refused.status_code == 422
            message = field_error(refused.text, "transformation_expression")
            assert "length() takes 1 argument" in message
            assert "line 2, column 6" in message
            place = re.search(r'<pre class="field-error-place"[^>]*>([^<]*)</pre>', refused.text)
            assert place is not None
            assert html.unescape(place.group(1)) == "  n: length(lines, id)}\n     ^"
            assert 'aria-describedby="transformation_expression-error"' in refused.text
            # What was typed is shown again, to be corrected.
            assert "length(lines, id)" in textarea(refused.text, "transformation_expression")
            listed = await client.get("/api/v1/tenants/acme/endpoints")
            assert listed.json()["data"] == []

    async def test_header_refusals_are_shown_at_the_headers_field(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            for headers, words in (
                ("webhook-id: 1", "set by Hookrelay"),
                ("no colon here", "Name: value"),
            ):
                form = {
                    "csrf": csrf,
                    "url": "https://example.com/h",
                    "transformation_expression": "id",
                    "transformation_headers": headers,
                }
                refused = await browser.post("/portal/endpoints/new", data=form)
                assert refused.status_code == 422, headers
                assert words in field_error(refused.text, "transformation_headers")
            listed = await client.get("/api/v1/tenants/acme/endpoints")
            assert listed.json()["data"] == []

    async def test_the_log_shows_the_transformed_body_sent_escaped(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(browser, csrf, transformation_expression="note")
            published = await client.post(
                "/api/v1/tenants/acme/messages",
                json={"event_type": "invoice.paid", "payload": {"note": MARKUP}},
            )
            message_id = published.json()["id"]
            async with sessions() as session:
                delivery = await session.scalar(
                    select(Delivery).where(Delivery.message_id == message_id)
                )
                assert delivery is not None
                session.add(
                    Attempt(
                        id=new_id("atm"),
                        tenant_id=delivery.tenant_id,
                        delivery_id=delivery.id,
                        message_id=message_id,
                        endpoint_id=endpoint_id,
                        attempt_number=1,
                        status="succeeded",
                        status_code=200,
                        request_body=f'"{MARKUP}-sent"',
                        duration_ms=3,
                        trigger="scheduled",
                        created_at=utc_now(),
                    )
                )
                await session.commit()

            page = await browser.get(f"/portal/messages/{message_id}")

            assert "Request body (as transformed and sent)" in page.text
            sent = re.search(r'<pre class="request-body">([^<]*)</pre>', page.text)
            assert sent is not None
            assert html.unescape(sent.group(1)) == f'"{MARKUP}-sent"'
            assert "<script>alert" not in page.text


class TestTransformationPreview:
    async def test_preview_shows_what_would_be_sent_and_saves_nothing(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            form = {
                "csrf": csrf,
                "url": "https://example.com/h",
                "transformation_expression": SLACK,
                "transformation_sample": '{"amount": 4200}',
            }

            new = await browser.post("/portal/endpoints/new/preview", data=form)

            assert new.status_code == 200, new.text
            shown = re.search(r'<pre class="transformation-preview">([^<]*)</pre>', new.text)
            assert shown is not None
            assert html.unescape(shown.group(1)) == '{\n  "text": "Paid: 4200"\n}'
            # The form keeps what was typed, to be saved next.
            assert textarea(new.text, "transformation_expression") == SLACK
            assert textarea(new.text, "transformation_sample") == '{"amount": 4200}'
            assert (await client.get("/api/v1/tenants/acme/endpoints")).json()["data"] == []

            endpoint_id = await create_endpoint(browser, csrf, transformation_expression="amount")
            edit = await browser.post(f"/portal/endpoints/{endpoint_id}/preview", data=form)
            assert edit.status_code == 200
            assert "Paid: 4200" in edit.text
            api = await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}")
            assert api.json()["transformation"]["expression"] == "amount"

    async def test_preview_refusals_are_shown_at_their_field(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            base = {"csrf": csrf, "url": "https://example.com/h"}
            for fields, field, words in (
                (
                    {"transformation_expression": "a.[", "transformation_sample": "{}"},
                    "transformation_expression",
                    "line 1, column 4",
                ),
                (
                    {
                        "transformation_expression": "length(amount)",
                        "transformation_sample": '{"amount": 1}',
                    },
                    "transformation_sample",
                    "fails on this payload",
                ),
                (
                    {"transformation_expression": "id", "transformation_sample": "{nope"},
                    "transformation_sample",
                    "not valid JSON",
                ),
                (
                    {"transformation_expression": "id", "transformation_sample": ""},
                    "transformation_sample",
                    "sample payload",
                ),
                ({"transformation_sample": "{}"}, "transformation_expression", "expression"),
                (
                    {
                        "transformation_expression": "id",
                        "transformation_headers": "webhook-id: 1",
                        "transformation_sample": "{}",
                    },
                    "transformation_headers",
                    "set by Hookrelay",
                ),
            ):
                refused = await browser.post("/portal/endpoints/new/preview", data=base | fields)
                assert refused.status_code == 422, fields
                assert words in field_error(refused.text, field), fields

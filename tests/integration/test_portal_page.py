"""The portal web page over plain HTTP: sign-in from the magic link, the session and its end,
CSRF on every change, the screens, escaping and the Content-Security-Policy."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar
from sqlalchemy import select

from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import Attempt, Delivery, Endpoint, OrderingKey
from app.portal_web.session import COOKIE
from tests.integration.portal_page import (
    BROWSER_ACCEPT,
    Client,
    browser_client,
    hidden,
    mint_link,
    open_link,
    sign_in,
)

MARKUP = '<script>alert("x")</script><img src=x onerror=alert(1)>'


async def tenant(admin: Client, uid: str = "acme") -> dict[str, Any]:
    await admin.post(
        "/api/v1/event-types",
        json={"name": "invoice.paid", "description": "Paid", "example": {"amount": 5}},
    )
    created = await admin.post("/api/v1/tenants", json={"uid": uid, "name": uid.title()})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


async def create_endpoint(browser: Client, csrf: str, **fields: Any) -> str:
    form = {"csrf": csrf, "url": "https://example.com/hook", "event_types": ["invoice.paid"]}
    done = await browser.post("/portal/endpoints/new", data=form | fields)
    assert done.status_code == 303, done.text
    return str(done.headers["location"]).split("?")[0].rsplit("/", 1)[1]


def post_routes(app: Litestar) -> list[str]:
    """Every state-changing route of the portal page, as a path template."""
    return sorted(
        route.path
        for route in app.routes
        if route.path.startswith("/portal/")
        and "POST" in getattr(route, "methods", set())
        and route.path != "/portal/continue"
    )


class TestReadOnly:
    async def test_a_read_only_link_shows_everything_and_changes_nothing(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        made = await client.post(
            "/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/hook"}
        )
        endpoint_id = made.json()["id"]
        secret = (await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}/secret")).json()
        minted = await mint_link(client, "acme", read_only=True)
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            listed = await browser.get("/portal/endpoints")
            shown = await browser.get(f"/portal/endpoints/{endpoint_id}?reveal=true")
            assert listed.status_code == shown.status_code == 200
            assert "example.com/hook" in listed.text and "Add endpoint" not in listed.text
            assert secret["secret"] not in shown.text and "read-only" in shown.text
            assert "Rotate secret" not in shown.text
            for path in (
                "/portal/endpoints/new",
                f"/portal/endpoints/{endpoint_id}/rotate",
                f"/portal/endpoints/{endpoint_id}/disable",
            ):
                refused = await browser.post(path, data={"csrf": csrf})
                assert refused.status_code == 403, path
        after = (await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}")).json()
        assert after["disabled"] is False
        assert (await client.get("/api/v1/tenants/acme/endpoints")).json()["data"] == [after]


class TestSignIn:
    async def test_opening_the_link_in_a_browser_uses_nothing_up(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            for _ in range(3):  # a mail scanner, a link preview, the customer
                landing = await open_link(browser, minted["magic_link"])
                assert "Continue" in landing
            await sign_in(browser, minted["magic_link"])
        token = await client.get(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")
        assert token.json()["link_used_at"] is not None

    async def test_an_api_client_still_gets_the_json_token(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        code = minted["magic_link"].split("code=")[1]
        async with browser_client(app) as api_client:
            answer = await api_client.get(f"/portal/login?code={code}", headers={"accept": "*/*"})
        assert answer.status_code == 200
        assert answer.json()["token"] == minted["token"]

    async def test_session_cookie_is_httponly_samesite_and_scoped(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            landing = await open_link(browser, minted["magic_link"])
            done = await browser.post(
                "/portal/continue",
                data={"code": hidden(landing, "code"), "csrf": hidden(landing, "csrf")},
            )
        cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(COOKIE))
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie or "SameSite=Lax" in cookie
        assert "Path=/portal" in cookie
        assert minted["token"] not in cookie  # the id of the token, never the token
        assert "Secure" not in cookie  # plain http here; https adds it (see the next test)

    async def test_https_makes_the_cookie_secure(
        self, app: Litestar, client: Client, settings: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            browser.base_url = "https://testserver.local"
            landing = await open_link(browser, minted["magic_link"])
            done = await browser.post(
                "/portal/continue",
                data={"code": hidden(landing, "code"), "csrf": hidden(landing, "csrf")},
            )
        cookie = next(c for c in done.headers.get_list("set-cookie") if c.startswith(COOKIE))
        assert "Secure" in cookie

    async def test_a_used_link_shows_a_page_not_a_session(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as first, browser_client(app) as second:
            landing = await open_link(second, minted["magic_link"])
            await sign_in(first, minted["magic_link"])
            again = await second.post(
                "/portal/continue",
                data={"code": hidden(landing, "code"), "csrf": hidden(landing, "csrf")},
            )
            assert again.status_code == 410
            assert "signed out" in again.text
            assert (await second.get("/portal/endpoints")).status_code == 401

    async def test_sign_in_form_needs_its_own_csrf_token(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        code = minted["magic_link"].split("code=")[1]
        async with browser_client(app) as browser:
            forged = await browser.post("/portal/continue", data={"code": code, "csrf": "x"})
            assert forged.status_code == 403
        token = await client.get(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")
        assert token.json()["link_used_at"] is None  # a forged form used nothing up

    async def test_deep_link_after_sign_in_stays_inside_the_portal(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        for target, expected in (
            ("/portal/event-types", "/portal/event-types"),
            ("https://evil.example/", "/portal/endpoints"),
            ("//evil.example/portal/", "/portal/endpoints"),
        ):
            minted = await mint_link(client, "acme")
            async with browser_client(app) as browser:
                landing = await open_link(browser, minted["magic_link"])
                done = await browser.post(
                    "/portal/continue",
                    data={
                        "code": hidden(landing, "code"),
                        "csrf": hidden(landing, "csrf"),
                        "next": target,
                    },
                )
            assert done.headers["location"] == expected


class TestSessionEnd:
    async def test_no_or_forged_cookie_is_signed_out(self, app: Litestar, client: Client) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            assert (await browser.get("/portal/endpoints")).status_code == 401
            browser.cookies.set(COOKIE, f"{minted['id']}.9999999999.forged", path="/portal")
            answer = await browser.get("/portal/endpoints")
            assert answer.status_code == 401
            assert "signed out" in answer.text

    async def test_revoking_the_token_ends_the_session(self, app: Litestar, client: Client) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            await sign_in(browser, minted["magic_link"])
            revoked = await client.delete(f"/api/v1/tenants/acme/portal-tokens/{minted['id']}")
            assert revoked.status_code == 204
            assert (await browser.get("/portal/endpoints")).status_code == 401

    async def test_session_ends_with_its_token(
        self, app: Litestar, client: Client, clock: Any
    ) -> None:
        await tenant(client)
        minted = await client.post(
            "/api/v1/tenants/acme/portal-tokens", json={"expires_in_seconds": 600}
        )
        async with browser_client(app) as browser:
            await sign_in(browser, minted.json()["magic_link"])
            clock.advance(601)
            assert (await browser.get("/portal/endpoints")).status_code == 401

    async def test_sign_out_clears_the_session(self, app: Litestar, client: Client) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            out = await browser.post("/portal/logout", data={"csrf": csrf})
            assert out.status_code == 303
            assert out.headers["location"] == "/portal/signed-out"
            assert (await browser.get("/portal/endpoints")).status_code == 401


class TestCsrf:
    async def test_every_change_without_the_token_is_refused_and_changes_nothing(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(browser, csrf)
            routes = post_routes(app)
            assert len(routes) >= 10
            for template in routes:
                path = re.sub(
                    r"{(\w+):str}",
                    lambda m: {"endpoint_id": endpoint_id}.get(m.group(1), "msg_x"),
                    template,
                )
                for form in ({}, {"csrf": "forged"}, {"csrf": csrf + "x"}):
                    refused = await browser.post(
                        path, data=form | {"url": "https://changed.example/"}
                    )
                    assert refused.status_code == 403, (path, refused.text)
                    assert "another site" in refused.text
            # Still there, unchanged, and still signed in.
            async with sessions() as session:
                row = await session.get_one(Endpoint, endpoint_id)
                assert (row.url, row.disabled) == ("https://example.com/hook", False)
            assert (await browser.get("/portal/endpoints")).status_code == 200


class TestScreens:
    async def test_create_refuses_what_the_api_refuses_at_its_field(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            for fields, field, words in (
                ({"url": "http://10.0.0.1/hook"}, "url", "does not deliver to"),
                ({"payload_filter": '{"path": "$.a", "op": "nope"}'}, "payload_filter", "op"),
                ({"payload_filter": "{not json"}, "payload_filter", "JSON"),
                ({"headers": "webhook-id: 1"}, "headers", "set by Hookrelay"),
                ({"rate_limit_per_second": "0"}, "rate_limit_per_second", "&gt;= 1"),
            ):
                form = {"csrf": csrf, "url": "https://example.com/h"} | fields
                refused = await browser.post("/portal/endpoints/new", data=form)
                assert refused.status_code == 422, (fields, refused.text)
                error = re.search(
                    rf'<p class="field-error" id="{field}-error">([^<]*)</p>', refused.text
                )
                assert error, (fields, refused.text)
                assert words in error.group(1)
                assert f'aria-describedby="{field}-error"' in refused.text
            listed = await client.get("/api/v1/tenants/acme/endpoints")
            assert listed.json()["data"] == []

    async def test_endpoint_lifecycle_through_the_pages(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(
                browser,
                csrf,
                payload_filter='{"path": "$.amount", "op": "gt", "value": 1}',
                channels="eu, us",
                headers="X-Team: billing",
                description="Billing hook",
            )
            api = (await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}")).json()
            assert api["payload_filter"] == {"path": "$.amount", "op": "gt", "value": 1}
            assert (api["channels"], api["headers"]) == (["eu", "us"], {"X-Team": "billing"})
            base = f"/portal/endpoints/{endpoint_id}"
            listing = await browser.get("/portal/endpoints?q=billing")
            assert "https://example.com/hook" in listing.text
            assert (
                "https://example.com/hook"
                not in (await browser.get("/portal/endpoints?q=zzz")).text
            )

            # The secret is masked until revealed, and rotating changes it.
            secret = (
                await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}/secret")
            ).json()["secret"]
            assert secret not in (await browser.get(base)).text
            assert secret in (await browser.get(f"{base}?reveal=true")).text
            rotated = await browser.post(f"{base}/rotate", data={"csrf": csrf})
            assert rotated.status_code == 303
            new = (await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}/secret")).json()[
                "secret"
            ]
            assert new != secret
            assert "keeps signing" in (await browser.get(rotated.headers["location"])).text

            edit = await browser.get(f"{base}/edit")
            assert "X-Team: billing" in edit.text
            saved = await browser.post(
                f"{base}/edit",
                data={"csrf": csrf, "url": "https://example.com/v2", "event_types": ["invoice.*"]},
            )
            assert saved.status_code == 303
            api = (await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}")).json()
            assert (api["url"], api["event_types"]) == ("https://example.com/v2", ["invoice.*"])

            assert (await browser.post(f"{base}/disable", data={"csrf": csrf})).status_code == 303
            page = await browser.get(base)
            assert "Disabled" in page.text and "disabled in the portal" in page.text
            assert (await browser.post(f"{base}/enable", data={"csrf": csrf})).status_code == 303
            assert "Enabled" in (await browser.get(base)).text

            sent = await browser.post(
                f"{base}/test",
                data={"csrf": csrf, "event_type": "invoice.paid", "payload": '{"amount": 7}'},
            )
            assert sent.status_code == 303
            message = await browser.get(sent.headers["location"])
            assert "Test event sent" in message.text and "&#34;amount&#34;: 7" in message.text

            assert "cannot be undone" in (await browser.get(f"{base}/delete")).text
            gone = await browser.post(f"{base}/delete", data={"csrf": csrf})
            assert gone.status_code == 303
            async with sessions() as session:  # deleted; its row waits for retention
                found = await session.get(Endpoint, endpoint_id)
                assert found is not None and found.deleted_at is not None
            assert (await browser.get(base)).status_code == 404

    async def test_log_filters_paging_and_recovery(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(browser, csrf)
            ids = []
            for n in range(53):
                published = await client.post(
                    "/api/v1/tenants/acme/messages",
                    json={
                        "event_type": "invoice.paid",
                        "payload": {"n": n},
                        "event_id": f"evt-{n}",
                    },
                )
                ids.append(published.json()["id"])
            first = await browser.get("/portal/messages?event_type=invoice.paid&range=24h")
            assert ids[-1] in first.text and ids[2] not in first.text
            older = re.search(r'href="(/portal/messages\?[^"]*cursor=[^"]*)"', first.text)
            assert older
            second = await browser.get(older.group(1).replace("&amp;", "&"))
            assert ids[2] in second.text and ids[-1] not in second.text
            by_event = await browser.get("/portal/messages?event_id=evt-7")
            assert ids[7] in by_event.text and ids[8] not in by_event.text
            by_id = await browser.get(f"/portal/messages?event_id={ids[3]}")
            assert by_id.headers["location"] == f"/portal/messages/{ids[3]}"
            rows = await browser.get("/portal/messages?fragment=rows&status=failed")
            assert "No messages match" in rows.text and "<html" not in rows.text

            async with sessions() as session:
                for delivery in (await session.scalars(select(Delivery))).all():
                    delivery.status = "failed"
                await session.commit()
            undelivered = await browser.get("/portal/undelivered")
            assert ids[-1] in undelivered.text
            started = await browser.post(
                "/portal/recover",
                data={"csrf": csrf, "endpoint_id": endpoint_id, "since": "2020-01-01T00:00"},
            )
            assert started.status_code == 303, started.text
            progress = await browser.get(started.headers["location"])
            assert "<progress" in progress.text and "of 53" in progress.text

    async def test_catalog_shows_descriptions_and_examples(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            await sign_in(browser, minted["magic_link"])
            catalog = await browser.get("/portal/event-types")
        assert "invoice.paid" in catalog.text and "Paid" in catalog.text
        assert "&#34;amount&#34;: 5" in catalog.text


async def add_failed_attempt(
    sessions: Any, message_id: str, endpoint_id: str, **fields: Any
) -> None:
    """A failed try (a 500) of the message's delivery to the endpoint, stored as recorded."""
    async with sessions() as session:
        delivery = await session.scalar(
            select(Delivery).where(
                Delivery.message_id == message_id, Delivery.endpoint_id == endpoint_id
            )
        )
        assert delivery is not None
        values: dict[str, Any] = {
            "response_body": "",
            "error_kind": "http_status",
            "duration_ms": 12,
            "trigger": "scheduled",
        }
        session.add(
            Attempt(
                id=new_id("atm"),
                tenant_id=delivery.tenant_id,
                delivery_id=delivery.id,
                message_id=message_id,
                endpoint_id=endpoint_id,
                attempt_number=1,
                status="failed",
                status_code=500,
                created_at=utc_now(),
                **(values | fields),
            )
        )
        await session.commit()


class TestDeletedEndpoint:
    async def test_the_message_page_marks_deliveries_and_attempts_of_a_deleted_endpoint(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        # Given a message delivered to two endpoints, one tried once and then deleted
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            kept = await create_endpoint(browser, csrf, url="https://example.com/kept")
            gone = await create_endpoint(browser, csrf, url="https://example.com/gone")
            published = await client.post(
                "/api/v1/tenants/acme/messages",
                json={"event_type": "invoice.paid", "payload": {"amount": 5}},
            )
            message_id = published.json()["id"]
            await add_failed_attempt(sessions, message_id, gone)
            deleted = await client.delete(f"/api/v1/tenants/acme/endpoints/{gone}")
            assert deleted.status_code == 204, deleted.text

            # When the message's page is opened
            shown = (await browser.get(f"/portal/messages/{message_id}")).text

        # Then the deleted endpoint's delivery and attempt are marked, with no link or resend
        assert shown.count("Endpoint deleted</span>") == 2
        assert f'href="/portal/endpoints/{gone}"' not in shown
        assert f'href="/portal/endpoints/{kept}"' in shown
        assert f"/endpoints/{gone}/resend" not in shown and f"/endpoints/{kept}/resend" in shown

    async def test_the_undelivered_report_marks_a_deleted_endpoints_failed_delivery(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            gone = await create_endpoint(browser, csrf, url="https://example.com/gone")
            await client.post(
                "/api/v1/tenants/acme/messages",
                json={"event_type": "invoice.paid", "payload": {"amount": 5}},
            )
            async with sessions() as session:  # failed for good, as retention finishes it
                delivery = await session.scalar(select(Delivery))
                assert delivery is not None
                delivery.status = "failed"
                await session.commit()
            await client.delete(f"/api/v1/tenants/acme/endpoints/{gone}")
            shown = (await browser.get("/portal/undelivered")).text
        assert shown.count("Endpoint deleted</span>") == 1
        assert f'href="/portal/endpoints/{gone}"' not in shown
        assert f"/portal/recover?endpoint_id={gone}" not in shown


class TestSafety:
    async def test_markup_in_payloads_and_receiver_answers_is_escaped(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(browser, csrf, description=MARKUP)
            published = await client.post(
                "/api/v1/tenants/acme/messages",
                json={
                    "event_type": "invoice.paid",
                    "payload": {"note": MARKUP},
                    "event_id": MARKUP,
                },
            )
            message_id = published.json()["id"]
            await add_failed_attempt(
                sessions,
                message_id,
                endpoint_id,
                response_body=MARKUP,
                response_headers={"x-evil": MARKUP},
                error_detail=MARKUP,
            )
            pages = [
                "/portal/endpoints",
                f"/portal/endpoints/{endpoint_id}",
                f"/portal/endpoints/{endpoint_id}/edit",
                f"/portal/messages/{message_id}",
                "/portal/messages",
            ]
            for path in pages:
                answer = await browser.get(path)
                assert answer.status_code == 200, path
                assert "<script>alert" not in answer.text and "<img src=x" not in answer.text, path
            message = await browser.get(f"/portal/messages/{message_id}")
            assert message.text.count("&lt;script&gt;alert(") >= 4  # payload, body, header, detail

    async def test_every_page_has_a_csp_without_inline_script(
        self, app: Litestar, client: Client
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            landing = await browser.get(
                "/portal/login?code=" + minted["magic_link"].split("code=")[1],
                headers={"accept": BROWSER_ACCEPT},
            )
            csrf = await sign_in(browser, minted["magic_link"])
            endpoint_id = await create_endpoint(browser, csrf)
            answers = [landing, await browser.get("/portal/nope-not-a-page")]
            for path in (
                "/portal/endpoints",
                f"/portal/endpoints/{endpoint_id}",
                "/portal/messages",
                "/portal/endpoints/ep_missing",
            ):
                answers.append(await browser.get(path))
            for answer in answers[:1] + answers[2:]:
                policy = answer.headers["content-security-policy"]
                assert "script-src 'self'" in policy and "unsafe-inline" not in policy
                assert "frame-ancestors 'none'" in policy
                assert answer.headers["x-content-type-options"] == "nosniff"
                assert not re.search(r"<script(?![^>]*\bsrc=)", answer.text), "inline script"
                assert re.findall(r'(?:src|href)="(https?:)?//', answer.text) == []  # no other host

    async def test_another_tenants_pages_answer_404(self, app: Litestar, client: Client) -> None:
        await tenant(client)
        await client.post("/api/v1/tenants", json={"uid": "globex", "name": "Globex"})
        globex = await client.post(
            "/api/v1/tenants/globex/endpoints", json={"url": "https://globex.example/hook"}
        )
        foreign = globex.json()["id"]
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            await sign_in(browser, minted["magic_link"])
            for path in (
                f"/portal/endpoints/{foreign}",
                f"/portal/endpoints/{foreign}/edit",
                f"/portal/endpoints/{foreign}?reveal=true",
            ):
                answer = await browser.get(path)
                assert answer.status_code == 404
                assert "globex.example" not in answer.text
            listing = await browser.get("/portal/endpoints")
            assert "globex.example" not in listing.text


class TestOrderedDelivery:
    async def test_form_sets_ordered_delivery_and_the_page_lists_held_keys_with_a_skip_button(
        self, app: Litestar, client: Client, sessions: Any
    ) -> None:
        await tenant(client)
        minted = await mint_link(client, "acme")
        async with browser_client(app) as browser:
            csrf = await sign_in(browser, minted["magic_link"])
            # Given an endpoint made ordered, with the skip policy, in the form
            endpoint_id = await create_endpoint(
                browser, csrf, ordered="on", ordering_failure_policy="skip"
            )
            got = (await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}")).json()
            assert (got["ordered"], got["ordering_failure_policy"]) == (True, "skip")
            form = await browser.get(f"/portal/endpoints/{endpoint_id}/edit")
            assert 'name="ordered" checked' in form.text
            # and saved back to the hold policy
            saved = await browser.post(
                f"/portal/endpoints/{endpoint_id}/edit",
                data={
                    "csrf": csrf,
                    "url": "https://example.com/hook",
                    "event_types": ["invoice.paid"],
                    "ordered": "on",
                    "ordering_failure_policy": "hold",
                },
            )
            assert saved.status_code == 303, saved.text
            # When a key's head has run out of tries (held), with one message behind it
            message_ids = []
            for n in range(2):
                published = await client.post(
                    "/api/v1/tenants/acme/messages",
                    json={"event_type": "invoice.paid", "payload": {"n": n}, "ordering_key": "o:1"},
                )
                assert published.status_code == 202, published.text
                message_ids.append(published.json()["id"])
            behind = await browser.get(f"/portal/messages/{message_ids[1]}")
            assert "waiting behind an earlier message of key <code>o:1</code>" in behind.text
            async with sessions() as session:
                key = await session.get_one(OrderingKey, (endpoint_id, "o:1"))
                key.held_since = utc_now()
                head = await session.get_one(Delivery, key.head_id)
                head.status = "failed"
                await session.commit()
            # Then the endpoint page shows the held key, and its skip button releases it
            page = await browser.get(f"/portal/endpoints/{endpoint_id}")
            assert "Held ordering keys" in page.text and "<code>o:1</code>" in page.text
            action = f"/portal/endpoints/{endpoint_id}/ordering-keys/o%3A1/skip"
            assert action in page.text
            skipped = await browser.post(action, data={"csrf": csrf})
            assert skipped.status_code == 303, skipped.text
            after = await browser.get(skipped.headers["location"])
            assert "No key is held." in after.text
        keys = await client.get(f"/api/v1/tenants/acme/endpoints/{endpoint_id}/ordering-keys")
        (live,) = keys.json()["data"]
        assert live["held_since"] is None and live["head_delivery_id"] != head.id

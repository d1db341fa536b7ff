"""The isolation walk: every route of the OpenAPI schema, called with a portal token of one tenant
and another tenant's ids, answers 403 or 404, leaks nothing of the other tenant, and changes
nothing of it. New routes are walked automatically; a new path parameter fails the walk until the
walk knows which object of the other tenant to put in it."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from app.auth.guards import portal_refusal
from app.kit.clock import utc_now
from app.kit.ids import new_id
from app.models import Attempt, Base, Delivery
from tests.integration.portal_page import browser_client, sign_in

Client = AsyncTestClient[Any]
SECRET_MARK = "globex-private-payload-mark"


async def seed(client: Client, uid: str, url: str) -> dict[str, str]:
    """A tenant with an (ordered) endpoint, a message (delivery) with an ordering key, a portal
    token and a recovery."""
    tenant = (await client.post("/api/v1/tenants", json={"uid": uid, "name": uid})).json()
    base = f"/api/v1/tenants/{tenant['id']}"
    endpoint = (
        await client.post(
            f"{base}/endpoints", json={"url": url, "description": f"{uid} ep", "ordered": True}
        )
    ).json()
    message = (
        await client.post(
            f"{base}/messages",
            json={
                "event_type": "walk.test",
                "payload": {"mark": f"{uid}-{SECRET_MARK}"},
                "ordering_key": f"{uid}-order-1",
            },
        )
    ).json()
    deliveries = (await client.get(f"{base}/messages/{message['id']}/deliveries")).json()["data"]
    secret = (await client.get(f"{base}/endpoints/{endpoint['id']}/secret")).json()["secret"]
    token = (await client.post(f"{base}/portal-tokens", json={})).json()
    recovery = await client.post(
        f"{base}/endpoints/{endpoint['id']}/recover", json={"since": "2020-01-01T00:00:00Z"}
    )
    assert recovery.status_code == 202, recovery.text
    return {
        "recovery": recovery.json()["id"],
        "tenant": tenant["id"],
        "uid": uid,
        "endpoint": endpoint["id"],
        "url": url,
        "message": message["id"],
        "delivery": deliveries[0]["id"],
        "secret": secret,
        "token_id": token["id"],
        "token": token["token"],
        "ordering_key": f"{uid}-order-1",
    }


async def add_attempt(sessions: Any, ids: dict[str, str]) -> None:
    async with sessions() as session:
        delivery = await session.get_one(Delivery, ids["delivery"])
        attempt = Attempt(
            id=new_id("atm"),
            tenant_id=delivery.tenant_id,
            delivery_id=delivery.id,
            message_id=delivery.message_id,
            endpoint_id=delivery.endpoint_id,
            attempt_number=1,
            status="failed",
            status_code=500,
            response_body="globex receiver said no",
            duration_ms=3,
            trigger="scheduled",
            created_at=utc_now(),
        )
        session.add(attempt)
        await session.commit()
        ids["attempt"] = attempt.id


async def snapshot(sessions: Any, tenant_id: str) -> list[tuple[str, list[str]]]:
    """Every row of every tenant-owned table, as text, for one tenant."""
    rows: list[tuple[str, list[str]]] = []
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            column = table.c.get("tenant_id") if table.name != "tenants" else table.c.id
            if column is None:
                continue
            found = (await session.execute(select(table).where(column == tenant_id))).all()
            rows.append((table.name, sorted(repr(tuple(r)) for r in found)))
    return rows


# Which of the other tenant's objects goes into each path parameter.
PARAMETERS = {
    "endpoint": "endpoint",
    "endpoint_id": "endpoint",
    "message": "message",
    "message_id": "message",
    "delivery": "delivery",
    "delivery_id": "delivery",
    "attempt": "attempt",
    "attempt_id": "attempt",
    "token_id": "token_id",
    "recovery": "recovery",
    "recovery_id": "recovery",
    "source": "source",
    "destination": "destination",
    "event": "inbound_event",
    "key": "ordering_key",
    "key_id": "token_id",  # admin API keys: a portal token is refused before any lookup
}


async def seed_source(client: Client, ids: dict[str, str]) -> None:
    """An inbound source (admin-made) with a destination and one accepted event, named in ``ids``:
    no portal token may reach them, and the source's hidden tenant is no tenant to anyone."""
    source = (
        await client.post("/api/v1/sources", json={"name": "walk", "provider": "none"})
    ).json()
    destination = (
        await client.post(
            f"/api/v1/sources/{source['id']}/destinations",
            json={"url": "https://internal-walk.example/hook"},
        )
    ).json()
    token = source["ingest_url"].rsplit("/in/", 1)[1]
    received = (await client.post(f"/in/{token}", json={"mark": SECRET_MARK})).json()
    ids |= {
        "source": source["id"],
        "destination": destination["id"],
        "inbound_event": received["events"][0]["id"],
    }


def example_for(schema: dict[str, Any], components: dict[str, Any], name: str = "") -> Any:
    """A plausible valid value for a JSON schema (bodies must validate to reach the handler)."""
    if "$ref" in schema:
        return example_for(components[schema["$ref"].rsplit("/", 1)[-1]], components, name)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            options = [s for s in schema[key] if s.get("type") != "null"]
            return example_for(options[0], components, name)
    if schema.get("examples"):
        examples = schema["examples"]
        return examples[0] if isinstance(examples, list) else next(iter(examples.values()))
    kind = schema.get("type")
    if kind == "object":
        return {
            key: example_for(value, components, key)
            for key, value in schema.get("properties", {}).items()
            if key in schema.get("required", [])
        }
    if kind == "array":
        count = schema.get("minItems", 0)
        return [example_for(schema.get("items", {}), components, name) for _ in range(count)]
    if kind == "integer":
        return max(int(schema.get("minimum", 1)), 1)
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return False
    if schema.get("format") == "date-time":
        return datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    if "url" in name:
        return "https://acme-walk.example/hook"
    if "event_type" in name or name == "name":
        return "walk.test"
    return "walk"


def request_body(operation: dict[str, Any], components: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    media = content["application/json"]
    if "example" in media:
        return media["example"]
    return example_for(media.get("schema", {}), components)


def leaks(text: str, asked: str, other: dict[str, str]) -> list[str]:
    """The other tenant's values in an answer, apart from those the request itself named."""
    private = (
        "tenant",
        "endpoint",
        "url",
        "message",
        "delivery",
        "attempt",
        "secret",
        "token_id",
        "recovery",
        "source",
        "destination",
        "inbound_event",
        "ordering_key",
    )
    found = [
        key for key in private if key in other and other[key] in text and other[key] not in asked
    ]
    if other["token"] in text:
        found.append("token")
    if SECRET_MARK in text and f"globex-{SECRET_MARK}" in text:
        found.append("payload")
    return found


async def test_guarantee_5_isolation_walk_portal_token_reaches_no_other_tenant(
    app: Litestar, client: Client, sessions: Any
) -> None:
    await client.post("/api/v1/event-types", json={"name": "walk.test"})
    acme = await seed(client, "acme", "https://acme-walk.example/hook")
    globex = await seed(client, "globex", "https://globex-walk.example/hook")
    await add_attempt(sessions, globex)
    await seed_source(client, globex)
    before = await snapshot(sessions, globex["tenant"])
    sources_before = await client.get(f"/api/v1/sources/{globex['source']}/events")

    schema = app.openapi_schema.to_schema()
    components = schema.get("components", {}).get("schemas", {})
    portal = {"authorization": f"Bearer {acme['token']}"}
    calls = 0
    problems: list[str] = []
    for template, operations in schema["paths"].items():
        if not template.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            method = method.upper()
            names = re.findall(r"{(\w+)}", template)
            objects = [n for n in names if n not in ("tenant", "name")]
            unknown = [n for n in objects if n not in PARAMETERS]
            assert not unknown, f"{method} {template}: teach the walk about {unknown}"
            body = request_body(operation, components)
            allowed = portal_refusal(method, template, read_only=False) is None
            # The other tenant by id and by uid, and (with objects) our tenant with its objects.
            refs = [globex["tenant"], globex["uid"]] if "tenant" in names else [None]
            if "tenant" in names and objects:
                refs.append(acme["tenant"])
            for ref in refs:
                values = {"tenant": ref, "name": "walk.test"}
                values |= {n: globex[PARAMETERS[n]] for n in objects}
                path = re.sub(r"{(\w+)}", lambda m, v=values: str(v[m.group(1)]), template)
                response = await client.request(method, path, json=body, headers=portal)
                calls += 1
                found = leaks(response.text, path, globex)
                if found:
                    problems.append(f"{method} {path}: leaks {found}: {response.text[:200]}")
                if not allowed:
                    expected: tuple[int, ...] = (403,)
                elif ref is None:
                    expected = (200, 201, 202, 204, 404)  # the shared event type catalog
                else:
                    expected = (404,)
                if response.status_code not in expected:
                    problems.append(
                        f"{method} {path}: {response.status_code} (expected {expected}): "
                        f"{response.text[:200]}"
                    )
    assert not problems, "\n".join(problems)
    assert calls >= 20
    assert await snapshot(sessions, globex["tenant"]) == before
    assert (await client.get(f"/api/v1/sources/{globex['source']}/events")).json() == (
        sources_before.json()
    )


async def test_guarantee_5_isolation_walk_portal_page_session_reaches_no_other_tenant(
    app: Litestar, client: Client, sessions: Any
) -> None:
    """The same walk over the portal web page: every page route with an object in its path, with
    acme's signed-in session and globex's ids (GET, and POST with a valid CSRF token), answers
    404, shows nothing of globex and changes nothing of it; the list pages show none of it."""
    await client.post("/api/v1/event-types", json={"name": "walk.test"})
    acme = await seed(client, "acme", "https://acme-walk.example/hook")
    globex = await seed(client, "globex", "https://globex-walk.example/hook")
    await add_attempt(sessions, globex)
    before = await snapshot(sessions, globex["tenant"])
    minted = (await client.post(f"/api/v1/tenants/{acme['tenant']}/portal-tokens", json={})).json()

    problems: list[str] = []
    calls = 0
    async with browser_client(app) as browser:
        csrf = await sign_in(browser, minted["magic_link"])
        for route in app.routes:
            if not route.path.startswith("/portal/") or route.path.startswith("/portal/static"):
                continue
            names = re.findall(r"{(\w+):\w+}", route.path)
            unknown = [n for n in names if n not in PAGE_PARAMETERS]
            assert not unknown, f"{route.path}: teach the walk about {unknown}"
            path = re.sub(r"{(\w+):\w+}", lambda m: globex[PAGE_PARAMETERS[m.group(1)]], route.path)
            for method in sorted(set(getattr(route, "methods", ())) & {"GET", "POST"}):
                if method == "POST" and route.path in ("/portal/continue", "/portal/logout"):
                    continue
                form = {
                    "csrf": csrf,
                    "endpoint_id": globex["endpoint"],
                    "since": "2020-01-01T00:00",
                }
                query = f"?endpoint_id={globex['endpoint']}&reveal=true"
                response = await browser.request(
                    method,
                    path + (query if method == "GET" else ""),
                    data=form if method == "POST" else None,
                )
                calls += 1
                # What the request named itself may come back (an error naming the id asked for).
                found = leaks(response.text, path + query + str(form), globex)
                if found:
                    problems.append(f"{method} {path}: leaks {found}")
                if names and response.status_code != 404:
                    problems.append(f"{method} {path}: {response.status_code}, expected 404")
                if not names and response.status_code >= 500:
                    problems.append(f"{method} {path}: {response.status_code}")
    assert not problems, "\n".join(problems)
    assert calls >= 20
    assert await snapshot(sessions, globex["tenant"]) == before


# Which of the other tenant's objects goes into each path parameter of a portal page.
PAGE_PARAMETERS = {
    "endpoint_id": "endpoint",
    "message_id": "message",
    "recovery_id": "recovery",
    "key": "ordering_key",
}

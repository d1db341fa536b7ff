from datetime import datetime, timedelta
from typing import Any

import pytest
from dramatiq.brokers.stub import StubBroker
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update

from app.kit.clock import utc_now
from app.kit.signing import generate_secret
from app.models import Delivery, Endpoint, Message
from tests.factories import BOX
from tests.integration.conftest import queued_delivery_ids

Client = AsyncTestClient[Any]


async def make_tenant(client: Client, uid: str = "acme") -> dict[str, Any]:
    response = await client.post("/api/v1/tenants", json={"uid": uid, "name": uid})
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


class TestEndpoints:
    async def test_create_endpoint_with_defaults(self, client: Client) -> None:
        await make_tenant(client)
        response = await client.post(
            "/api/v1/tenants/acme/endpoints", json={"url": "https://example.com/hook"}
        )
        assert response.status_code == 201
        body = response.json()
        assert body["id"].startswith("ep_")
        assert body["event_types"] == ["*"]
        assert body["circuit_state"] == "closed"
        assert body["disabled"] is False
        assert body["disabled_reason"] is None

    async def test_secret_is_whsec(self, client: Client) -> None:
        await make_tenant(client)
        ep = (
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        ).json()
        secret = (await client.get(f"/api/v1/tenants/acme/endpoints/{ep['id']}/secret")).json()
        assert secret["secret"].startswith("whsec_")

    async def test_update_and_delete(self, client: Client) -> None:
        await make_tenant(client)
        ep = (
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        ).json()
        path = f"/api/v1/tenants/acme/endpoints/{ep['id']}"
        changed = await client.patch(
            path, json={"event_types": ["invoice.*"], "disabled": True, "rate_limit_per_second": 5}
        )
        assert changed.status_code == 200
        body = changed.json()
        assert body["event_types"] == ["invoice.*"]
        assert body["rate_limit_per_second"] == 5
        assert (body["disabled"], body["disabled_reason"]) == (True, "disabled through the API")
        enabled = (await client.patch(path, json={"disabled": False})).json()
        assert (enabled["disabled"], enabled["disabled_reason"]) == (False, None)
        assert (await client.delete(path)).status_code == 204
        assert (await client.get(path)).status_code == 404

    async def test_another_tenants_endpoint_is_404(self, client: Client) -> None:
        await make_tenant(client, "acme")
        await make_tenant(client, "globex")
        ep = (
            await client.post("/api/v1/tenants/acme/endpoints", json={"url": "https://e.x/h"})
        ).json()
        for method, suffix in (("GET", ""), ("GET", "/secret"), ("DELETE", ""), ("PATCH", "")):
            response = await client.request(
                method, f"/api/v1/tenants/globex/endpoints/{ep['id']}{suffix}", json={}
            )
            assert response.status_code == 404, (method, suffix)
            assert response.json()["code"] == "endpoint_not_found"

    async def test_invalid_url_is_422_and_creates_nothing(
        self, client: Client, sessions: Any
    ) -> None:
        await make_tenant(client)
        response = await client.post("/api/v1/tenants/acme/endpoints", json={"url": "ftp://x/y"})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_url"
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Endpoint)) == 0

    async def test_bad_wildcard_is_400(self, client: Client) -> None:
        await make_tenant(client)
        response = await client.post(
            "/api/v1/tenants/acme/endpoints",
            json={"url": "https://e.x", "event_types": ["in*voice"]},
        )
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"


EP = "/api/v1/tenants/acme/endpoints"


async def create_endpoint(client: Client, **fields: Any) -> dict[str, Any]:
    response = await client.post(EP, json={"url": "https://example.com/hook", **fields})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


async def snapshot(sessions: Any) -> list[tuple[Any, ...]]:
    """Every endpoint row, to show that a refused request changed nothing."""
    async with sessions() as session:
        rows = await session.execute(select(Endpoint).order_by(Endpoint.id))
        return [
            (e.id, e.url, e.event_types, e.channels, e.payload_filter, e.headers, e.metadata_)
            for (e,) in rows
        ]


AMOUNT_OVER_100 = {"path": "$.amount", "op": "gt", "value": 100}


class TestEndpointFields:
    async def test_create_with_every_field_and_read_it_back(self, client: Client) -> None:
        await make_tenant(client)
        body = await create_endpoint(
            client,
            event_types=["invoice.*", "invoice.*", "customer.created"],
            channels=["eu", "eu", "vip"],
            payload_filter={"and": [AMOUNT_OVER_100, {"not": {"path": "$.test", "op": "exists"}}]},
            headers={"X-Api-Key": "k1", "Authorization": "Basic abc"},
            description="billing",
            metadata={"team": "billing", "env": "prod"},
            rate_limit_per_second=10,
        )
        assert body["event_types"] == ["invoice.*", "customer.created"]
        assert body["channels"] == ["eu", "vip"]
        assert body["payload_filter"]["and"][0] == AMOUNT_OVER_100
        assert body["headers"] == {"X-Api-Key": "k1", "Authorization": "Basic abc"}
        assert body["metadata"] == {"team": "billing", "env": "prod"}
        assert body["description"] == "billing"
        read = (await client.get(f"{EP}/{body['id']}")).json()
        assert read == body
        listed = (await client.get(EP)).json()["data"]
        assert listed == [body]

    async def test_defaults(self, client: Client) -> None:
        await make_tenant(client)
        body = await create_endpoint(client)
        assert (body["channels"], body["payload_filter"], body["headers"], body["metadata"]) == (
            None,
            None,
            {},
            {},
        )

    async def test_update_replaces_and_clears_fields(self, client: Client) -> None:
        await make_tenant(client)
        ep = await create_endpoint(
            client, channels=["eu"], payload_filter=AMOUNT_OVER_100, headers={"X-A": "1"}
        )
        changed = await client.patch(
            f"{EP}/{ep['id']}",
            json={
                "channels": None,
                "payload_filter": None,
                "headers": {"X-B": "2"},
                "metadata": {"k": "v"},
                "description": "new",
            },
        )
        assert changed.status_code == 200
        body = changed.json()
        assert (body["channels"], body["payload_filter"]) == (None, None)
        assert (body["headers"], body["metadata"], body["description"]) == (
            {"X-B": "2"},
            {"k": "v"},
            "new",
        )

    @pytest.mark.parametrize(
        ("payload_filter", "where"),
        [
            ({"path": "$.amount", "op": "gtt", "value": 1}, "payload_filter:"),
            ({"and": [AMOUNT_OVER_100, {"path": "$..x", "op": "eq", "value": 1}]}, "and[1].path"),
            ({"or": []}, "payload_filter.or"),
            ({"path": "$.a", "op": "in", "value": "x"}, "payload_filter:"),
        ],
    )
    async def test_malformed_filter_is_422_naming_where_and_changes_nothing(
        self, client: Client, sessions: Any, payload_filter: dict[str, Any], where: str
    ) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client, payload_filter=AMOUNT_OVER_100)
        before = await snapshot(sessions)

        created = await client.post(
            EP, json={"url": "https://e.x/h", "payload_filter": payload_filter}
        )
        updated = await client.patch(f"{EP}/{ep['id']}", json={"payload_filter": payload_filter})

        for response in (created, updated):
            assert response.status_code == 422
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.json()["code"] == "invalid_filter"
            assert where in response.json()["detail"]
        assert await snapshot(sessions) == before

    @pytest.mark.parametrize(
        "name",
        [
            "webhook-id",
            "Webhook-Signature",
            "WEBHOOK-anything",
            "Content-Type",
            "content-length",
            "Host",
            "Transfer-Encoding",
            "Connection",
            "User-Agent",
        ],
    )
    async def test_reserved_header_is_422_and_changes_nothing(
        self, client: Client, sessions: Any, name: str
    ) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client, headers={"X-Ok": "1"})
        before = await snapshot(sessions)

        created = await client.post(EP, json={"url": "https://e.x/h", "headers": {name: "v"}})
        updated = await client.patch(
            f"{EP}/{ep['id']}", json={"headers": {"X-New": "1", name: "v"}, "description": "x"}
        )

        for response in (created, updated):
            assert response.status_code == 422
            assert response.json()["code"] == "reserved_header"
        assert await snapshot(sessions) == before

    @pytest.mark.parametrize(
        "headers",
        [
            {"Bad Name": "v"},
            {"X-A:": "v"},
            {"": "v"},
            {"X-A": "line\r\nInjected: 1"},
            {"X-A": "é"},
            {"X-A": "a", "x-a": "b"},
            {"X-A": "x" * 1025},
        ],
    )
    async def test_invalid_header_is_422(
        self, client: Client, sessions: Any, headers: dict[str, str]
    ) -> None:
        await make_tenant(client)
        response = await client.post(EP, json={"url": "https://e.x/h", "headers": headers})
        assert response.status_code == 422
        assert response.json()["code"] == "invalid_header"
        assert await snapshot(sessions) == []

    @pytest.mark.parametrize(
        "fields",
        [
            {"metadata": {str(i): "v" for i in range(51)}},
            {"metadata": {"k": "v" * 513}},
            {"metadata": {"k": 1}},
            {"headers": {f"X-{i}": "v" for i in range(21)}},
            {"channels": ["bad channel"]},
            {"channels": []},
        ],
    )
    async def test_out_of_bounds_fields_are_400(
        self, client: Client, sessions: Any, fields: dict[str, Any]
    ) -> None:
        await make_tenant(client)
        response = await client.post(EP, json={"url": "https://e.x/h", **fields})
        assert response.status_code == 400
        assert response.json()["code"] == "validation_error"
        assert await snapshot(sessions) == []


async def publish(client: Client, event_type: str, payload: dict[str, Any], **extra: Any) -> str:
    response = await client.post(
        "/api/v1/tenants/acme/messages",
        json={"event_type": event_type, "payload": payload, **extra},
    )
    assert response.status_code == 202, response.text
    message_id: str = response.json()["id"]
    return message_id


async def delivered_to(client: Client, message_id: str) -> set[str]:
    response = await client.get(f"/api/v1/tenants/acme/messages/{message_id}/deliveries")
    return {d["endpoint_id"] for d in response.json()["data"]}


class TestMatchingOnPublish:
    async def test_types_channels_and_filter_all_apply(self, client: Client) -> None:
        await make_tenant(client)
        every = (await create_endpoint(client))["id"]
        eu = (await create_endpoint(client, channels=["eu"]))["id"]
        big = (await create_endpoint(client, payload_filter=AMOUNT_OVER_100))["id"]
        big_eu_invoices = (
            await create_endpoint(
                client, event_types=["invoice.*"], channels=["eu"], payload_filter=AMOUNT_OVER_100
            )
        )["id"]

        cases = [
            (("invoice.paid", {"amount": 50}, None), {every}),
            (("invoice.paid", {"amount": 500}, None), {every, big}),
            (("invoice.paid", {"amount": 500}, ["eu"]), {every, eu, big, big_eu_invoices}),
            (("invoice.paid", {"amount": 50}, ["us", "eu"]), {every, eu}),
            (("customer.created", {"amount": 500}, ["eu"]), {every, eu, big}),
            (("invoice.paid", {"amount": "500"}, ["eu"]), {every, eu}),
        ]
        for (event_type, payload, channels), expected in cases:
            extra = {"channels": channels} if channels else {}
            message_id = await publish(client, event_type, payload, **extra)
            assert await delivered_to(client, message_id) == expected, (payload, channels)


class TestEnableDisable:
    async def test_disable_with_reason_then_enable_resumes_parked_deliveries(
        self, client: Client, sessions: Any
    ) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        path = f"{EP}/{ep['id']}"
        message_id = await publish(client, "invoice.paid", {"n": 1})
        async with sessions() as session:
            # Given a delivery parked while the endpoint is disabled (as the worker would do).
            await session.execute(
                update(Delivery)
                .where(Delivery.message_id == message_id)
                .values(next_attempt_at=None)
            )
            await session.commit()

        disabled = await client.post(f"{path}/disable", json={"reason": "maintenance"})
        assert disabled.status_code == 200
        assert (disabled.json()["disabled"], disabled.json()["disabled_reason"]) == (
            True,
            "maintenance",
        )
        assert await delivered_to(client, await publish(client, "invoice.paid", {})) == set()

        enabled = await client.post(f"{path}/enable")
        assert enabled.status_code == 200
        assert (enabled.json()["disabled"], enabled.json()["disabled_reason"]) == (False, None)
        async with sessions() as session:
            resumed = await session.scalar(
                select(Delivery).where(Delivery.message_id == message_id)
            )
            assert resumed is not None and resumed.next_attempt_at is not None

    async def test_disable_without_body_uses_default_reason(self, client: Client) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        response = await client.post(f"{EP}/{ep['id']}/disable")
        assert response.status_code == 200
        assert response.json()["disabled_reason"] == "disabled through the API"

    async def test_enable_disable_of_another_tenant_is_404(self, client: Client) -> None:
        await make_tenant(client, "acme")
        await make_tenant(client, "globex")
        ep = await create_endpoint(client)
        for action in ("enable", "disable", "secret/rotate", "test"):
            response = await client.post(f"/api/v1/tenants/globex/endpoints/{ep['id']}/{action}")
            assert response.status_code == 404, action
            assert response.json()["code"] == "endpoint_not_found"


class TestSecretRotation:
    async def test_rotate_generates_a_new_secret_and_keeps_the_old_one_for_the_grace(
        self, client: Client, sessions: Any
    ) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        path = f"{EP}/{ep['id']}/secret"
        old = (await client.get(path)).json()["secret"]
        before = utc_now()

        rotated = await client.post(f"{path}/rotate")

        assert rotated.status_code == 200
        new = rotated.json()["secret"]
        assert new.startswith("whsec_") and new != old
        assert (await client.get(path)).json()["secret"] == new
        async with sessions() as session:
            endpoint = await session.get(Endpoint, ep["id"])
            assert endpoint is not None
            (entry,) = endpoint.old_secrets
            assert BOX.decrypt(entry["secret_encrypted"]) == old
            expires_at = datetime.fromisoformat(entry["expires_at"])
            assert before + timedelta(hours=23.9) < expires_at < utc_now() + timedelta(hours=24)

    async def test_rotate_to_a_given_secret(self, client: Client) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        given = generate_secret()
        rotated = await client.post(f"{EP}/{ep['id']}/secret/rotate", json={"secret": given})
        assert rotated.json()["secret"] == given
        assert (await client.get(f"{EP}/{ep['id']}/secret")).json()["secret"] == given

    @pytest.mark.parametrize(
        ("secret", "status"),
        [("whsec_" + "A" * 8, 422), ("whsec_" + "A" * 120, 422), ("sk_abcdefghijkl", 400)],
    )
    async def test_bad_secret_is_refused_and_changes_nothing(
        self, client: Client, secret: str, status: int
    ) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        path = f"{EP}/{ep['id']}/secret"
        before = (await client.get(path)).json()["secret"]
        response = await client.post(f"{path}/rotate", json={"secret": secret})
        assert response.status_code == status
        assert (await client.get(path)).json()["secret"] == before

    async def test_at_most_ten_old_secrets_and_expired_ones_dropped(
        self, client: Client, sessions: Any
    ) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        path = f"{EP}/{ep['id']}/secret"
        for _ in range(12):
            assert (await client.post(f"{path}/rotate")).status_code == 200
        async with sessions() as session:
            endpoint = await session.get(Endpoint, ep["id"])
            assert endpoint is not None
            assert len(endpoint.old_secrets) == 10
            # Given all but the newest old secret expired:
            past = (utc_now() - timedelta(seconds=1)).isoformat()
            endpoint.old_secrets = [endpoint.old_secrets[0]] + [
                {**s, "expires_at": past} for s in endpoint.old_secrets[1:]
            ]
            await session.commit()
        await client.post(f"{path}/rotate")
        async with sessions() as session:
            endpoint = await session.get(Endpoint, ep["id"])
            assert endpoint is not None
            assert len(endpoint.old_secrets) == 2


class TestTestEvent:
    async def test_sends_the_example_of_the_first_exact_type_to_this_endpoint_only(
        self, client: Client, broker: StubBroker
    ) -> None:
        await make_tenant(client)
        await client.post(
            "/api/v1/event-types",
            json={"name": "invoice.paid", "example": {"invoice": "in_1", "amount": 42}},
        )
        ep = await create_endpoint(
            client, event_types=["invoice.*", "invoice.paid"], payload_filter=AMOUNT_OVER_100
        )
        await create_endpoint(client)  # another endpoint that would match: no delivery

        response = await client.post(f"{EP}/{ep['id']}/test")

        assert response.status_code == 202
        message = response.json()
        assert message["event_type"] == "invoice.paid"
        assert message["payload"] == {"invoice": "in_1", "amount": 42}
        assert await delivered_to(client, message["id"]) == {ep["id"]}
        assert len(queued_delivery_ids(broker)) == 1

    async def test_given_type_and_payload_and_the_default_type(self, client: Client) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client, event_types=["invoice.*"])
        given = await client.post(
            f"{EP}/{ep['id']}/test", json={"event_type": "order.shipped", "payload": {"o": 1}}
        )
        assert (given.json()["event_type"], given.json()["payload"]) == ("order.shipped", {"o": 1})
        default = (await client.post(f"{EP}/{ep['id']}/test", json={})).json()
        assert default["event_type"] == "hookrelay.test"
        assert default["payload"] == {"test": True, "endpoint_id": ep["id"]}
        assert await delivered_to(client, default["id"]) == {ep["id"]}

    async def test_payload_is_checked_against_the_schema(
        self, client: Client, sessions: Any
    ) -> None:
        await make_tenant(client)
        await client.post(
            "/api/v1/event-types",
            json={"name": "invoice.paid", "schema": {"type": "object", "required": ["invoice"]}},
        )
        ep = await create_endpoint(client, event_types=["invoice.paid"])
        response = await client.post(f"{EP}/{ep['id']}/test")
        assert response.status_code == 422
        assert response.json()["code"] == "payload_invalid"
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(Message)) == 0

    async def test_disabled_endpoint_is_409(self, client: Client) -> None:
        await make_tenant(client)
        ep = await create_endpoint(client)
        await client.post(f"{EP}/{ep['id']}/disable")
        response = await client.post(f"{EP}/{ep['id']}/test")
        assert response.status_code == 409
        assert response.json()["code"] == "endpoint_disabled"
